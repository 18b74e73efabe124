"""Time from launch to the first resumed iteration: mmengine's replay vs our
skip, side by side.

    python benchmarks/resume.py [--iters 0 1000 4000] [--workers 2]

The toy config with ``--workers`` persistent loader workers (our COCO
configs have 2), its dataset written to a temporary folder. One run trains
an iteration and saves ``iter_1.pth``; copies of that checkpoint are edited
to iteration N (meta and schedulers: "a checkpoint at iteration N").
``tools/train.py --resume`` then continues each to iteration N + 1, once
with mmengine's ``IterBasedTrainLoop`` (which pulls the N trained batches
through the data pipeline again) and once with our
``ResumableIterBasedTrainLoop`` (which draws their indices and reads no
image). Printed per N: seconds from launch until iteration N + 1 is logged,
for both, their ratio, and each against a fresh start (N = 0).
"""
import argparse
import os
import os.path as osp
import subprocess
import sys
import tempfile
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
from mmrethink.datasets.toy_shapes import (make_toy_coco,  # noqa: E402
                                           toy_cfg_options)
from mmrethink.schedules import move_checkpoint  # noqa: E402

TOY = osp.join(ROOT, 'configs', 'toy',
               'mask-rcnn_r18-scratch_fpn_gn-all_1xb4-toy-1x_shapes.py')
LOOPS = {'mmengine replay': 'IterBasedTrainLoop',
         'ours (skip)': 'ResumableIterBasedTrainLoop'}


def _options(data, workers, max_iters, loop):
    return toy_cfg_options(data['root'], data['val_ann']) + [
        f'train_cfg.type={loop}', f'train_cfg.max_iters={max_iters}',
        'train_cfg.val_begin=1000000000', 'default_hooks.logger.interval=1',
        f'train_dataloader.num_workers={workers}',
        f'train_dataloader.persistent_workers={workers > 0}',
        'default_hooks.checkpoint.interval=1000000000']


def _launch(work_dir, options, resume=None, until=None):
    """Run tools/train.py; return the seconds until a log line containing
    ``until`` appears (or until the end)."""
    cmd = [sys.executable, osp.join(ROOT, 'tools', 'train.py'), TOY,
           '--work-dir', work_dir]
    if resume:
        cmd += ['--resume', resume]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd + ['--cfg-options', *options],
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    seen, tail = None, []
    for line in proc.stdout:
        tail = (tail + [line])[-40:]
        if seen is None and until is not None and until in line:
            seen = time.perf_counter() - start
    if proc.wait() != 0:
        raise RuntimeError('training failed:\n' + ''.join(tail))
    return seen if until is not None else time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--iters', type=int, nargs='+',
                        default=[0, 1000, 4000])
    parser.add_argument('--workers', type=int, default=2)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        data = make_toy_coco(osp.join(tmp, 'toy'), num_train=64, num_val=8)
        data['root'] = osp.join(tmp, 'toy') + os.sep
        base = osp.join(tmp, 'base')
        _launch(base, _options(data, args.workers, 1, LOOPS['ours (skip)']))
        times = {}
        for n in args.iters:
            for name, loop in LOOPS.items():
                work = osp.join(tmp, f'{loop}-{n}')
                os.makedirs(work)
                ckpt = None
                if n > 0:
                    ckpt = osp.join(work, f'iter_{n}.pth')
                    move_checkpoint(osp.join(base, 'iter_1.pth'), ckpt, n)
                times[name, n] = _launch(
                    work, _options(data, args.workers, n + 1, loop), ckpt,
                    until=f'Iter(train) [{n + 1}/{n + 1}]')
                print(f'N={n:5d} {name:16s} {times[name, n]:7.1f} s',
                      flush=True)
    print(f'\nseconds from launch to iteration N+1 ({args.workers} loader '
          'workers, toy config, this machine)')
    print('     N   mmengine replay   ours (skip)   replay / ours   '
          'ours / fresh start')
    fresh = times['ours (skip)', args.iters[0]]
    for n in args.iters:
        replay, ours = times['mmengine replay', n], times['ours (skip)', n]
        print(f'{n:6d} {replay:14.1f} {ours:13.1f} {replay / ours:12.2f}x '
              f'{ours / fresh:16.2f}x')


if __name__ == '__main__':
    main()
