"""A tiny COCO-format instance segmentation dataset of drawn shapes.

The tests and the demo train on it, so everything here is deterministic: the
same arguments give byte-identical images and annotation files.

Layout written under ``out_dir``::

    annotations/instances_train.json
    annotations/instances_val.json
    train/000000.png ...
    val/000000.png ...
    meta.json          # the arguments it was made with

Run ``python -m mmrethink.datasets.toy_shapes --help`` for the command line.
"""
import argparse
import json
import math
import os
import os.path as osp
import shutil
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

CLASSES: Tuple[str, ...] = ('rectangle', 'ellipse', 'triangle')
FORMAT_VERSION = 1


def _shape_polygon(kind: str, cx: float, cy: float, size: float,
                   angle: float, aspect: float) -> np.ndarray:
    """Return the (N, 2) outline of one shape, in pixels."""
    if kind == 'rectangle':
        w, h = size, size * aspect
        pts = np.array([[-w, -h], [w, -h], [w, h], [-w, h]], dtype=np.float64) / 2
    elif kind == 'ellipse':
        t = np.linspace(0, 2 * math.pi, 32, endpoint=False)
        pts = np.stack([np.cos(t) * size / 2,
                        np.sin(t) * size * aspect / 2], axis=1)
    elif kind == 'triangle':
        t = np.array([-math.pi / 2, math.pi / 6, 5 * math.pi / 6])
        pts = np.stack([np.cos(t) * size / 2,
                        np.sin(t) * size * aspect / 2], axis=1)
    else:
        raise ValueError(f'unknown shape kind {kind!r}; expected one of '
                         f'{CLASSES}')
    rot = np.array([[math.cos(angle), -math.sin(angle)],
                    [math.sin(angle), math.cos(angle)]])
    return pts @ rot.T + np.array([cx, cy])


def _background(rng: np.random.Generator, img_size: int) -> np.ndarray:
    """A smooth random colour field with mild pixel noise."""
    coarse = rng.uniform(40, 160, size=(4, 4, 3)).astype(np.float32)
    img = cv2.resize(coarse, (img_size, img_size),
                     interpolation=cv2.INTER_CUBIC)
    img += rng.normal(0, 6, size=img.shape).astype(np.float32)
    return img


def _make_image(rng: np.random.Generator, img_size: int,
                max_objects: int) -> Tuple[np.ndarray, List[dict]]:
    """Draw one image; return it and its objects (class, polygon, mask)."""
    img = _background(rng, img_size)
    objects: List[dict] = []
    boxes: List[Tuple[float, float, float, float]] = []
    num = int(rng.integers(1, max_objects + 1))
    for _ in range(num):
        for _try in range(30):
            kind = CLASSES[int(rng.integers(len(CLASSES)))]
            size = float(rng.uniform(0.15, 0.45) * img_size)
            aspect = float(rng.uniform(0.6, 1.0))
            angle = float(rng.uniform(0, 2 * math.pi))
            cx, cy = rng.uniform(size / 2 + 2, img_size - size / 2 - 2, 2)
            poly = _shape_polygon(kind, cx, cy, size, angle, aspect)
            x1, y1 = poly.min(0)
            x2, y2 = poly.max(0)
            # keep shapes apart so that every polygon is its visible mask
            if all(x2 + 3 < bx1 or bx2 + 3 < x1 or y2 + 3 < by1 or by2 + 3 < y1
                   for bx1, by1, bx2, by2 in boxes):
                break
        else:
            continue
        boxes.append((x1, y1, x2, y2))
        colour = rng.uniform(170, 255, 3) * rng.permutation([1.0, 0.6, 0.2])
        pts = np.round(poly).astype(np.int32)
        cv2.fillPoly(img, [pts], colour.tolist())
        mask = np.zeros((img_size, img_size), np.uint8)
        cv2.fillPoly(mask, [pts], 1)
        objects.append(dict(kind=kind, polygon=pts, area=int(mask.sum())))
    return np.clip(img, 0, 255).astype(np.uint8), objects


def _write_split(out_dir: str, split: str, num_images: int, img_size: int,
                 max_objects: int, seed: int) -> str:
    rng = np.random.default_rng([seed, 0 if split == 'train' else 1])
    img_dir = osp.join(out_dir, split)
    os.makedirs(img_dir, exist_ok=True)
    images, annotations = [], []
    for idx in range(num_images):
        img, objects = _make_image(rng, img_size, max_objects)
        file_name = f'{idx:06d}.png'
        cv2.imwrite(osp.join(img_dir, file_name), img)
        images.append(dict(id=idx + 1, file_name=file_name,
                           width=img_size, height=img_size))
        for obj in objects:
            pts = obj['polygon']
            x1, y1 = pts.min(0)
            x2, y2 = pts.max(0)
            annotations.append(
                dict(id=len(annotations) + 1, image_id=idx + 1,
                     category_id=CLASSES.index(obj['kind']) + 1,
                     segmentation=[pts.astype(float).ravel().tolist()],
                     bbox=[float(x1), float(y1), float(x2 - x1 + 1),
                           float(y2 - y1 + 1)],
                     area=float(obj['area']), iscrowd=0))
    coco = dict(
        images=images, annotations=annotations,
        categories=[dict(id=i + 1, name=name, supercategory='shape')
                    for i, name in enumerate(CLASSES)])
    ann_file = osp.join(out_dir, 'annotations', f'instances_{split}.json')
    os.makedirs(osp.dirname(ann_file), exist_ok=True)
    with open(ann_file, 'w') as f:
        json.dump(coco, f)
    return ann_file


def make_toy_coco(out_dir: str,
                  num_train: int = 64,
                  num_val: int = 16,
                  img_size: int = 192,
                  max_objects: int = 4,
                  seed: int = 0,
                  overwrite: bool = False) -> Dict[str, str]:
    """Write the toy dataset, or reuse it if it was made with these arguments.

    Args:
        out_dir (str): Folder to write into.
        num_train (int): Training images. Defaults to 64.
        num_val (int): Validation images. Defaults to 16.
        img_size (int): Side of the square images in pixels. Defaults to 192.
        max_objects (int): Most objects per image (at least one each).
            Defaults to 4.
        seed (int): Random seed; train and val draw from separate streams.
            Defaults to 0.
        overwrite (bool): Rewrite even if a matching dataset exists.
            Defaults to False.

    Returns:
        dict: Paths of ``train_ann``, ``val_ann``, ``train_img`` and
        ``val_img``.
    """
    for name, value, low in (('num_train', num_train, 1),
                             ('num_val', num_val, 1),
                             ('img_size', img_size, 64),
                             ('max_objects', max_objects, 1)):
        if int(value) != value or value < low:
            raise ValueError(f'{name} must be an integer >= {low}, '
                             f'got {value!r}')
    meta = dict(format_version=FORMAT_VERSION, num_train=num_train,
                num_val=num_val, img_size=img_size, max_objects=max_objects,
                seed=seed, classes=list(CLASSES))
    paths = dict(
        train_ann=osp.join(out_dir, 'annotations', 'instances_train.json'),
        val_ann=osp.join(out_dir, 'annotations', 'instances_val.json'),
        train_img=osp.join(out_dir, 'train'),
        val_img=osp.join(out_dir, 'val'))
    meta_file = osp.join(out_dir, 'meta.json')
    if not overwrite and osp.isfile(meta_file):
        with open(meta_file) as f:
            if json.load(f) == meta and all(
                    osp.exists(p) for p in paths.values()):
                return paths
    # (re)write from scratch; meta.json last, so an interrupted run is redone
    if osp.isdir(out_dir):
        for sub in ('annotations', 'train', 'val', 'meta.json'):
            target = osp.join(out_dir, sub)
            if osp.isdir(target):
                shutil.rmtree(target)
            elif osp.exists(target):
                os.remove(target)
    _write_split(out_dir, 'train', num_train, img_size, max_objects, seed)
    _write_split(out_dir, 'val', num_val, img_size, max_objects, seed)
    with open(meta_file, 'w') as f:
        json.dump(meta, f, indent=2)
    return paths


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        description='Write the toy shapes dataset in COCO format.')
    parser.add_argument('--out-dir', default='data/toy_shapes')
    parser.add_argument('--num-train', type=int, default=64)
    parser.add_argument('--num-val', type=int, default=16)
    parser.add_argument('--img-size', type=int, default=192)
    parser.add_argument('--max-objects', type=int, default=4)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--overwrite', action='store_true')
    args = parser.parse_args(argv)
    paths = make_toy_coco(args.out_dir, args.num_train, args.num_val,
                          args.img_size, args.max_objects, args.seed,
                          args.overwrite)
    print(json.dumps(paths, indent=2))


if __name__ == '__main__':
    main()
