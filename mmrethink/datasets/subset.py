"""Training on a fixed random subset of a dataset (paper §5: 35k, 10k, 3.5k
and 1k COCO images).

Scratch and pretrained runs are only comparable on the *same* images, so the
subset is drawn once from its own seed, without replacement, from the
dataset's image list after mmdet's filtering (images without annotations are
dropped first, so ``subset_size=N`` trains on exactly N images). It does not
depend on the world size, the rank or the epoch. ``tools/make_subset.py``
draws the same subset (same function, same seed) and writes it as a COCO
file and an image-id list, which ``subset_file`` reads back.

Config::

    train_dataloader = dict(
        sampler=dict(type='InfiniteSubsetSampler', subset_size=10000,
                     subset_seed=0))
"""
import itertools
import json
import math
import os.path as osp
from typing import Iterator, List, Optional, Sized, Union

import torch
from mmdet.registry import DATA_SAMPLERS
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from ..utils.options import strict_options


def resolve_subset_size(subset_size: Union[int, float], num_items: int) -> int:
    """Turn ``subset_size`` (a count, or a fraction in (0, 1]) into a count.

    Raises:
        ValueError: for a count larger than ``num_items`` (saying so), a
            non-positive size, or a fraction outside (0, 1].
    """
    if isinstance(subset_size, bool) or not isinstance(subset_size,
                                                       (int, float)):
        raise TypeError(f'subset_size must be an int or a float, got '
                        f'{subset_size!r}')
    if isinstance(subset_size, float):
        if not 0 < subset_size <= 1:
            raise ValueError(f'a fractional subset_size must be in (0, 1], '
                             f'got {subset_size}')
        size = int(round(subset_size * num_items))
    else:
        size = subset_size
    if size <= 0:
        raise ValueError(f'subset_size must select at least one image, got '
                         f'{subset_size!r} of {num_items}')
    if size > num_items:
        raise ValueError(
            f'subset_size={size} is larger than the dataset, which has '
            f'{num_items} training images (after dropping the images without '
            'annotations): a subset is drawn without replacement')
    return size


def draw_subset(num_items: int, subset_size: Union[int, float],
                seed: int) -> List[int]:
    """Draw ``subset_size`` distinct indices of ``range(num_items)``.

    The draw depends on ``num_items``, ``subset_size`` and ``seed`` only.
    Subsets of one seed are nested: the 1k draw lies inside the 3.5k draw,
    which lies inside the 10k draw (each is a prefix of one permutation).

    Returns:
        list[int]: sorted indices.
    """
    size = resolve_subset_size(subset_size, num_items)
    g = torch.Generator()
    g.manual_seed(int(seed))
    perm = torch.randperm(num_items, generator=g)
    return sorted(perm[:size].tolist())


def read_image_ids(path: str) -> List[int]:
    """Read COCO image ids: a JSON list, or a text file with one id a line.

    Raises:
        FileNotFoundError / ValueError: naming the file and the bad line.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'subset_file {path} does not exist')
    with open(path) as f:
        text = f.read()
    if path.endswith('.json'):
        ids = json.loads(text)
        if not isinstance(ids, list) or not all(
                isinstance(i, int) for i in ids):
            raise ValueError(f'subset_file {path}: expected a JSON list of '
                             'integer image ids')
        return ids
    ids = []
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.split('#')[0].strip()
        if not line:
            continue
        try:
            ids.append(int(line))
        except ValueError:
            raise ValueError(f'subset_file {path}, line {lineno}: expected '
                             f'an integer image id, got {line!r}') from None
    return ids


def dataset_image_ids(dataset) -> List[int]:
    """The image id of every item of an mmdet dataset, in order."""
    return [dataset.get_data_info(i)['img_id'] for i in range(len(dataset))]


def subset_indices(dataset: Sized,
                   subset_size: Optional[Union[int, float]] = None,
                   subset_seed: int = 0,
                   subset_file: Optional[str] = None) -> List[int]:
    """Dataset indices of the subset, from a size and seed or from a file.

    Raises:
        ValueError: if both or neither of ``subset_size`` and
            ``subset_file`` are given, or if the file names image ids that
            the dataset does not have (after its filtering) or repeats one.
    """
    if (subset_size is None) == (subset_file is None):
        raise ValueError('give exactly one of subset_size and subset_file')
    if subset_file is None:
        return draw_subset(len(dataset), subset_size, subset_seed)
    ids = read_image_ids(subset_file)
    if len(set(ids)) != len(ids):
        raise ValueError(f'subset_file {subset_file} repeats image ids')
    index_of = {img_id: i for i, img_id in enumerate(
        dataset_image_ids(dataset))}
    unknown = [i for i in ids if i not in index_of]
    if unknown:
        raise ValueError(
            f'subset_file {subset_file}: {len(unknown)} image id(s) are not '
            f'in the training set (or were dropped by its filter_cfg), e.g. '
            f'{unknown[:5]}')
    if not ids:
        raise ValueError(f'subset_file {subset_file} lists no image ids')
    return sorted(index_of[i] for i in ids)


class _SubsetMixin:
    """Selection shared by the two samplers."""

    def _init_subset(self, dataset, subset_size, subset_seed, subset_file,
                     shuffle, seed):
        self.rank, self.world_size = get_dist_info()
        self.dataset = dataset
        self.shuffle = shuffle
        self.subset_seed = subset_seed
        # the subset's own seed is explicit; the shuffling seed is shared by
        # all ranks as in mmengine's samplers
        self.seed = sync_random_seed() if seed is None else seed
        self.subset = torch.tensor(
            subset_indices(dataset, subset_size, subset_seed, subset_file),
            dtype=torch.long)


@DATA_SAMPLERS.register_module()
@strict_options
class SubsetSampler(_SubsetMixin, Sampler):
    """Epoch-based sampler over a fixed random subset, sharded across ranks.

    Each epoch reshuffles the subset (seed ``seed + epoch``) and rank ``r``
    takes every ``world_size``-th index from ``r``; with ``round_up`` the
    epoch is padded so that every rank gets the same count, as mmengine's
    ``DefaultSampler``.

    Args:
        dataset (Sized): The dataset.
        subset_size (int | float, optional): Images in the subset, or a
            fraction of the dataset. Counted after the dataset's filter.
        subset_seed (int): Seed of the draw. Defaults to 0.
        subset_file (str, optional): COCO image ids to use instead of a draw
            (``tools/make_subset.py`` writes one).
        shuffle (bool): Reshuffle the subset every epoch. Defaults to True.
        seed (int, optional): Shuffling seed; None draws one shared by all
            ranks. Defaults to None.
        round_up (bool): Pad to a multiple of the world size. Defaults to
            True.
    """

    def __init__(self,
                 dataset: Sized,
                 subset_size: Optional[Union[int, float]] = None,
                 subset_seed: int = 0,
                 subset_file: Optional[str] = None,
                 shuffle: bool = True,
                 seed: Optional[int] = None,
                 round_up: bool = True) -> None:
        self._init_subset(dataset, subset_size, subset_seed, subset_file,
                          shuffle, seed)
        self.round_up = round_up
        self.epoch = 0
        n = len(self.subset)
        if round_up:
            self.num_samples = math.ceil(n / self.world_size)
            self.total_size = self.num_samples * self.world_size
        else:
            self.num_samples = math.ceil((n - self.rank) / self.world_size)
            self.total_size = n

    def __iter__(self) -> Iterator[int]:
        if self.shuffle:
            g = torch.Generator()
            g.manual_seed(self.seed + self.epoch)
            order = self.subset[torch.randperm(len(self.subset),
                                               generator=g)].tolist()
        else:
            order = self.subset.tolist()
        if self.round_up:
            order = (order * int(self.total_size / len(order) + 1)
                     )[:self.total_size]
        return iter(order[self.rank:self.total_size:self.world_size])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch, which seeds the next shuffle."""
        self.epoch = epoch


@DATA_SAMPLERS.register_module()
@strict_options
class InfiniteSubsetSampler(_SubsetMixin, Sampler):
    """Endless sampler over a fixed random subset, for iteration-based runs.

    Yields one shuffled pass of the subset after another from a generator
    seeded once with ``seed``; rank ``r`` takes every ``world_size``-th
    index of that stream, so the ranks' shards of each pass are disjoint and
    cover it. Arguments as :class:`SubsetSampler`.
    """

    def __init__(self,
                 dataset: Sized,
                 subset_size: Optional[Union[int, float]] = None,
                 subset_seed: int = 0,
                 subset_file: Optional[str] = None,
                 shuffle: bool = True,
                 seed: Optional[int] = None) -> None:
        self._init_subset(dataset, subset_size, subset_seed, subset_file,
                          shuffle, seed)
        self.size = len(self.subset)

    def _infinite_indices(self) -> Iterator[int]:
        g = torch.Generator()
        g.manual_seed(self.seed)
        while True:
            if self.shuffle:
                perm = torch.randperm(self.size, generator=g)
                yield from self.subset[perm].tolist()
            else:
                yield from self.subset.tolist()

    def __iter__(self) -> Iterator[int]:
        yield from itertools.islice(self._infinite_indices(), self.rank, None,
                                    self.world_size)

    def __len__(self) -> int:
        return self.size

    def set_epoch(self, epoch: int) -> None:
        """Not used: the stream is endless."""


__all__ = [
    'SubsetSampler', 'InfiniteSubsetSampler', 'draw_subset',
    'subset_indices', 'read_image_ids', 'resolve_subset_size',
    'dataset_image_ids'
]

