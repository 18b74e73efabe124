"""COCO evaluation time: pycocotools vs faster-coco-eval, side by side.

    python benchmarks/coco_eval.py [--images 5000] [--dets 100] [--reps 3]

Builds a COCO-sized synthetic validation set with detector-like output
(``mmrethink.datasets.synthetic_coco``: 5000 images, ~7.3 instances each, boxes
and polygon masks) and times what a validation costs after inference:
``FastCocoMetric.compute_metrics`` (mmdet's ``CocoMetric``: result files,
loading, bbox and segm evaluation) with each backend, alternating,
``--reps`` times. Prints the medians, their ratio, and the largest
difference between the backends' unrounded COCOeval stats (12 per IoU type,
recomputed from the result files mmdet wrote; they must agree to 1e-4). Then what that means for a 6x learning curve:
54 evaluations (every 10k of 540k iterations) against the 6x's training
time at Detectron2's published 0.338 s/iter (R50 GN, 8 V100).
"""
import argparse
import json
import os.path as osp
import statistics
import sys
import tempfile
import time

import numpy as np
from mmengine.logging import MMLogger

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
from mmrethink.evaluation import FastCocoMetric, coco_stats  # noqa: E402
from mmrethink.datasets.synthetic_coco import make_synthetic_coco  # noqa: E402,E501

BACKENDS = ('pycocotools', 'faster_coco_eval')
# paper schedule 6x: 540k iterations, validated every 10k
# (configs/_base_/schedules/iter-schedule.py)
ITERS_6X, VAL_INTERVAL = 540_000, 10_000
# Detectron2's published speed of R50-FPN GN Mask R-CNN 3x on 8 V100
# (the same network and batch as our 6x): ../shared/PAPER.md
SEC_PER_ITER = 0.338


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--images', type=int, default=5000)
    parser.add_argument('--dets', type=int, default=100,
                        help='detections per image at most')
    parser.add_argument('--reps', type=int, default=3)
    args = parser.parse_args()
    MMLogger.get_instance('coco_eval_benchmark', log_level='WARNING')

    t0 = time.perf_counter()
    coco, results, classes = make_synthetic_coco(
        num_images=args.images, dets_per_image=args.dets)
    n_dets = sum(len(r['scores']) for _, r in results)
    print(f'synthetic set: {args.images} images, '
          f'{len(coco["annotations"])} instances, {n_dets} detections '
          f'(generated in {time.perf_counter() - t0:.0f} s)', flush=True)

    times = {b: [] for b in BACKENDS}
    stats = {}
    with tempfile.TemporaryDirectory() as tmp:
        ann_file = osp.join(tmp, 'val.json')
        with open(ann_file, 'w') as f:
            json.dump(coco, f)
        for rep in range(args.reps):
            order = BACKENDS if rep % 2 == 0 else BACKENDS[::-1]
            for backend in order:
                metric = FastCocoMetric(
                    ann_file=ann_file, metric=['bbox', 'segm'],
                    backend=backend,
                    outfile_prefix=osp.join(tmp, f'{backend}{rep}'))
                metric.dataset_meta = dict(classes=classes)
                t0 = time.perf_counter()
                metric.compute_metrics(list(results))
                times[backend].append(time.perf_counter() - t0)
                stats[backend] = {
                    t: coco_stats(ann_file, f'{tmp}/{backend}{rep}.{t}.json',
                                  t, backend)
                    for t in ('bbox', 'segm')}
                print(f'rep {rep} {backend:16s} {times[backend][-1]:7.1f} s',
                      flush=True)

    med = {b: statistics.median(times[b]) for b in BACKENDS}
    print('\nbackend           median s   per rep')
    for b in BACKENDS:
        print(f'{b:16s}  {med[b]:8.1f}   '
              + ' '.join(f'{t:.1f}' for t in times[b]))
    print(f'\ntime ratio pycocotools / faster_coco_eval: '
          f'{med["pycocotools"] / med["faster_coco_eval"]:.2f}x')
    for iou_type in ('bbox', 'segm'):
        a = stats['pycocotools'][iou_type]
        b = stats['faster_coco_eval'][iou_type]
        diff = float(np.abs(a - b).max())
        print(f'{iou_type}: AP {a[0]:.4f} / AP50 {a[1]:.4f}; largest stats '
              f'difference {diff:.2e} '
              f'({"identical to 1e-4" if diff <= 1e-4 else "DIFFERENT"})')

    evals = ITERS_6X // VAL_INTERVAL
    train_h = ITERS_6X * SEC_PER_ITER / 3600
    print(f'\n6x curve: {evals} evaluations; training {train_h:.1f} h '
          f'at {SEC_PER_ITER} s/iter (published, 8 V100)')
    for b in BACKENDS:
        h = evals * med[b] / 3600
        print(f'  {b:16s} metric time {h:5.2f} h = {100 * h / train_h:4.1f} '
              '% of training (rank 0 on this CPU, the other GPUs wait; '
              'inference not included)')


if __name__ == '__main__':
    main()
