"""The training batches as a numbered stream that can start anywhere.

A data loader's batch sampler is wrapped in :class:`BatchStream`, which
numbers the batches from the start of training, can start at any batch by
drawing (and dropping) the indices before it (cheap: no image is read), and
hands each index to the workers as a :class:`SeededIndex`: the dataset
index plus the seed of that sample's augmentation, a function of the run's
seed, the rank and the sample's place in the stream. The dataset is wrapped
in :class:`SeededSamples`, which runs each sample's pipeline with the global
generators seeded from it. Which worker loads a sample, and what it loaded
before, no longer matters: a stream started at batch N gives the batches,
and the augmented images, that the uninterrupted stream gives there.
"""
from typing import Iterable, Iterator, List, Optional

from torch.utils.data import Dataset

from .random_streams import derive_seed, seeded


class SeededIndex(int):
    """A dataset index that carries the seed of its sample's pipeline."""

    def __new__(cls, index: int, seed: int):
        obj = super().__new__(cls, index)
        obj.seed = seed
        return obj

    def __reduce__(self):  # to the loader's worker processes
        return SeededIndex, (int(self), self.seed)


class BatchStream:
    """A batch sampler's batches, numbered, started where the loop says.

    Until :meth:`start` is called the stream is empty: mmengine's train
    loop iterates its data loader once when it is built (that starts the
    workers), before a resumed run knows where to start, and nothing may be
    drawn from the batch sampler then. Afterwards one stream runs for the
    whole training; a finite batch sampler (an epoch-based sampler in an
    iteration-based run) is restarted with the next epoch, as mmengine
    does.

    Args:
        batch_sampler (Iterable[List[int]]): The loader's batch sampler.
        seed (int): The run's seed.
        rank (int): This process's rank.
    """

    def __init__(self, batch_sampler: Iterable[List[int]], seed: int,
                 rank: int) -> None:
        self.batch_sampler = batch_sampler
        self.seed = seed
        self.rank = rank
        self._first: Optional[int] = None
        self._batches: Optional[Iterator[List[int]]] = None

    @property
    def sampler(self):
        """The index sampler (mmengine looks for ``set_epoch`` on it)."""
        return getattr(self.batch_sampler, 'sampler', None)

    @property
    def first(self) -> Optional[int]:
        """The batch the stream starts at (None before :meth:`start`)."""
        return self._first

    def start(self, first: int) -> None:
        """Begin the stream at batch ``first`` (0 for a fresh run)."""
        self._first = first

    def __iter__(self) -> Iterator[List[SeededIndex]]:
        if self._first is None:
            return
        if self._batches is None:
            self._batches = self._numbered(self._first)
        yield from self._batches

    def _numbered(self, first: int) -> Iterator[List[SeededIndex]]:
        position = 0
        for batch in self._endless():
            if position >= first:
                yield [SeededIndex(i, derive_seed(self.seed, 'sample',
                                                  self.rank, position, slot))
                       for slot, i in enumerate(batch)]
            position += 1

    def _endless(self) -> Iterator[List[int]]:
        epoch = 0
        while True:
            yield from self.batch_sampler
            epoch += 1
            if self.sampler is not None and hasattr(self.sampler,
                                                    'set_epoch'):
                self.sampler.set_epoch(epoch)

    def __len__(self) -> int:
        return len(self.batch_sampler)


class SeededSamples(Dataset):
    """A dataset whose samples run with the seed their index carries.

    Everything else (``metainfo``, ``get_data_info``, ...) is the wrapped
    dataset's.

    Args:
        dataset (Dataset): The training dataset.
    """

    def __init__(self, dataset) -> None:
        self.dataset = dataset

    def __getitem__(self, index):
        if isinstance(index, SeededIndex):
            with seeded(index.seed):
                return self.dataset[int(index)]
        return self.dataset[index]

    def __len__(self) -> int:
        return len(self.dataset)

    def __getattr__(self, name):
        if name == 'dataset':  # not set yet (while unpickling)
            raise AttributeError(name)
        return getattr(self.dataset, name)
