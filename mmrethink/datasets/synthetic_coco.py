"""A COCO-sized synthetic validation set and detector output, for timing
evaluation (``benchmarks/coco_eval.py``, ``benchmarks/data_pipeline.py`` and
the tests).

COCO val2017 has 5000 images (mostly 640 x 480 and 480 x 640), 80
categories and 36,781 instances: 7.3 per image, heavy-tailed, about 41 %
small (< 32^2 px), 34 % medium and 24 % large, about 1 % crowd. The
generator draws instance counts from a geometric distribution with that
mean (at most 60), sides log-uniformly so that the size mix matches, and a
polygon (an irregular 12-gon inside the box) as each segmentation.

Detections imitate a Mask R-CNN after its 0.05 score threshold: most
instances found with a jittered box and polygon (IoU spread over 0.3-1),
sometimes with the wrong class, plus low-scoring false positives, up to
``dets_per_image`` per image, as the (gt, prediction) pairs mmdet's
``CocoMetric.process`` collects (boxes xyxy, scores, labels, RLE masks).
"""
from typing import List, Tuple

import numpy as np
import pycocotools.mask as mask_utils

SIZES = [(640, 480), (480, 640), (640, 427), (427, 640), (500, 375),
         (640, 360)]


def _polygon(rng: np.random.Generator, box: np.ndarray) -> List[float]:
    """An irregular 12-gon inside ``box`` (x, y, w, h)."""
    x, y, w, h = box
    angles = np.sort(rng.uniform(0, 2 * np.pi, 12))
    radius = rng.uniform(0.6, 1.0, 12)
    px = x + w / 2 + np.cos(angles) * radius * w / 2
    py = y + h / 2 + np.sin(angles) * radius * h / 2
    return np.stack([px, py], 1).ravel().round(2).tolist()


def _boxes(rng: np.random.Generator, n: int, width: int,
           height: int) -> np.ndarray:
    # side ~ log-uniform in [8, 0.9 * short side]: about 40/35/25 % small,
    # medium and large, as COCO
    short = min(width, height)
    side = np.exp(rng.uniform(np.log(8), np.log(0.9 * short), n))
    aspect = np.exp(rng.uniform(-0.7, 0.7, n))
    w = np.minimum(side * aspect, width - 1)
    h = np.minimum(side / aspect, height - 1)
    x = rng.uniform(0, width - w)
    y = rng.uniform(0, height - h)
    return np.stack([x, y, w, h], 1)


def make_synthetic_coco(num_images: int = 5000, num_classes: int = 80,
                        dets_per_image: int = 100,
                        seed: int = 0) -> Tuple[dict, list, tuple]:
    """Return (annotation dict, mmdet CocoMetric results, class names)."""
    rng = np.random.default_rng(seed)
    classes = tuple(f'class{i:02d}' for i in range(num_classes))
    images, annotations, results = [], [], []
    ann_id = 1
    for img_id in range(1, num_images + 1):
        width, height = SIZES[rng.integers(len(SIZES))]
        images.append(dict(id=img_id, width=width, height=height,
                           file_name=f'{img_id:012d}.jpg'))
        n = min(int(rng.geometric(1 / 7.3)), 60)
        gt_boxes = _boxes(rng, n, width, height)
        gt_labels = rng.integers(num_classes, size=n)
        for box, label in zip(gt_boxes, gt_labels):
            poly = _polygon(rng, box)
            rle = mask_utils.frPyObjects([poly], height, width)
            annotations.append(dict(
                id=ann_id, image_id=img_id, category_id=int(label) + 1,
                bbox=box.round(2).tolist(), segmentation=[poly],
                area=float(mask_utils.area(rle).sum()),
                iscrowd=int(rng.random() < 0.01)))
            ann_id += 1

        # detections: found instances (jittered), then false positives
        found = rng.random(n) < 0.8
        boxes = gt_boxes[found].copy()
        jitter = rng.normal(0, 0.07, boxes.shape) * boxes[:, [2, 3, 2, 3]]
        boxes += jitter
        boxes[:, 2:] = np.maximum(boxes[:, 2:], 2)
        labels = gt_labels[found].copy()
        wrong = rng.random(len(labels)) < 0.1
        labels[wrong] = rng.integers(num_classes, size=int(wrong.sum()))
        scores = rng.uniform(0.3, 1.0, len(labels))
        n_fp = max(0, dets_per_image - len(labels)) if n else \
            dets_per_image // 4
        n_fp = int(rng.integers(n_fp // 2, n_fp + 1)) if n_fp else 0
        boxes = np.concatenate([boxes, _boxes(rng, n_fp, width, height)])
        labels = np.concatenate([labels, rng.integers(num_classes,
                                                      size=n_fp)])
        scores = np.concatenate([scores, rng.uniform(0.05, 0.6, n_fp)])
        boxes[:, 0::2] = boxes[:, 0::2].clip(0, width)
        boxes[:, 1::2] = boxes[:, 1::2].clip(0, height)
        masks = []
        for box in boxes:
            rle = mask_utils.merge(mask_utils.frPyObjects(
                [_polygon(rng, box)], height, width))
            masks.append(rle)
        xyxy = boxes.copy()
        xyxy[:, 2:] += xyxy[:, :2]
        results.append((dict(), dict(
            img_id=img_id, bboxes=xyxy.astype(np.float32),
            scores=scores.astype(np.float32), labels=labels, masks=masks)))
    categories = [dict(id=i + 1, name=name) for i, name in enumerate(classes)]
    coco = dict(images=images, annotations=annotations, categories=categories)
    return coco, results, classes
