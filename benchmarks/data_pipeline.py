"""Training data pipeline speed on CPU, with and without scale augmentation.

    python benchmarks/data_pipeline.py [--images 200] [--reps 3]

Writes ``--images`` COCO-like JPEGs (640 x 480 and other COCO sizes,
~7 polygon instances each, from ``mmrethink.datasets.synthetic_coco``) and runs
the training pipelines of our COCO dataset bases over them in one process
(what one dataloader worker does): load and decode, load boxes and masks,
resize, flip, pack.

- ``default``: shorter side 800 (``coco_instance.py``, Table 1);
- ``ms-640-800``: shorter side drawn from 640..800 ("train aug", Table 3);
- ``ms-512-800``: 512..800 (the 35k-subset scale augmentation).

Prints images/s per pipeline (median over ``--reps`` passes, alternating
order) and each relative to ``default``. A run on 8 GPUs at 2 images per
iteration and 0.34 s/iter consumes ~47 images/s, ~6 per GPU: the
per-process rate printed here, times the workers per GPU, must stay above
that.
"""
import argparse
import json
import os
import os.path as osp
import statistics
import sys
import tempfile
import time

import cv2
import numpy as np
from mmengine.config import Config
from mmengine.registry import init_default_scope

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
from mmrethink.datasets.checked_coco import CheckedCocoDataset  # noqa: E402
from mmrethink.datasets.synthetic_coco import make_synthetic_coco  # noqa: E402,E501

BASES = {
    'default': 'coco_instance.py',
    'ms-640-800': 'coco_instance_ms-640-800.py',
    'ms-512-800': 'coco_instance_ms-512-800.py',
}


def write_images(coco: dict, folder: str, seed: int = 0) -> None:
    """Smooth random pictures with noise: JPEGs of about COCO's size."""
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    for image in coco['images']:
        w, h = image['width'], image['height']
        small = rng.integers(0, 255, (h // 16, w // 16, 3), dtype=np.uint8)
        img = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
        img = cv2.add(img, rng.integers(0, 40, (h, w, 3), dtype=np.uint8))
        cv2.imwrite(osp.join(folder, image['file_name']), img,
                    [cv2.IMWRITE_JPEG_QUALITY, 90])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--images', type=int, default=200)
    parser.add_argument('--reps', type=int, default=3)
    args = parser.parse_args()
    init_default_scope('mmdet')

    with tempfile.TemporaryDirectory() as tmp:
        coco, _, classes = make_synthetic_coco(num_images=args.images,
                                               dets_per_image=0)
        write_images(coco, osp.join(tmp, 'images'))
        with open(osp.join(tmp, 'ann.json'), 'w') as f:
            json.dump(coco, f)
        size = sum(
            osp.getsize(osp.join(tmp, 'images', i['file_name']))
            for i in coco['images']) / len(coco['images'])
        print(f'{args.images} JPEGs, {size / 1e3:.0f} kB on average, '
              f'{len(coco["annotations"])} instances')
        datasets = {}
        for name, base in BASES.items():
            cfg = Config.fromfile(
                osp.join(ROOT, 'configs', '_base_', 'datasets', base))
            datasets[name] = CheckedCocoDataset(
                data_root=tmp + os.sep, ann_file='ann.json',
                data_prefix=dict(img='images/'),
                metainfo=dict(classes=classes),
                filter_cfg=dict(filter_empty_gt=True, min_size=32),
                pipeline=cfg.train_pipeline)

        rates = {name: [] for name in BASES}
        names = list(BASES)
        for rep in range(args.reps):
            for name in (names if rep % 2 == 0 else names[::-1]):
                dataset = datasets[name]
                t0 = time.perf_counter()
                for i in range(len(dataset)):
                    dataset[i]
                rates[name].append(len(dataset) /
                                   (time.perf_counter() - t0))
                print(f'rep {rep} {name:11s} {rates[name][-1]:6.1f} '
                      'images/s', flush=True)

    base = statistics.median(rates['default'])
    print('\npipeline     images/s (median)   vs default')
    for name in BASES:
        rate = statistics.median(rates[name])
        print(f'{name:11s}  {rate:8.1f}            {rate / base:.2f}')


if __name__ == '__main__':
    main()
