"""The main job on the embedded default: the paper's finding at toy scale.

    python tools/demo.py            # scratch arm       (make demo)
    python tools/demo.py --both     # + pretrained arm  (make demo-both)

1. writes the toy dataset (``data/toy_shapes``: six textured-shape classes
   among distractors and clutter, seeded; reused when unchanged);
2. trains the shrunk GN Mask R-CNN from scratch for toy 1x
   (``configs/toy/mask-rcnn_r18-scratch_fpn_gn-all_1xb4-toy-1x_shapes.py``,
   derived from the paper's R50 GN scratch config: 12 epochs of the 256
   toy images, the paper's lr drops in proportion) with ``tools/train.py``;
   ``CurveHook`` records validation AP, densely around the drops;
3. with ``--both``: pre-trains the same backbone on the toy world's 40-way
   classification (``tools/pretrain_toy_backbone.py``) and fine-tunes its
   pretrained twin (``..._r18_fpn_gn-all_1xb4-toy-1x_shapes.py``) with the
   same schedule;
4. evaluates each final checkpoint with ``tools/test.py`` (COCO metrics),
   publishes it with ``tools/publish.py`` (``publish/``: weights only,
   ``<config>_<date>-<sha>.pth``, logs, curve; ``results/``: the records),
   writes the results table ``results.md`` and the curves figure
   ``curves.png`` (both arms on one plot, lr drops marked), all under
   ``--work-dir`` (default ``work_dirs/demo``);
5. prints its row beside the published toy runs (``results/``) and the
   toy studies' gaps between the arms by data size (the protocol study's
   ``docs/figures/scenes/study.md`` where it has run, and the first
   study's ``docs/figures/toy_study.md``): the paper's question, asked at
   toy scale by runs too long for a demo.
"""
import argparse
import json
import os.path as osp
import subprocess
import time

from mmrethink.checkpoint.work_dir import read_last_checkpoint
from mmrethink.commands import command_line
from mmrethink.datasets.toy_shapes import make_toy_coco, toy_cfg_options
from mmrethink.launch import call_tool
from mmrethink.records import plots, publishing, tables
from mmrethink.records.results import read_record
from mmrethink.schedules import TOY_1X

HERE = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(HERE)

TOY = osp.join(ROOT, 'configs', 'toy')
ARMS = {
    'scratch': 'mask-rcnn_r18-scratch_fpn_gn-all_1xb4-toy-1x_shapes',
    'pretrained': 'mask-rcnn_r18_fpn_gn-all_1xb4-toy-1x_shapes',
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--both', action='store_true',
                        help='also pre-train and fine-tune the pretrained arm')
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data-root', default='data/toy_shapes')
    parser.add_argument(
        '--max-iters', type=int, default=None,
        help='stop earlier than the toy 1x schedule (for a quick look)')
    parser.add_argument('--num-train', type=int, default=256)
    parser.add_argument('--num-val', type=int, default=64)
    parser.add_argument('--pretrain-images', type=int, default=20000)
    parser.add_argument('--pretrain-epochs', type=int, default=15)
    return parser.parse_args(argv)


def run(cmd, capture=False):
    print('+', ' '.join(cmd), flush=True)
    out = subprocess.run(cmd, check=True, text=True,
                         stdout=subprocess.PIPE if capture else None)
    return out.stdout


#: the light tools (publish, tables, plots): their package code, run in
#: this process (what ``tools/<name>.py ARGS`` would run)
LIGHT_TOOLS = {
    'publish': lambda argv: publishing.main(argv, root=ROOT),
    'gather_results': lambda argv: tables.main(argv, root=ROOT),
    'plot_curves': plots.main,
}


def tool(name, argv, capture=False):
    """A light tool (publish, tables, plots) in this process."""
    print(f'+ tools/{name}.py', ' '.join(argv), flush=True)
    out = call_tool(LIGHT_TOOLS[name], argv)
    if not capture:
        print(out, end='', flush=True)
    return out


def train_and_test(arm, work_dir, options):
    config = osp.join(TOY, ARMS[arm] + '.py')
    arm_dir = osp.join(work_dir, arm)
    start = time.time()
    run(command_line('train', config, '--work-dir', arm_dir,
                     '--cfg-options', *options))
    seconds = time.time() - start
    checkpoint = read_last_checkpoint(arm_dir)
    out = run(command_line('test', config, checkpoint, '--work-dir',
                           osp.join(arm_dir, 'test'), '--cfg-options',
                           *options), capture=True)
    metrics = json.loads(out.strip().splitlines()[-1])
    # weights-only checkpoint, logs and curve in <work_dir>/publish, the
    # results record in <work_dir>/results
    results = osp.join(work_dir, 'results')
    tool('publish', [arm_dir, '--out-dir', osp.join(work_dir, 'publish'),
                     '--results-dir', results, '--no-gather', '--replace'])
    # (the demo's own record of its run)
    record = read_record(results, ARMS[arm])
    return dict(arm=arm, config=config, work_dir=arm_dir, metrics=metrics,
                record=record, train_seconds=seconds)


def main(argv=None):
    args = parse_args(argv)
    start = time.time()
    paths = make_toy_coco(args.data_root, num_train=args.num_train,
                          num_val=args.num_val)
    print(f'toy data: {paths["train_ann"]}, {paths["val_ann"]}', flush=True)
    options = toy_cfg_options(args.data_root, paths['val_ann'])
    if args.max_iters is not None:
        options += [f'train_cfg.max_iters={args.max_iters}',
                    f'train_cfg.val_interval={max(1, args.max_iters // 2)}',
                    'train_cfg.dynamic_intervals=None']

    results = [train_and_test('scratch', args.work_dir, options)]
    if args.both:
        backbone = osp.join(args.work_dir, 'pretrain', 'backbone.pth')
        pre_start = time.time()
        run(command_line('pretrain_toy_backbone',
                         osp.join(TOY, ARMS['pretrained'] + '.py'), '--out',
                         backbone, '--num-images', args.pretrain_images,
                         '--epochs', args.pretrain_epochs))
        pre_seconds = time.time() - pre_start
        results.append(train_and_test(
            'pretrained', args.work_dir,
            options + [f'model.backbone.init_cfg.checkpoint={backbone}']))
        results[-1]['train_seconds'] += pre_seconds

    # the table format of the README, from the records just written
    toy_table = tool('gather_results', [
        '--print-toy-table', '--results-dir',
        osp.join(args.work_dir, 'results')], capture=True)
    table = ('Toy data on CPU, not COCO. AP in %, on the toy validation '
             'set.\n\n' + toy_table)
    with open(osp.join(args.work_dir, 'results.md'), 'w') as f:
        f.write(table)
    for r in results:
        m = r['metrics']
        print(f'{r["arm"]}: box AP {100 * m["coco/bbox_mAP"]:.1f} (tools/test.py '
              f'on the final checkpoint), trained in {r["train_seconds"]:.0f} s')
    plot = osp.join(args.work_dir, 'curves.png')
    tool('plot_curves', [
        *[r['work_dir'] for r in results], '--labels',
        *[f'toy GN {r["arm"]}' for r in results], '--iters-per-x',
        str(TOY_1X), '--out', plot, '--csv',
        osp.join(args.work_dir, 'curves.csv')])

    print('\n== toy GN Mask R-CNN: ' + ' vs '.join(r['arm'] for r in results)
          + ' ==')
    print(table)
    # where this run sits: the published toy runs (records in results/)
    published = tool('gather_results', ['--print-toy-table'],
                     capture=True)
    print('\nPublished toy runs (docs/toy.md):\n' + published)
    for title, study in (
            ('The protocol study (make reproduce-toy)',
             osp.join(ROOT, 'docs', 'figures', 'scenes', 'study.md')),
            ('The first study (both arms unconverged)',
             osp.join(ROOT, 'docs', 'figures', 'toy_study.md'))):
        if osp.isfile(study):  # its reading: the gap against data size
            with open(study) as f:
                print(f'\n{title}, box AP by size:\n' + f.read())
    print(f'curves:  {plot}  (points: <arm>/curve.jsonl)')
    print(f'results: {osp.join(args.work_dir, "results.md")}')
    print(f'models:  {osp.join(args.work_dir, "publish")}/ (records: '
          f'{osp.join(args.work_dir, "results")}/)')
    print(f'total time: {time.time() - start:.0f} s')


if __name__ == '__main__':
    main()
