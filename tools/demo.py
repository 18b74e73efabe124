"""The main job on the embedded default: train from scratch on toy data.

    python tools/demo.py [--work-dir work_dirs/demo] [--max-iters N]

1. writes the toy shapes dataset (``data/toy_shapes``, seeded; reused when
   it already exists with the same settings);
2. trains the shrunk GN Mask R-CNN from scratch
   (``configs/toy/mask-rcnn_r18-scratch_fpn_gn-all_1xb4-toy-6x_shapes.py``,
   derived from the paper's R50 GN scratch 6x config) with
   ``tools/train.py``;
3. evaluates the last checkpoint with ``tools/test.py`` (COCO metrics),
   prints them, and plots the validation curve that ``CurveHook`` recorded
   (``work_dirs/demo/curve.png``).
"""
import argparse
import json
import os.path as osp
import subprocess
import sys
import time

from mmrethink.datasets.toy_shapes import make_toy_coco

HERE = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(HERE)
TOY_CONFIG = osp.join(
    ROOT, 'configs', 'toy',
    'mask-rcnn_r18-scratch_fpn_gn-all_1xb4-toy-6x_shapes.py')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data-root', default='data/toy_shapes')
    parser.add_argument(
        '--max-iters', type=int, default=None,
        help='stop earlier than the toy 6x schedule (for a quick look)')
    parser.add_argument('--num-train', type=int, default=64)
    parser.add_argument('--num-val', type=int, default=16)
    return parser.parse_args()


def run(cmd):
    print('+', ' '.join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def main():
    args = parse_args()
    start = time.time()
    paths = make_toy_coco(args.data_root, num_train=args.num_train,
                          num_val=args.num_val)
    print(f'toy data: {paths["train_ann"]}, {paths["val_ann"]}', flush=True)

    data_root = args.data_root.rstrip('/') + '/'
    options = [
        f'train_dataloader.dataset.data_root={data_root}',
        f'val_dataloader.dataset.data_root={data_root}',
        f'test_dataloader.dataset.data_root={data_root}',
        f'val_evaluator.ann_file={paths["val_ann"]}',
        f'test_evaluator.ann_file={paths["val_ann"]}',
    ]
    if args.max_iters is not None:
        options += [f'train_cfg.max_iters={args.max_iters}',
                    f'train_cfg.val_interval={args.max_iters}']
    run([sys.executable, osp.join(HERE, 'train.py'), TOY_CONFIG,
         '--work-dir', args.work_dir, '--cfg-options', *options])

    last = osp.join(args.work_dir, 'last_checkpoint')
    with open(last) as f:
        checkpoint = f.read().strip()
    out = subprocess.run(
        [sys.executable, osp.join(HERE, 'test.py'), TOY_CONFIG, checkpoint,
         '--work-dir', osp.join(args.work_dir, 'test'), '--cfg-options',
         *options],
        check=True, stdout=subprocess.PIPE, text=True)
    sys.stdout.write(out.stdout)
    metrics = json.loads(out.stdout.strip().splitlines()[-1])
    plot = osp.join(args.work_dir, 'curve.png')
    run([sys.executable, osp.join(HERE, 'plot_curves.py'), args.work_dir,
         '--labels', 'toy GN scratch', '--iters-per-x', '50', '--out', plot,
         '--csv', osp.join(args.work_dir, 'curve.csv')])
    print('\n== toy GN Mask R-CNN from scratch ==')
    print(f'checkpoint: {checkpoint}')
    print(f'curve:      {osp.join(args.work_dir, "curve.jsonl")} -> {plot}')
    for key in ('coco/bbox_mAP', 'coco/bbox_mAP_50', 'coco/segm_mAP',
                'coco/segm_mAP_50'):
        print(f'{key:20s} {metrics.get(key, float("nan")):.3f}')
    print(f'total time: {time.time() - start:.0f} s')


if __name__ == '__main__':
    main()
