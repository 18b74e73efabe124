"""The paper's question at toy scale: scratch vs pretrained across data sizes
(``make reproduce-toy``).

    python tools/reproduce_toy.py                       # CPU preset
    python tools/reproduce_toy.py --preset gpu --device cuda

The toy world (``mmrethink.datasets.toy_shapes``) is written once at the
preset's full size; the data sizes are fixed random subsets of it (seed 0,
nested, the same for both arms), chosen so that their annotated instances
per class bracket the paper's subsets (COCO has ~10.7k instances per class:
its 1k-image subset ~90, 3.5k ~320, 10k ~900). Every size trains both arms
(scratch; pretrained on the toy world's "ImageNet",
``tools/pretrain_toy_backbone.py``) for every schedule length of the
preset, in iterations, the same for every size, as the paper's subsets
share theirs (§5). Each arm and size trains its longest schedule once; each
shorter one is forked from that run's checkpoint at its own first lr drop
(``mmrethink.schedules.fork_checkpoint``: the schedules are equal
up to there, and our resumes are exact, so the fork *is* that schedule).

Presets (fixed before any run; docs/toy.md):

- ``cpu`` (default, 2 cores, about an hour): 2137 training images (2048
  of them annotated: sizes count the images mmdet keeps) and 128
  validation images, sizes 128 / 512 / 2048, lengths 768 / 1536 / 3072
  iterations; the in-tree configs ``configs/toy/study/``.
- ``gpu`` (one GPU): 8600 / 256 images, sizes 128 / 512 / 2048 / 8192,
  lengths 1536 ... 12288; configs derived from the same recipe into
  ``<work-dir>/configs/``.

``--sizes``, ``--iters``, ``--num-train``, ``--num-val`` override a preset
(derived configs, a fresh work dir; the tests use tiny ones).

Every run is published with ``tools/publish.py`` (records in
``--results-dir``; weights in ``<work-dir>/publish``; the logs and curves
also into ``<results-dir>/logs``, small text files that belong in the
repository), the README's toy table is regenerated (repository results
only), and the study's figures go to ``--figures``:

- ``toy_fig1.png``: every schedule of both arms at the largest size, lr
  drops marked (the paper's Fig. 1);
- ``toy_less_data.png``: the smaller sizes, both arms, longest schedule;
- ``toy_gap.png``: pretrained minus scratch box AP, each arm at its best
  schedule, against instances per class, beside the paper's points (§5);
- ``toy_study.csv`` and ``toy_study.md``: every run's box AP, and per size
  and arm whether its curve flattened (the longest schedule gains < 1 AP
  over the one before).

A rerun continues where an interrupted one stopped (finished runs are kept,
cut ones resumed, forks not redone).
"""
import argparse
import csv
import json
import math
import os
import os.path as osp
import shutil
import subprocess
import sys
import time
from collections import Counter

from mmrethink.commands import command_line
from mmrethink.datasets.subset import draw_subset
from mmrethink.datasets.toy_shapes import (CLASSES, make_toy_coco,
                                           toy_cfg_options)
from mmrethink.launch import call_tool
from mmrethink.records import plots, publishing, tables
from mmrethink.records.results import read_record
from mmrethink.schedules import (TOY_STUDY_INTERVAL, TOY_STUDY_ITERS,
                                 fork_checkpoint, short_schedule)

HERE = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(HERE)

TOY = osp.join(ROOT, 'configs', 'toy')
STUDY = osp.join(TOY, 'study')
ARMS = {
    'scratch': ('mask-rcnn_r18-scratch_fpn_gn-all',
                'mask-rcnn_r18-scratch_fpn_gn-all_1xb4-toy-1x_shapes'),
    'pretrained': ('mask-rcnn_r18_fpn_gn-all',
                   'mask-rcnn_r18_fpn_gn-all_1xb4-toy-1x_shapes'),
}
PRESETS = {
    # num_train: the first 2137 images of the world hold 2048 with
    # annotations (mmdet drops the others, as COCO's unannotated ones)
    'cpu': dict(num_train=2137, num_val=128, sizes=(128, 512, 2048),
                iters=TOY_STUDY_ITERS, device='cpu', workers=0),
    'gpu': dict(num_train=8600, num_val=256, sizes=(128, 512, 2048, 8192),
                iters=(1536, 3072, 6144, 12288), device='cuda', workers=4),
}
#: the paper's §5 (box AP, R50 GN Mask R-CNN, COCO val2017): images,
#: instances per class (COCO: ~860k instances over 80 classes), scratch,
#: pretrained; the full set is Table 1's 6x / 6x
PAPER_POINTS = (
    ('1k', 1000 * 10.7e3 / 118e3, 3.5, 9.9),
    ('3.5k', 3500 * 10.7e3 / 118e3, 9.3, 16.0),
    ('10k', 10000 * 10.7e3 / 118e3, 25.9, 26.0),
    ('35k', 35000 * 10.7e3 / 118e3, 36.3, 36.3),
    ('118k', 10.7e3, 41.3, 41.1),
)
LOG = 'runs.log'


def stem(arm: str, iters: int, size: int) -> str:
    return f'{ARMS[arm][0]}_1xb4-{iters}it_shapes-{size}'


def interval_of(iters) -> int:
    """Validation and checkpoint interval: every fork point (2/3 of each
    shorter length) is a multiple of it."""
    return min(iters) // 3


def config_text(arm: str, iters: int, size: int, interval: int,
                base_dir: str = '..') -> str:
    """The config of one study run, as ``configs/toy/study/`` holds them
    (a test checks that the CPU preset's files are these texts); derived
    ones name the toy recipe in ``base_dir``."""
    drops = short_schedule(iters)[1]
    extra = '' if interval == TOY_STUDY_INTERVAL else (
        f', interval={interval},\n    warmup_iters={min(128, interval)}')
    arg = f'{iters}{extra}'
    return f'''# Toy study (make reproduce-toy, docs/toy.md): the {arm} toy recipe on
# {size} of the study's toy training images (a fixed random subset, the
# same for both arms and nested in the larger ones), {iters} iterations at
# batch 4, lr x0.1 at {drops[0]} and {drops[1]} (2/3 and 8/9: the subset rule,
# UNVERIFIED).
_base_ = '{base_dir}/{ARMS[arm][1]}.py'
from mmrethink.schedules import toy_study_schedule  # noqa

train_cfg, param_scheduler = toy_study_schedule({arg})
train_dataloader = dict(
    sampler=dict(type='InfiniteSubsetSampler', subset_size={size},
                 subset_seed=0))
default_hooks = dict(checkpoint=dict(interval={interval}))
'''


def write_configs(folder: str, sizes, iters, base_dir: str) -> None:
    """Every run's config of a study into ``folder``."""
    os.makedirs(folder, exist_ok=True)
    for arm in ARMS:
        for size in sizes:
            for length in iters:
                with open(osp.join(folder, stem(arm, length, size) + '.py'),
                          'w') as f:
                    f.write(config_text(arm, length, size,
                                        interval_of(iters), base_dir))


def run(cmd, log, env=None):
    print('+', ' '.join(cmd), flush=True)
    with open(log, 'a') as f:
        proc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT,
                              env=env)
    if proc.returncode != 0:
        with open(log) as f:
            tail = f.readlines()[-30:]
        sys.exit(f'failed ({proc.returncode}): {" ".join(cmd)}\n'
                 + ''.join(tail))


def instances_per_class(ann_file: str, sizes) -> dict:
    """Annotated instances per class of each subset (the sampler's
    subsets: ``draw_subset`` over the dataset's images, those with
    annotations in file order, as mmdet's ``filter_empty_gt`` leaves
    them)."""
    with open(ann_file) as f:
        coco = json.load(f)
    per_image = {}
    for ann in coco['annotations']:
        per_image.setdefault(ann['image_id'], []).append(ann['category_id'])
    ids = [img['id'] for img in coco['images'] if img['id'] in per_image]
    out = {}
    for size in sizes:
        chosen = draw_subset(len(ids), size, 0)
        counts = Counter(c for i in chosen for c in per_image.get(ids[i], []))
        out[size] = dict(images=size, instances=sum(counts.values()),
                         per_class=sum(counts.values()) / len(CLASSES))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument('--preset', choices=sorted(PRESETS), default='cpu')
    parser.add_argument('--device', choices=['cpu', 'cuda'],
                        help='default: the preset\'s')
    parser.add_argument('--sizes', type=int, nargs='+')
    parser.add_argument('--iters', type=int, nargs='+')
    parser.add_argument('--num-train', type=int)
    parser.add_argument('--num-val', type=int)
    parser.add_argument('--work-dir', help='default: work_dirs/toy (cpu), '
                        'work_dirs/toy-gpu (gpu)')
    parser.add_argument('--data-root')
    parser.add_argument('--results-dir',
                        help='default: results/ (cpu), results/gpu/ (gpu)')
    parser.add_argument('--figures', help='default: docs/figures/ (cpu), '
                        'docs/figures/gpu/ (gpu)')
    parser.add_argument('--pretrain-images', type=int, default=20000)
    parser.add_argument('--pretrain-epochs', type=int, default=15)
    parser.add_argument('--write-configs', metavar='DIR',
                        help='write the preset\'s study configs (as '
                        'configs/toy/study/ holds them) into DIR and exit')
    args = parser.parse_args(argv)
    preset = dict(PRESETS[args.preset])
    # the GPU preset's runs share names with the CPU study's but not its
    # data: their records and figures go elsewhere
    sub = () if args.preset == 'cpu' else (args.preset, )
    args.work_dir = args.work_dir or 'work_dirs/' + '-'.join(('toy', *sub))
    args.results_dir = args.results_dir or osp.join(ROOT, 'results', *sub)
    args.figures = args.figures or osp.join(ROOT, 'docs', 'figures', *sub)
    for key in ('sizes', 'iters', 'num_train', 'num_val', 'device'):
        if getattr(args, key) is not None:
            preset[key] = getattr(args, key)
    sizes, iters = sorted(preset['sizes']), sorted(preset['iters'])
    if max(sizes) > preset['num_train']:
        parser.error(f'--sizes: the largest, {max(sizes)}, exceeds the '
                     f'{preset["num_train"]} training images')
    for short in iters[:-1]:
        if short * 2 // 3 % interval_of(iters):
            parser.error(f'--iters {iters}: the fork point of {short} '
                         f'({short * 2 // 3}) is not a multiple of the '
                         f'checkpoint interval {interval_of(iters)}')
    if args.write_configs:
        write_configs(args.write_configs, sizes, iters, '..')
        return
    in_tree = (sizes == list(PRESETS['cpu']['sizes'])
               and iters == list(TOY_STUDY_ITERS))
    env = dict(os.environ)
    if preset['device'] == 'cpu':
        env['CUDA_VISIBLE_DEVICES'] = ''
    else:
        import torch
        if not torch.cuda.is_available():
            sys.exit('--device cuda: torch sees no GPU here')
    start = time.time()
    os.makedirs(args.work_dir, exist_ok=True)
    log = osp.join(args.work_dir, LOG)
    data_root = args.data_root or (
        f'data/toy_shapes-study-{preset["num_train"]}')
    paths = make_toy_coco(data_root, num_train=preset['num_train'],
                          num_val=preset['num_val'])
    options = toy_cfg_options(data_root, paths['val_ann'])
    if preset['workers']:
        options += [f'train_dataloader.num_workers={preset["workers"]}',
                    'train_dataloader.persistent_workers=True']
    counts = instances_per_class(paths['train_ann'], sizes)
    for size in sizes:
        print(f'size {size}: {counts[size]["instances"]} instances, '
              f'{counts[size]["per_class"]:.0f} per class', flush=True)

    configs = STUDY if in_tree else osp.join(args.work_dir, 'configs')
    if not in_tree:
        write_configs(configs, sizes, iters, TOY)
    seconds = {}
    backbone = osp.join(args.work_dir, 'pretrain', 'backbone.pth')
    t0 = time.time()
    if not osp.exists(backbone):  # (a rerun continues where one stopped)
        run(command_line('pretrain_toy_backbone',
                         osp.join(TOY, ARMS['pretrained'][1] + '.py'),
                         '--out', backbone, '--num-images',
                         args.pretrain_images, '--epochs',
                         args.pretrain_epochs), log, env)
    seconds['pre-training'] = time.time() - t0
    arm_options = {'scratch': options, 'pretrained': options + [
        f'model.backbone.init_cfg.checkpoint={backbone}']}

    works = {}
    for size in sizes:
        for arm in ARMS:
            longest = stem(arm, iters[-1], size)
            works[longest] = train(longest, configs, args, arm_options[arm],
                                   log, env, seconds)
            for length in iters[:-1]:
                name = stem(arm, length, size)
                ckpt = fork(works[longest], name, length, args)
                works[name] = train(name, configs, args, arm_options[arm],
                                    log, env, seconds, resume=ckpt)

    publish(works, args, log)
    report(works, counts, sizes, iters, args, log)
    print('\ntime per run (s): ' + ', '.join(
        f'{k} {v:.0f}' for k, v in seconds.items()))
    print(f'total: {time.time() - start:.0f} s; records in '
          f'{args.results_dir}, figures in {args.figures}')


def train(name, configs, args, options, log, env, seconds, resume=None):
    """Train ``name`` (continuing its work dir, if a run was cut short)."""
    work = osp.join(args.work_dir, name)
    cmd = command_line('train', osp.join(configs, name + '.py'),
                       '--work-dir', work, '--resume')
    if resume:
        cmd += [resume]
    t0 = time.time()
    run(cmd + ['--cfg-options', *options], log, env)
    seconds[name] = time.time() - t0
    return work


def fork(long_work, name, length, args):
    """The shorter schedule ``length`` from the long run at its first drop;
    returns the checkpoint to resume from (None: continue the fork's own
    latest checkpoint, the fork having been made by an earlier call)."""
    max_iters, drops = short_schedule(length)
    work = osp.join(args.work_dir, name)
    if osp.exists(osp.join(work, 'last_checkpoint')):
        return None
    os.makedirs(work, exist_ok=True)
    dst = osp.join(work, f'iter_{drops[0]}.pth')
    fork_checkpoint(osp.join(long_work, f'iter_{drops[0]}.pth'), dst,
                    max_iters, drops)
    return dst


def publish(works, args, log):
    publish_dir = osp.join(args.work_dir, 'publish')
    for work in works.values():
        call_tool(lambda argv: publishing.main(argv, root=ROOT), [
            work, '--out-dir', publish_dir, '--results-dir',
            args.results_dir, '--replace', '--no-gather'], log)
    # the logs and curves are small text files: they go with the records
    logs = osp.join(args.results_dir, 'logs')
    os.makedirs(logs, exist_ok=True)
    for name in works:
        record = read_record(args.results_dir, name)
        for key in ('log', 'curve'):
            shutil.copy(osp.join(publish_dir, getattr(record, key)), logs)
    if osp.abspath(args.results_dir) == osp.join(ROOT, 'results'):
        call_tool(lambda argv: tables.main(argv, root=ROOT), [], log)


def report(works, counts, sizes, iters, args, log):
    """The study's table, flattening check and figures."""
    os.makedirs(args.figures, exist_ok=True)
    rows, best = [], {}
    for size in sizes:
        for arm in ARMS:
            aps = [read_record(args.results_dir, stem(arm, n, size)).box_ap
                   for n in iters]
            gain = aps[-1] - aps[-2] if len(aps) > 1 else math.nan
            best[size, arm] = max(aps)
            rows.append(dict(size=size,
                             per_class=round(counts[size]['per_class']),
                             arm=arm, **{f'{n} it': ap
                                         for n, ap in zip(iters, aps)},
                             best=max(aps), last_gain=round(gain, 1),
                             flattened=bool(gain < 1.0)))
    with open(osp.join(args.figures, 'toy_study.csv'), 'w',
              newline='') as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    head = ['images', 'instances / class', 'arm',
            *[f'{n} it' for n in iters], 'best', 'last gain', 'flattened']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for r in rows:
        lines.append('| ' + ' | '.join(str(v) for v in (
            r['size'], r['per_class'], r['arm'],
            *[r[f'{n} it'] for n in iters], r['best'], r['last_gain'],
            'yes' if r['flattened'] else 'no')) + ' |')
    lines += ['', '| images | instances / class | gap (pretrained - '
              'scratch, best of each) |', '|---|---|---|']
    for size in sizes:
        lines.append(f'| {size} | {counts[size]["per_class"]:.0f} | '
                     f'{best[size, "pretrained"] - best[size, "scratch"]:+.1f}'
                     ' |')
    table = '\n'.join(lines) + '\n'
    with open(osp.join(args.figures, 'toy_study.md'), 'w') as f:
        f.write(table)
    print('\n' + table)

    largest = sizes[-1]
    # the paper's unit: 1x = 12 epochs of the full set (batch 4)
    one_x = str(12 * largest // 4)
    fig1 = [stem(arm, n, largest) for arm in ARMS for n in iters[::-1]]
    call_tool(plots.main, [
        *[works[s] for s in fig1], '--labels',
        *[f'{arm} {n} it' for arm in ARMS for n in iters[::-1]],
        '--iters-per-x', one_x, '--out',
        osp.join(args.figures, 'toy_fig1.png'), '--csv',
        osp.join(args.figures, 'toy_fig1.csv'), '--title',
        f'toy world, {largest} images: every schedule'], log)
    small = [stem(arm, iters[-1], size) for size in sizes[:-1] for arm in ARMS]
    call_tool(plots.main, [
        *[works[s] for s in small], '--labels',
        *[f'{arm}, {size} images' for size in sizes[:-1] for arm in ARMS],
        '--iters-per-x', one_x, '--onset', '--out',
        osp.join(args.figures, 'toy_less_data.png'), '--csv',
        osp.join(args.figures, 'toy_less_data.csv'), '--title',
        'toy world: less data'], log)
    plot_gap(counts, sizes, best, osp.join(args.figures, 'toy_gap.png'))


def plot_gap(counts, sizes, best, out):
    """Pretrained minus scratch box AP against instances per class."""
    from matplotlib.figure import Figure
    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.subplots()
    xs = [counts[s]['per_class'] for s in sizes]
    ys = [best[s, 'pretrained'] - best[s, 'scratch'] for s in sizes]
    ax.plot(xs, ys, 'o-', color='C0', label='toy world (this study)')
    for s, x, y in zip(sizes, xs, ys):
        ax.annotate(f'{s} img', (x, y), textcoords='offset points',
                    xytext=(4, 4), fontsize=8)
    px = [p[1] for p in PAPER_POINTS]
    py = [p[3] - p[2] for p in PAPER_POINTS]
    ax.plot(px, py, 's--', color='C1', label='paper, COCO (§5, Table 1)')
    for p, x, y in zip(PAPER_POINTS, px, py):
        ax.annotate(p[0], (x, y), textcoords='offset points', xytext=(4, -10),
                    fontsize=8, color='C1')
    ax.axhline(0, color='grey', lw=0.8)
    ax.axhspan(-1, 1, color='grey', alpha=0.12, label='within 1 AP')
    ax.set_xscale('log')
    ax.set_xlabel('annotated instances per class in the training set')
    ax.set_ylabel('box AP: pretrained - scratch (each at its best schedule)')
    ax.set_title('Gap between the arms against target data')
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f'wrote {out}')


if __name__ == '__main__':
    main()
