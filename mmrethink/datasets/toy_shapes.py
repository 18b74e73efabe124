"""The toy world: textured shapes, for detection and for pre-training.

Objects are one of ``SHAPES`` filled with one of ``TEXTURES`` in random
colours. The **detection** classes (``CLASSES``) are six shape/texture
pairs chosen so that neither the shape nor the texture alone names the
class: each shape appears with two textures and each texture with two
shapes. Images also hold distractors (other shapes and textures, not
annotated), clutter (lines and blobs), a wide range of object sizes, and
objects that occlude each other; masks are the *visible* parts, stored as
polygons. The **pre-training** task (the toy world's "ImageNet") classifies
single objects into all ``len(SHAPES) * len(TEXTURES)`` pairs, many more
kinds than the detection classes.

Everything is deterministic: the same arguments give byte-identical files.

Detection layout written under ``out_dir``::

    annotations/instances_train.json, annotations/instances_val.json
    train/000000.png ..., val/000000.png ...
    meta.json          # the arguments it was made with

Run ``python -m mmrethink.datasets.toy_shapes --help`` for the command line.
"""
import argparse
import json
import math
import os
import os.path as osp
import shutil
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

SHAPES: Tuple[str, ...] = ('square', 'circle', 'triangle', 'star',
                           'hexagon', 'cross', 'diamond', 'pentagon')
TEXTURES: Tuple[str, ...] = ('plain', 'stripes', 'dots', 'checker', 'grid')
# (shape, texture) of each detection class
CLASS_PAIRS: Tuple[Tuple[str, str], ...] = (
    ('square', 'stripes'), ('square', 'dots'),
    ('circle', 'stripes'), ('circle', 'checker'),
    ('triangle', 'dots'), ('triangle', 'checker'))
CLASSES: Tuple[str, ...] = tuple(f'{t}-{s}' for s, t in CLASS_PAIRS)
# every pair: the pre-training label space
ALL_PAIRS: Tuple[Tuple[str, str], ...] = tuple(
    (s, t) for s in SHAPES for t in TEXTURES)
FORMAT_VERSION = 2


def _outline(shape: str, size: float) -> np.ndarray:
    """Outline of a shape of diameter ``size`` centred on the origin."""
    r = size / 2

    def regular(n, phase=-math.pi / 2, radius=r):
        t = phase + np.arange(n) * 2 * math.pi / n
        return np.stack([np.cos(t), np.sin(t)], 1) * radius

    if shape == 'square':
        return regular(4, math.pi / 4)
    if shape == 'circle':
        return regular(32)
    if shape == 'triangle':
        return regular(3)
    if shape == 'hexagon':
        return regular(6)
    if shape == 'pentagon':
        return regular(5)
    if shape == 'diamond':
        pts = regular(4)
        return pts * np.array([0.6, 1.0])
    if shape == 'star':
        outer, inner = regular(5), regular(5, -math.pi / 2 + math.pi / 5,
                                           r * 0.45)
        return np.stack([outer, inner], 1).reshape(-1, 2)
    if shape == 'cross':
        a, b = r, r * 0.35
        return np.array([[-b, -a], [b, -a], [b, -b], [a, -b], [a, b], [b, b],
                         [b, a], [-b, a], [-b, b], [-a, b], [-a, -b],
                         [-b, -b]])
    raise ValueError(f'unknown shape {shape!r}; expected one of {SHAPES}')


def _texture(rng: np.random.Generator, texture: str, h: int,
             w: int) -> np.ndarray:
    """An (h, w) map in [0, 1]: where the second colour shows."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    period = float(rng.uniform(4, 7))
    angle = float(rng.uniform(0, math.pi))
    u = xx * math.cos(angle) + yy * math.sin(angle)
    v = -xx * math.sin(angle) + yy * math.cos(angle)
    if texture == 'plain':
        return np.zeros((h, w), np.float32)
    if texture == 'stripes':
        return ((u / period) % 1 < 0.5).astype(np.float32)
    if texture == 'checker':
        return (((u // period) + (v // period)) % 2).astype(np.float32)
    if texture == 'dots':
        du = (u % period) - period / 2
        dv = (v % period) - period / 2
        return (du**2 + dv**2 < (period * 0.3)**2).astype(np.float32)
    if texture == 'grid':
        return (((u % period) < 1.2) | ((v % period) < 1.2)).astype(
            np.float32)
    raise ValueError(f'unknown texture {texture!r}; expected one of '
                     f'{TEXTURES}')


def _colours(rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    """Two clearly different random colours."""
    a = rng.uniform(30, 225, 3)
    b = 255 - a + rng.uniform(-25, 25, 3)
    return a, np.clip(b, 0, 255)


def _background(rng: np.random.Generator, size: int) -> np.ndarray:
    """Smooth colour field, clutter lines and blobs, pixel noise."""
    coarse = rng.uniform(40, 200, size=(4, 4, 3)).astype(np.float32)
    img = cv2.resize(coarse, (size, size), interpolation=cv2.INTER_CUBIC)
    for _ in range(int(rng.integers(3, 9))):
        p1, p2 = rng.integers(0, size, (2, 2))
        cv2.line(img, tuple(int(v) for v in p1), tuple(int(v) for v in p2),
                 rng.uniform(0, 255, 3).tolist(), int(rng.integers(1, 3)))
    for _ in range(int(rng.integers(2, 6))):
        c = rng.integers(0, size, 2)
        cv2.circle(img, (int(c[0]), int(c[1])), int(rng.integers(2, 6)),
                   rng.uniform(0, 255, 3).tolist(), -1)
    img += rng.normal(0, 5, size=img.shape).astype(np.float32)
    return img


def _paint(rng: np.random.Generator, img: np.ndarray, shape: str,
           texture: str, cx: float, cy: float, size: float) -> np.ndarray:
    """Paint one object; return its full (unoccluded) mask."""
    h, w = img.shape[:2]
    angle = float(rng.uniform(0, 2 * math.pi))
    rot = np.array([[math.cos(angle), -math.sin(angle)],
                    [math.sin(angle), math.cos(angle)]])
    pts = _outline(shape, size) @ rot.T + np.array([cx, cy])
    mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(mask, [np.round(pts).astype(np.int32)], 1)
    pattern = _texture(rng, texture, h, w)[..., None]
    a, b = _colours(rng)
    fill = a * (1 - pattern) + b * pattern
    img[mask > 0] = fill[mask > 0]
    return mask


def _visible_polygons(mask: np.ndarray) -> List[List[float]]:
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_SIMPLE)
    return [c.reshape(-1).astype(float).tolist() for c in contours
            if len(c) >= 3 and cv2.contourArea(c) >= 4]


def _make_image(rng: np.random.Generator, img_size: int,
                max_objects: int) -> Tuple[np.ndarray, List[dict]]:
    """Draw one detection image; return it and its annotated objects."""
    img = _background(rng, img_size)
    owner = np.full((img_size, img_size), -1, np.int32)
    objects = []
    for idx in range(int(rng.integers(2, max_objects + 1))):
        if rng.random() < 0.6:  # an object of a detection class
            label = int(rng.integers(len(CLASS_PAIRS)))
            shape, texture = CLASS_PAIRS[label]
        else:  # a distractor: any pair that is not a class
            label = -1
            while True:
                shape, texture = ALL_PAIRS[int(rng.integers(len(ALL_PAIRS)))]
                if (shape, texture) not in CLASS_PAIRS:
                    break
        # wide scale range: 8% to 50% of the image side
        size = float(img_size * math.exp(rng.uniform(math.log(0.08),
                                                     math.log(0.5))))
        cx, cy = rng.uniform(size * 0.3, img_size - size * 0.3, 2)
        full = _paint(rng, img, shape, texture, cx, cy, size)
        owner[full > 0] = idx
        objects.append(dict(label=label, full=int(full.sum())))
    annotations = []
    for idx, obj in enumerate(objects):
        visible = owner == idx
        area = int(visible.sum())
        # drop distractors, and objects mostly hidden or tiny
        if obj['label'] < 0 or area < 30 or area < 0.4 * obj['full']:
            continue
        polygons = _visible_polygons(visible)
        if not polygons:
            continue
        ys, xs = np.nonzero(visible)
        annotations.append(dict(
            category_id=obj['label'] + 1, segmentation=polygons,
            bbox=[float(xs.min()), float(ys.min()),
                  float(xs.max() - xs.min() + 1),
                  float(ys.max() - ys.min() + 1)],
            area=float(area), iscrowd=0))
    return np.clip(img, 0, 255).astype(np.uint8), annotations


def _write_split(out_dir: str, split: str, num_images: int, img_size: int,
                 max_objects: int, seed: int) -> str:
    rng = np.random.default_rng([seed, 0 if split == 'train' else 1])
    return write_coco_split(
        out_dir, split, num_images,
        lambda: _make_image(rng, img_size, max_objects),
        [dict(id=i + 1, name=name, supercategory='shape')
         for i, name in enumerate(CLASSES)],
        f'instances_{split}.json')


def write_coco_split(out_dir: str, split: str, num_images: int,
                     make_image: Callable[[], Tuple[np.ndarray, List[dict]]],
                     categories: List[dict], ann_name: str) -> str:
    """One split of a toy dataset in COCO format: ``num_images`` images
    from ``make_image()`` (the image and its annotations, without ids) as
    ``<out_dir>/<split>/000000.png ...``, and ``annotations/<ann_name>``
    with ``categories``; returns the annotation file's path."""
    img_dir = osp.join(out_dir, split)
    os.makedirs(img_dir, exist_ok=True)
    images, annotations = [], []
    for idx in range(num_images):
        img, anns = make_image()
        file_name = f'{idx:06d}.png'
        cv2.imwrite(osp.join(img_dir, file_name), img)
        height, width = img.shape[:2]
        images.append(dict(id=idx + 1, file_name=file_name,
                           width=width, height=height))
        for ann in anns:
            annotations.append(dict(id=len(annotations) + 1,
                                    image_id=idx + 1, **ann))
    coco = dict(images=images, annotations=annotations,
                categories=categories)
    ann_file = osp.join(out_dir, 'annotations', ann_name)
    os.makedirs(osp.dirname(ann_file), exist_ok=True)
    with open(ann_file, 'w') as f:
        json.dump(coco, f)
    return ann_file


def _check_int(name: str, value, low: int) -> None:
    if isinstance(value, bool) or int(value) != value or value < low:
        raise ValueError(f'{name} must be an integer >= {low}, got '
                         f'{value!r}')


def make_toy_coco(out_dir: str,
                  num_train: int = 256,
                  num_val: int = 64,
                  img_size: int = 192,
                  max_objects: int = 8,
                  seed: int = 0,
                  overwrite: bool = False) -> Dict[str, str]:
    """Write the toy detection dataset, or reuse it if it was made with
    these arguments.

    Args:
        out_dir (str): Folder to write into.
        num_train (int): Training images. Defaults to 256.
        num_val (int): Validation images. Defaults to 64.
        img_size (int): Side of the square images in pixels. Defaults to 192.
        max_objects (int): Most objects drawn per image (at least two,
            annotated or distractors). Defaults to 8.
        seed (int): Random seed; train and val draw from separate streams.
            Defaults to 0.
        overwrite (bool): Rewrite even if a matching dataset exists.
            Defaults to False.

    Returns:
        dict: Paths of ``train_ann``, ``val_ann``, ``train_img`` and
        ``val_img``.
    """
    _check_int('num_train', num_train, 1)
    _check_int('num_val', num_val, 1)
    _check_int('img_size', img_size, 64)
    _check_int('max_objects', max_objects, 2)
    meta = dict(format_version=FORMAT_VERSION, num_train=num_train,
                num_val=num_val, img_size=img_size, max_objects=max_objects,
                seed=seed, classes=list(CLASSES))
    paths = dict(
        train_ann=osp.join(out_dir, 'annotations', 'instances_train.json'),
        val_ann=osp.join(out_dir, 'annotations', 'instances_val.json'),
        train_img=osp.join(out_dir, 'train'),
        val_img=osp.join(out_dir, 'val'))
    return write_dataset_once(
        out_dir, meta, paths, overwrite,
        lambda split, num: _write_split(out_dir, split, num, img_size,
                                        max_objects, seed),
        dict(train=num_train, val=num_val))


def write_dataset_once(out_dir: str, meta: dict, paths: Dict[str, str],
                       overwrite: bool, write_split: Callable[[str, int],
                                                              object],
                       splits: Dict[str, int]) -> Dict[str, str]:
    """The toy datasets' files, written once: ``paths`` as they are if
    ``<out_dir>/meta.json`` equals ``meta`` and every path exists (and not
    ``overwrite``); else ``annotations/``, the split folders and
    ``meta.json`` removed and rewritten, ``write_split(split, num_images)``
    for each of ``splits``, ``meta.json`` last so that an interrupted write
    is redone."""
    meta_file = osp.join(out_dir, 'meta.json')
    if not overwrite and osp.isfile(meta_file):
        with open(meta_file) as f:
            if json.load(f) == meta and all(
                    osp.exists(p) for p in paths.values()):
                return paths
    for sub in ('annotations', *splits, 'meta.json'):
        target = osp.join(out_dir, sub)
        if osp.isdir(target):
            shutil.rmtree(target)
        elif osp.exists(target):
            os.remove(target)
    for split, num in splits.items():
        write_split(split, num)
    with open(meta_file, 'w') as f:
        json.dump(meta, f, indent=2)
    return paths


def toy_data(with_mask: bool = True,
             data_root: str = 'data/toy_shapes/') -> Tuple[dict, dict, dict]:
    """The data settings of the toy configs, written once: ``(
    train_dataloader, val_dataloader, val_evaluator)`` to merge into the
    paper config a toy config derives from (the test loader and evaluator
    are the validation ones)::

        from mmrethink.datasets.toy_shapes import toy_data
        train_dataloader, val_dataloader, val_evaluator = toy_data()

    the 192-px toy images resized to 160 px, flip in training, batch 4,
    one loader process (a 2-core CPU), boxes (and masks unless
    ``with_mask=False``).
    """
    load = dict(type='LoadAnnotations', with_bbox=True, with_mask=with_mask)
    resize = dict(type='Resize', scale=(160, 160), keep_ratio=True)
    train_pipeline = [
        dict(type='LoadImageFromFile', backend_args=None), dict(load),
        dict(resize), dict(type='RandomFlip', prob=0.5),
        dict(type='PackDetInputs')
    ]
    test_pipeline = [
        dict(type='LoadImageFromFile', backend_args=None), dict(resize),
        dict(load),
        dict(type='PackDetInputs',
             meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                        'scale_factor'))
    ]
    metainfo = dict(classes=CLASSES)
    loader = dict(batch_size=4, num_workers=0, persistent_workers=False)
    train_dataloader = dict(
        **loader,
        dataset=dict(
            data_root=data_root, metainfo=metainfo,
            ann_file='annotations/instances_train.json',
            data_prefix=dict(img='train/'),
            filter_cfg=dict(filter_empty_gt=True, min_size=8),
            pipeline=train_pipeline))
    val_dataloader = dict(
        **loader,
        dataset=dict(
            data_root=data_root, metainfo=metainfo,
            ann_file='annotations/instances_val.json',
            data_prefix=dict(img='val/'), pipeline=test_pipeline))
    val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
    return train_dataloader, val_dataloader, val_evaluator


def toy_cfg_options(data_root: str, val_ann: str) -> List[str]:
    """``--cfg-options`` pointing the toy configs at a toy dataset written by
    :func:`make_toy_coco` under ``data_root`` (``val_ann``: its
    ``val_ann``)."""
    root = data_root.rstrip('/') + '/'
    return [
        f'train_dataloader.dataset.data_root={root}',
        f'val_dataloader.dataset.data_root={root}',
        f'test_dataloader.dataset.data_root={root}',
        f'val_evaluator.ann_file={val_ann}',
        f'test_evaluator.ann_file={val_ann}',
    ]


def make_toy_classification(num_images: int, img_size: int = 64,
                            seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """The toy world's "ImageNet": one object per image, labelled by its
    (shape, texture) pair out of ``len(ALL_PAIRS)`` classes.

    Objects are drawn on the same cluttered backgrounds as the detection
    images, at 35% to 90% of the image side.

    Returns:
        tuple: ``images`` (N, H, W, 3) uint8 BGR and ``labels`` (N,) int64.
    """
    _check_int('num_images', num_images, 1)
    _check_int('img_size', img_size, 16)
    rng = np.random.default_rng([seed, 2])
    images = np.empty((num_images, img_size, img_size, 3), np.uint8)
    labels = rng.integers(len(ALL_PAIRS), size=num_images)
    for i, label in enumerate(labels):
        img = _background(rng, img_size)
        shape, texture = ALL_PAIRS[int(label)]
        size = float(rng.uniform(0.35, 0.9) * img_size)
        cx, cy = img_size / 2 + rng.uniform(-0.1, 0.1, 2) * img_size
        _paint(rng, img, shape, texture, cx, cy, size)
        images[i] = np.clip(img, 0, 255).astype(np.uint8)
    return images, labels.astype(np.int64)


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        description='Write the toy shapes dataset in COCO format.')
    parser.add_argument('--out-dir', default='data/toy_shapes')
    parser.add_argument('--num-train', type=int, default=256)
    parser.add_argument('--num-val', type=int, default=64)
    parser.add_argument('--img-size', type=int, default=192)
    parser.add_argument('--max-objects', type=int, default=8)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--overwrite', action='store_true')
    args = parser.parse_args(argv)
    paths = make_toy_coco(args.out_dir, args.num_train, args.num_val,
                          args.img_size, args.max_objects, args.seed,
                          args.overwrite)
    print(json.dumps(paths, indent=2))


if __name__ == '__main__':
    main()
