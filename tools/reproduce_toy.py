"""The paper's two findings at toy scale, on a CPU (``make reproduce-toy``).

    python tools/reproduce_toy.py [--work-dir work_dirs/toy]

1. Table 1 at toy scale: scratch and ImageNet-style pretrained toy GN Mask
   R-CNNs at toy 1x, 2x, 3x, 4x (scratch) and 1x, 2x (pretrained) on the
   256-image toy training set (toy 1x = 12 epochs, as COCO's; the configs
   in ``configs/toy/`` say why). As in the paper's Fig. 1, every schedule
   shares the long run's iterations up to its own first lr drop: each arm
   trains its longest schedule once, and each shorter one is forked from
   that run's checkpoint at its first drop and trained to its own end with
   its own drops (``mmrethink.utils.checkpoints.fork_checkpoint``; exact,
   because our resumes are: the fork *is* that schedule). No curve of one
   length is read off a run of another.
2. Less data (the paper's §5): both arms on a fixed random subset of 32 of
   the 256 images, the same for both, for toy 1x in iterations.

The pretrained arm's backbone is pre-trained first on the toy world's
"ImageNet" (``tools/pretrain_toy_backbone.py``: separate images, 40
shape/texture kinds). Both arms share the recipe: only the init and the
input normalization differ (tested).

Every run is published with ``tools/publish.py`` (records in ``results/``,
weights and logs in ``<work-dir>/publish``), the README's toy table is
regenerated, and two figures are drawn with ``tools/plot_curves.py``: AP
against iterations for both arms and every length with the lr drops
(``docs/figures/toy_fig1.png``, the paper's Fig. 1) and the less-data runs
(``docs/figures/toy_less_data.png``). ``--one-x N`` shrinks the toy 1x to
N iterations (a quick look; the tests use it), writing derived configs of
the same names under the work dir; they validate every N/3 iterations,
with no denser validation around the drops, in a fresh work dir. Without
``--one-x``, a rerun continues where an interrupted one stopped (finished
runs are kept, cut ones resumed).
"""
import argparse
import os
import os.path as osp
import shutil
import subprocess
import sys
import time

from mmrethink.datasets.toy_shapes import make_toy_coco, toy_cfg_options
from mmrethink.utils.checkpoints import fork_checkpoint
from mmrethink.utils.schedules import TOY_1X, paper_schedule

HERE = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(HERE)
TOY = osp.join(ROOT, 'configs', 'toy')
STEMS = {
    'scratch': 'mask-rcnn_r18-scratch_fpn_gn-all_1xb4-toy-{}x_shapes',
    'pretrained': 'mask-rcnn_r18_fpn_gn-all_1xb4-toy-{}x_shapes',
}
LENGTHS = {'scratch': [4, 3, 2, 1], 'pretrained': [2, 1]}
SMALL = '-32'  # the less-data configs: <stem of 1x>-32


def run(cmd, log):
    print('+', ' '.join(cmd), flush=True)
    with open(log, 'a') as f:
        proc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        with open(log) as f:
            tail = f.readlines()[-30:]
        sys.exit(f'failed ({proc.returncode}): {" ".join(cmd)}\n'
                 + ''.join(tail))


def config_path(stem, args):
    """The config of ``stem``, or its derived copy for ``--one-x``."""
    path = osp.join(TOY, stem + '.py')
    if args.one_x is None:
        return path
    folder = osp.join(args.work_dir, 'configs')
    os.makedirs(folder, exist_ok=True)
    derived = osp.join(folder, stem + '.py')
    num_x = int(stem.split('toy-')[1].split('x')[0])
    one = args.one_x
    with open(derived, 'w') as f:
        f.write(f'_base_ = {path!r}\n'
                'from mmrethink.utils.schedules import iter_schedule, '
                'paper_schedule  # noqa\n'
                f'max_iters = {num_x * one}\n'
                'train_cfg, param_scheduler = iter_schedule(\n'
                f'    *paper_schedule({num_x}, iters_per_x={one}), '
                f'warmup_iters={max(1, one // 6)},\n'
                f'    val_interval={max(1, one // 3)})\n'
                'train_cfg.update(dynamic_intervals=None)\n'
                f'default_hooks = dict(checkpoint=dict(interval={one // 3}))'
                '\n')
    return derived


def train(stem, args, options, resume=None):
    """Train ``stem`` (continuing its work dir, if a run was cut short)."""
    work = osp.join(args.work_dir, stem)
    cmd = [sys.executable, osp.join(HERE, 'train.py'),
           config_path(stem, args), '--work-dir', work, '--resume']
    if resume:
        cmd += [resume]
    start = time.time()
    run(cmd + ['--cfg-options', *options], osp.join(args.work_dir,
                                                    'runs.log'))
    return work, time.time() - start


def fork(long_work, stem, num_x, args):
    """The shorter schedule ``num_x`` from the long run at its first drop;
    returns the checkpoint to resume from (None: continue the fork's own
    latest checkpoint, the fork having been made by an earlier call)."""
    one = args.one_x or TOY_1X
    max_iters, drops = paper_schedule(num_x, iters_per_x=one)
    work = osp.join(args.work_dir, stem)
    if osp.exists(osp.join(work, 'last_checkpoint')):
        return None  # forked by an earlier call: continue it
    os.makedirs(work, exist_ok=True)
    dst = osp.join(work, f'iter_{drops[0]}.pth')
    fork_checkpoint(osp.join(long_work, f'iter_{drops[0]}.pth'), dst,
                    max_iters, drops)
    return dst


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument('--work-dir', default='work_dirs/toy')
    parser.add_argument('--data-root', default='data/toy_shapes')
    parser.add_argument('--results-dir', default=osp.join(ROOT, 'results'))
    parser.add_argument('--figures', default=osp.join(ROOT, 'docs',
                                                      'figures'))
    parser.add_argument('--pretrain-images', type=int, default=20000)
    parser.add_argument('--pretrain-epochs', type=int, default=15)
    parser.add_argument('--one-x', type=int,
                        help='toy 1x in iterations (default: the configs\')')
    args = parser.parse_args(argv)
    start = time.time()
    if args.one_x is not None and os.path.isdir(args.work_dir):
        shutil.rmtree(args.work_dir)
    os.makedirs(args.work_dir, exist_ok=True)
    paths = make_toy_coco(args.data_root)
    options = toy_cfg_options(args.data_root, paths['val_ann'])
    seconds = {}

    backbone = osp.join(args.work_dir, 'pretrain', 'backbone.pth')
    t0 = time.time()
    if not osp.exists(backbone):  # (a rerun continues where one stopped)
        run([sys.executable, osp.join(HERE, 'pretrain_toy_backbone.py'),
             osp.join(TOY, STEMS['pretrained'].format(1) + '.py'), '--out',
             backbone, '--num-images', str(args.pretrain_images), '--epochs',
             str(args.pretrain_epochs)], osp.join(args.work_dir, 'runs.log'))
    seconds['pre-training'] = time.time() - t0
    arm_options = {
        'scratch': options,
        'pretrained': options + [
            f'model.backbone.init_cfg.checkpoint={backbone}']
    }
    works = {}
    for arm, lengths in LENGTHS.items():
        long_stem = STEMS[arm].format(lengths[0])
        works[long_stem], seconds[long_stem] = train(long_stem, args,
                                                     arm_options[arm])
        for num_x in lengths[1:]:
            stem = STEMS[arm].format(num_x)
            ckpt = fork(works[long_stem], stem, num_x, args)
            works[stem], seconds[stem] = train(stem, args, arm_options[arm],
                                               resume=ckpt)
        stem = STEMS[arm].format(1) + SMALL
        works[stem], seconds[stem] = train(stem, args, arm_options[arm])

    publish_dir = osp.join(args.work_dir, 'publish')
    for stem, work in works.items():
        run([sys.executable, osp.join(HERE, 'publish.py'), work, '--out-dir',
             publish_dir, '--results-dir', args.results_dir, '--replace',
             '--no-gather'], osp.join(args.work_dir, 'runs.log'))
    if osp.abspath(args.results_dir) == osp.join(ROOT, 'results'):
        run([sys.executable, osp.join(HERE, 'gather_results.py')],
            osp.join(args.work_dir, 'runs.log'))

    os.makedirs(args.figures, exist_ok=True)
    one = args.one_x or TOY_1X
    fig1 = [STEMS['scratch'].format(n) for n in LENGTHS['scratch']] + [
        STEMS['pretrained'].format(n) for n in LENGTHS['pretrained']]
    labels = [f'{arm} {n}x' for arm in LENGTHS for n in LENGTHS[arm]]
    small = [STEMS[arm].format(1) + SMALL for arm in LENGTHS]
    for name, stems, names in (
            ('toy_fig1', fig1, labels),
            ('toy_less_data', small, [f'{arm}, 32 images' for arm in LENGTHS])):
        run([sys.executable, osp.join(HERE, 'plot_curves.py'),
             *[works[s] for s in stems], '--labels', *names,
             '--iters-per-x', str(one),
             # overfitting onsets where the paper looks for them: less data
             *(['--onset'] if name == 'toy_less_data' else []), '--out',
             osp.join(args.figures, name + '.png'), '--csv',
             osp.join(args.figures, name + '.csv'), '--title',
             'toy world: ' + ('AP vs iterations, every schedule'
                              if name == 'toy_fig1' else
                              '32 training images')],
            osp.join(args.work_dir, 'runs.log'))

    print('\ntime per step (s): ' + ', '.join(
        f'{k} {v:.0f}' for k, v in seconds.items()))
    print(f'total: {time.time() - start:.0f} s; records in '
          f'{args.results_dir}, figures in {args.figures}, weights and logs '
          f'in {publish_dir}')


if __name__ == '__main__':
    main()
