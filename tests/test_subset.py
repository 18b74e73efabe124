"""Fixed random subsets: exact size, same images on any world size and run,
disjoint shards, tool == sampler, and a training run that sees only them."""
import copy
import itertools
import json
import os.path as osp
import subprocess
import sys
from unittest import mock

import pytest
import torch

from conftest import ROOT, TOY_CONFIG, toy_data_options
from mmengine.dataset import InfiniteSampler

from mmrethink.datasets.subset import (InfiniteSubsetSampler, draw_subset,
                                       subset_indices)

MAKE_SUBSET = osp.join(ROOT, 'tools', 'make_subset.py')


class FakeDataset:
    """len() and get_data_info() like an mmdet dataset; image ids 1000+i."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def get_data_info(self, i):
        return dict(img_id=1000 + i)


def test_draw_is_exact_unique_seeded_and_nested():
    a = draw_subset(1000, 350, seed=3)
    assert len(a) == len(set(a)) == 350
    assert all(0 <= i < 1000 for i in a)
    assert draw_subset(1000, 350, seed=3) == a
    assert draw_subset(1000, 350, seed=4) != a
    assert set(draw_subset(1000, 100, seed=3)) <= set(a)  # 1k inside 3.5k
    assert len(draw_subset(1000, 0.1, seed=3)) == 100
    assert len(draw_subset(1000, 1000, seed=3)) == 1000


@pytest.mark.parametrize('size, match', [(1001, 'larger than the dataset'),
                                         (0, 'at least one'),
                                         (1.5, r'\(0, 1\]')])
def test_bad_sizes_are_refused(size, match):
    with pytest.raises(ValueError, match=match):
        draw_subset(1000, size, seed=0)


def _samplers(cls, world_size, **kwargs):
    samplers = []
    for rank in range(world_size):
        with mock.patch('mmengine.dataset.sampler.get_dist_info',
                        return_value=(rank, world_size)):
            samplers.append(cls(FakeDataset(1000), **kwargs))
    return samplers


def _reference_stream(subset, seed, shuffle, rank, world_size):
    """The stream the sampler was specified with: one shuffled pass of the
    subset after another from a generator seeded once with ``seed``, rank
    ``r`` taking every ``world_size``-th index from ``r``."""
    g = torch.Generator()
    g.manual_seed(seed)

    def passes():
        while True:
            order = (torch.randperm(len(subset), generator=g).tolist()
                     if shuffle else range(len(subset)))
            yield from (subset[i] for i in order)

    return itertools.islice(passes(), rank, None, world_size)


@pytest.mark.parametrize('world_size', [1, 3])
@pytest.mark.parametrize('shuffle', [True, False])
def test_infinite_sampler_keeps_its_index_stream(world_size, shuffle):
    subset = draw_subset(1000, 37, seed=2)
    samplers = _samplers(InfiniteSubsetSampler, world_size, subset_size=37,
                         subset_seed=2, seed=11, shuffle=shuffle)
    for rank, sampler in enumerate(samplers):
        assert isinstance(sampler, InfiniteSampler)  # mmengine's, mapped
        got = list(itertools.islice(iter(sampler), 200))
        want = list(itertools.islice(
            _reference_stream(subset, 11, shuffle, rank, world_size), 200))
        assert got == want


@pytest.mark.parametrize('world_size', [1, 2, 8])
def test_infinite_sampler_passes_are_sharded(world_size):
    samplers = _samplers(InfiniteSubsetSampler, world_size, subset_size=64,
                         seed=5)
    expected = draw_subset(1000, 64, seed=0)
    for s in samplers:
        assert s.subset == expected  # same on every rank / size
    streams = [iter(s) for s in samplers]
    per_rank = 64 // world_size
    for _ in range(3):  # three passes over the subset
        shards = [[next(it) for _ in range(per_rank)] for it in streams]
        flat = [i for shard in shards for i in shard]
        assert sorted(flat) == expected


def test_misspelt_option_names_the_right_one():
    with pytest.raises(TypeError, match="did you mean 'subset_size'"):
        InfiniteSubsetSampler(FakeDataset(10), subset_sizes=5)


def test_subset_file_and_its_errors(tmp_path):
    data = FakeDataset(100)
    ids = tmp_path / 'ids.txt'
    ids.write_text('1005\n# a comment\n1002\n\n1050\n')
    assert subset_indices(data, subset_file=str(ids)) == [2, 5, 50]
    (tmp_path / 'ids.json').write_text('[1001, 1003]')
    assert subset_indices(data, subset_file=str(tmp_path / 'ids.json')) == \
        [1, 3]
    ids.write_text('1005\n7\n')
    with pytest.raises(ValueError, match=r'ids.txt: 1 image id.*\[7\]'):
        subset_indices(data, subset_file=str(ids))
    ids.write_text('1005\n1005\n')
    with pytest.raises(ValueError, match='repeats'):
        subset_indices(data, subset_file=str(ids))
    ids.write_text('1005\nabc\n')
    with pytest.raises(ValueError, match='line 2'):
        subset_indices(data, subset_file=str(ids))
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        subset_indices(data, subset_file=str(tmp_path / 'nope.txt'))
    with pytest.raises(ValueError, match='exactly one'):
        subset_indices(data, subset_size=3, subset_file=str(ids))


@pytest.fixture(scope='module')
def ann_with_empty_images(toy_data, tmp_path_factory):
    """The toy training file with the annotations of 4 images removed."""
    with open(toy_data['train_ann']) as f:
        coco = json.load(f)
    removed = {im['id'] for im in coco['images'][:4]}
    coco['annotations'] = [a for a in coco['annotations']
                           if a['image_id'] not in removed]
    # every image left without annotations (the 4, and any drawn with
    # distractors only)
    empty = {im['id'] for im in coco['images']} - {
        a['image_id'] for a in coco['annotations']}
    assert removed <= empty
    path = tmp_path_factory.mktemp('ann') / 'instances_train.json'
    path.write_text(json.dumps(coco))
    return str(path), empty, len(coco['images'])


def _toy_train_dataset(ann_file, img_dir):
    from mmdet.registry import DATASETS
    from mmdet.utils import register_all_modules
    from mmengine.config import Config
    register_all_modules()
    cfg = copy.deepcopy(Config.fromfile(TOY_CONFIG).train_dataloader.dataset)
    cfg.update(data_root='', ann_file=ann_file,
               data_prefix=dict(img=img_dir + '/'))
    return DATASETS.build(cfg)


def test_size_counts_images_after_the_empty_image_filter(
        toy_data, ann_with_empty_images, tmp_path):
    ann, empty, total = ann_with_empty_images
    dataset = _toy_train_dataset(ann, toy_data['train_img'])
    assert len(dataset) == total - len(empty)  # mmdet dropped them
    (s, ) = _samplers_on(dataset, subset_size=len(dataset) - 2)
    ids = {dataset.get_data_info(i)['img_id'] for i in s.subset}
    assert len(ids) == len(dataset) - 2 and not ids & empty
    with pytest.raises(ValueError, match='larger than the dataset'):
        _samplers_on(dataset, subset_size=total)


def _samplers_on(dataset, **kwargs):
    return [InfiniteSubsetSampler(dataset, seed=0, **kwargs)]


@pytest.mark.slow
def test_tool_and_sampler_draw_the_same_images(toy_data, ann_with_empty_images,
                                               tmp_path):
    ann, empty, total = ann_with_empty_images
    proc = subprocess.run(
        [sys.executable, MAKE_SUBSET, ann, '--size', '7', '--seed', '3',
         '--out-dir', str(tmp_path), '--min-size', '8'],
        capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    with open(tmp_path / 'instances_train_7-seed3.json') as f:
        coco = json.load(f)
    tool_ids = sorted(im['id'] for im in coco['images'])
    assert len(tool_ids) == 7 and not set(tool_ids) & empty
    assert {a['image_id'] for a in coco['annotations']} == set(tool_ids)
    assert (tmp_path / 'instances_train_7-seed3.txt').read_text().split() == \
        [str(i) for i in tool_ids]

    dataset = _toy_train_dataset(ann, toy_data['train_img'])
    (s, ) = _samplers_on(dataset, subset_size=7, subset_seed=3)
    assert sorted(dataset.get_data_info(i)['img_id']
                  for i in s.subset) == tool_ids
    # ... and the id file gives the sampler the same subset back
    (f, ) = _samplers_on(dataset, subset_file=str(
        tmp_path / 'instances_train_7-seed3.txt'))
    assert f.subset == s.subset

    too_big = subprocess.run(
        [sys.executable, MAKE_SUBSET, ann, '--size', str(total), '--out-dir',
         str(tmp_path), '--min-size', '8'], capture_output=True, text=True)
    assert too_big.returncode == 2
    assert 'larger than the dataset' in too_big.stderr


@pytest.mark.slow
def test_training_run_draws_only_subset_images(toy_data, tmp_path):
    from mmengine.config import Config
    from mmengine.hooks import Hook
    from mmengine.runner import Runner

    seen = []

    class RecordImages(Hook):

        def before_train_iter(self, runner, batch_idx, data_batch=None):
            seen.extend(s.img_id for s in data_batch['data_samples'])

    cfg = Config.fromfile(TOY_CONFIG)
    options = dict(o.split('=', 1) for o in toy_data_options(toy_data))
    cfg.merge_from_dict(options)
    cfg.merge_from_dict({
        'train_dataloader.sampler': dict(
            _delete_=True, type='InfiniteSubsetSampler', subset_size=5,
            subset_seed=2, seed=0),
        'train_dataloader.batch_size': 2,
        'train_cfg.max_iters': 6,
        'default_hooks.checkpoint.interval': 100,
    })
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.work_dir = str(tmp_path)
    runner = Runner.from_cfg(cfg)
    runner.register_hook(RecordImages())
    runner.train()
    dataset = runner.train_dataloader.dataset
    subset_ids = {dataset.get_data_info(i)['img_id']
                  for i in draw_subset(len(dataset), 5, seed=2)}
    assert len(seen) == 12  # 6 iterations x batch 2
    assert set(seen) == subset_ids  # 12 draws from 5 images: all of them
    assert torch.tensor(seen).unique().numel() == 5
