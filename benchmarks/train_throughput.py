"""Training throughput: what our additions cost, measured side by side.

    python benchmarks/train_throughput.py [--reps 6] [--iters 50]

Trains the toy config (``configs/toy/...r18-scratch...``) in two variants,
alternating, ``--reps`` times each, on the same generated data:

- ``mmrethink``: the config as shipped: ``ResumableIterBasedTrainLoop``
  (every sample's augmentation seeded from its place in the data stream),
  ``CheckedCocoDataset``, ``InfiniteSubsetSampler`` (a "subset" of all the
  images, so that both variants see the same images, in another order),
  and the hooks of every config (``CurveHook``, ``DivergenceHook``,
  ``ResumableCheckpointHook``, ``RandomStateHook``);
- ``mmdet``: the same model, data, pipeline and optimizer with mmengine's
  ``IterBasedTrainLoop`` and ``CheckpointHook``, mmdet's ``CocoDataset``,
  mmengine's ``DefaultSampler`` and no custom hooks.

Each run times ``--iters`` iterations after ``--warmup`` (data loading
included: wall clock between the ends of consecutive iterations) and prints
the median seconds per iteration; the ratio is median(mmdet) /
median(mmrethink), the throughput of ours relative to plain mmdet (goal:
>= 0.98). Validation and checkpoints are kept out of the timed window
(their cost is measured by ``benchmarks/coco_eval.py``).
"""
import argparse
import copy
import os.path as osp
import statistics
import sys
import tempfile
import time

from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
import mmrethink  # noqa: E402,F401
from mmrethink.datasets.toy_shapes import (make_toy_coco,  # noqa: E402
                                            toy_cfg_options)

TOY = osp.join(ROOT, 'configs', 'toy',
               'mask-rcnn_r18-scratch_fpn_gn-all_1xb4-toy-1x_shapes.py')


class IterTimer(Hook):
    """Wall-clock time at the end of every training iteration."""

    priority = 'LOWEST'

    def __init__(self):
        self.stamps = []

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.stamps.append(time.perf_counter())


def variant_config(base: Config, variant: str, data: dict, iters: int,
                   name: str, work_dir: str) -> Config:
    cfg = copy.deepcopy(base)
    cfg.merge_from_dict(dict(
        option.split('=', 1)
        for option in toy_cfg_options(data['root'], data['val_ann'])))
    # nothing but training in the timed window
    cfg.train_cfg = dict(
        type='ResumableIterBasedTrainLoop' if variant == 'mmrethink' else
        'IterBasedTrainLoop', max_iters=iters, val_interval=10 * iters)
    cfg.default_hooks.checkpoint.interval = 10 * iters
    cfg.default_hooks.checkpoint.save_last = False
    cfg.work_dir = work_dir
    cfg.experiment_name = name
    cfg.log_level = 'WARNING'  # the runners' config dumps, not the timings
    if variant == 'mmrethink':
        cfg.train_dataloader.sampler = dict(
            type='InfiniteSubsetSampler', subset_size=1.0, subset_seed=0)
    else:
        for split in ('train', 'val', 'test'):
            cfg[f'{split}_dataloader'].dataset.type = 'CocoDataset'
        cfg.train_dataloader.sampler = dict(type='DefaultSampler',
                                            shuffle=True)
        cfg.custom_hooks = []
        cfg.default_hooks.checkpoint = dict(
            type='CheckpointHook', by_epoch=False, interval=10 * iters,
            save_last=False)
    return cfg


def time_run(cfg: Config, warmup: int) -> float:
    """Median seconds per iteration after ``warmup`` iterations."""
    runner = Runner.from_cfg(cfg)
    timer = IterTimer()
    runner.register_hook(timer)
    runner.train()
    stamps = timer.stamps[warmup:]
    return statistics.median(b - a for a, b in zip(stamps, stamps[1:]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--reps', type=int, default=6)
    parser.add_argument('--iters', type=int, default=50,
                        help='timed iterations per run')
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--images', type=int, default=64)
    args = parser.parse_args()

    base = Config.fromfile(TOY)
    variants = ('mmrethink', 'mmdet')
    times = {v: [] for v in variants}
    with tempfile.TemporaryDirectory() as tmp:
        data = make_toy_coco(osp.join(tmp, 'data'), num_train=args.images,
                             num_val=8, seed=0)
        data['root'] = osp.join(tmp, 'data') + '/'
        for rep in range(args.reps):
            # alternate the order so that drifts of the machine cancel
            order = variants if rep % 2 == 0 else variants[::-1]
            for v in order:
                cfg = variant_config(base, v, data,
                                     args.warmup + args.iters + 1,
                                     f'{v}_{rep}', osp.join(tmp, f'{v}{rep}'))
                times[v].append(time_run(cfg, args.warmup))
                print(f'rep {rep} {v:9s} {times[v][-1]:.4f} s/iter',
                      flush=True)

    print('\nvariant    median s/iter   per rep')
    for v in variants:
        print(f'{v:9s}  {statistics.median(times[v]):.4f}          '
              + ' '.join(f'{t:.4f}' for t in times[v]))
    ratio = statistics.median(times['mmdet']) / statistics.median(
        times['mmrethink'])
    per_rep = [b / a for a, b in zip(times['mmrethink'], times['mmdet'])]
    print(f'\nthroughput ratio mmrethink / mmdet: {ratio:.3f} (goal >= 0.98; '
          f'per rep {min(per_rep):.3f}..{max(per_rep):.3f})')


if __name__ == '__main__':
    main()
