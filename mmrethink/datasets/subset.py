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

Epoch-based runs train on the subset's annotation file that
``tools/make_subset.py`` writes, with any sampler.
"""
import json
import os.path as osp
from typing import Iterator, List, Optional, Sized, Union

import torch
from mmdet.registry import DATA_SAMPLERS
from mmengine.dataset import InfiniteSampler

from ..utils.options import check_options


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


@DATA_SAMPLERS.register_module()
class InfiniteSubsetSampler(InfiniteSampler):
    """mmengine's ``InfiniteSampler`` over a fixed random subset.

    mmengine's sampler draws an endless stream of positions ``0..N-1``
    (one shuffled pass after another, from a generator seeded once with
    ``seed``) and gives rank ``r`` every ``world_size``-th of them; here
    ``N`` is the subset's size and each position is mapped to the dataset
    index of that subset member. The ranks' shards of each pass are
    disjoint and cover the subset.

    Args:
        dataset (Sized): The dataset.
        subset_size (int | float, optional): Images in the subset, or a
            fraction of the dataset. Counted after the dataset's filter.
        subset_seed (int): Seed of the draw. Defaults to 0.
        subset_file (str, optional): COCO image ids to use instead of a draw
            (``tools/make_subset.py`` writes one).
        shuffle (bool): Reshuffle each pass over the subset. Defaults to
            True.
        seed (int, optional): Shuffling seed; None draws one shared by all
            ranks. Defaults to None.
    """

    def __init__(self,
                 dataset: Sized,
                 subset_size: Optional[Union[int, float]] = None,
                 subset_seed: int = 0,
                 subset_file: Optional[str] = None,
                 shuffle: bool = True,
                 seed: Optional[int] = None,
                 **unknown) -> None:
        check_options(self, unknown)
        self.subset_seed = subset_seed
        self.subset = subset_indices(dataset, subset_size, subset_seed,
                                     subset_file)
        super().__init__(dataset, shuffle=shuffle, seed=seed)
        self.size = len(self.subset)
        self.indices = self._indices_of_rank()

    def _infinite_indices(self) -> Iterator[int]:
        """mmengine's stream of positions, as dataset indices."""
        subset = self.subset
        for position in super()._infinite_indices():
            yield subset[position]


__all__ = [
    'InfiniteSubsetSampler', 'draw_subset',
    'subset_indices', 'read_image_ids', 'resolve_subset_size',
    'dataset_image_ids'
]

