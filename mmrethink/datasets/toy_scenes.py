"""The toy study's world: toy_shapes' classes at COCO's density and object
sizes ("scenes"), and an "ImageNet" of another distribution for the
pretrained arm (docs/toy.md, the protocol).

**Detection.** The six classes of :mod:`mmrethink.datasets.toy_shapes`
(shape/texture pairs that neither cue alone names), among distractors (the
other 34 pairs, not annotated), on its cluttered backgrounds, with
occlusion and visible-part polygon masks. What differs, set from COCO's
statistics and from no training:

- **density**: COCO train2017 holds about 860k instances in 118k images,
  7.3 per image, few images with many and many with few. Here the class
  objects of an image are ``1 + NegativeBinomial`` (heavy-tailed), with
  two distractors for every three, drawn so that the *annotated* instances
  (after occlusion) average about 7.3;
- **sizes**: COCO's area rule (small < 32², medium < 96² px) on its
  typical 640 x 480 image puts 41 / 34 / 24 % of its instances in the
  three ranges; scaled to the 160 x 160 toy image the thresholds are 85
  and 768 px² (0.33 % and 3 % of the image). Each object's drawn area
  comes from those ranges (log-uniform inside a range, from 12 px² to 35 %
  of the image), larger objects are painted first (the scene's back), and
  what is annotated is the visible part, whose areas fall into the ranges
  as COCO's do (the drawn shares are set so; ``scene_statistics`` counts);
- the images are written at 160 px, the size the toy models train at.

**Pre-training ("ImageNet").** :func:`make_other_classification`: single
centred objects classified into 40 (shape, texture) kinds that overlap the
detection world's only in part, as ImageNet's 1000 classes overlap COCO's
80: shapes ``OTHER_SHAPES`` (square and circle are detection shapes,
hexagon and star distractor shapes, the other four the detection world
never draws) times textures ``OTHER_TEXTURES`` (stripes and dots are
detection textures, plain a distractor's, waves and speckle new), so that
three of the six detection classes are kinds of it and checker and
triangles never appear; drawn on smooth two-colour gradients with no
clutter, in saturated colours, with texture periods of 3-9 px (the
detection world: 4-7).

Everything is deterministic: the same arguments give byte-identical files.
``python -m mmrethink.datasets.toy_scenes --help`` for the command line.
"""
import argparse
import json
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from .toy_shapes import (ALL_PAIRS, CLASS_PAIRS, CLASSES, _background,
                         _outline, _paint, _visible_polygons,
                         write_coco_split, write_dataset_once)

FORMAT_VERSION = 1
IMG_SIZE = 160
#: COCO's small / medium / large thresholds (32², 96² px of a 640 x 480
#: image) as fractions of the image, and its share of instances in each
COCO_AREA_FRACTIONS = (32**2 / (640 * 480), 96**2 / (640 * 480))
COCO_AREA_SHARES = (0.41, 0.34, 0.24)
#: the shares the drawn areas come from: occlusion moves visible areas
#: down a range, so these make the annotated (visible) areas land on
#: COCO's shares (calibrated by counting annotations, not by training)
DRAWN_AREA_SHARES = (0.42, 0.28, 0.30)
#: COCO train2017's annotated instances per image
COCO_INSTANCES_PER_IMAGE = 7.3
#: the smallest and largest drawn object, px² and fraction of the image
MIN_AREA = 12
MAX_AREA_FRACTION = 0.35
#: class objects drawn per image: 1 + NegativeBinomial(r, mean - 1), with
#: the mean set so that the annotated instances average about 7.3 (some
#: drawn objects end up mostly hidden and are not annotated)
CLASS_OBJECTS_MEAN = 8.1
CLASS_OBJECTS_R = 1.2
MAX_CLASS_OBJECTS = 40
DISTRACTORS_PER_OBJECT = 2 / 3

OTHER_SHAPES: Tuple[str, ...] = ('square', 'circle', 'hexagon', 'star',
                                 'ellipse', 'arrow', 'trapezoid', 'octagon')
OTHER_TEXTURES: Tuple[str, ...] = ('plain', 'stripes', 'dots', 'waves',
                                   'speckle')
OTHER_PAIRS: Tuple[Tuple[str, str], ...] = tuple(
    (s, t) for s in OTHER_SHAPES for t in OTHER_TEXTURES)


def area_thresholds(img_size: int = IMG_SIZE) -> Tuple[float, float]:
    """COCO's small / medium and medium / large thresholds in px² of an
    ``img_size`` square image."""
    return tuple(f * img_size * img_size for f in COCO_AREA_FRACTIONS)


def _fill_ratio(shape: str) -> float:
    """Area of ``shape`` drawn at diameter 1."""
    x, y = _outline(shape, 1.0).T
    return 0.5 * abs(float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x,
                                                                        1))))


_FILL = {s: _fill_ratio(s) for s in sorted({s for s, _ in ALL_PAIRS})}


def _drawn_area(rng: np.random.Generator, img_size: int) -> float:
    """An object's area: one of COCO's size ranges (``DRAWN_AREA_SHARES``),
    log-uniform inside it."""
    small, large = area_thresholds(img_size)
    edges = (MIN_AREA, small, large, MAX_AREA_FRACTION * img_size**2)
    k = int(rng.choice(3, p=DRAWN_AREA_SHARES))
    return float(math.exp(rng.uniform(math.log(edges[k]),
                                      math.log(edges[k + 1]))))


def _make_scene(rng: np.random.Generator,
                img_size: int) -> Tuple[np.ndarray, List[dict]]:
    """One detection image and its annotated objects."""
    img = _background(rng, img_size)
    mean = CLASS_OBJECTS_MEAN - 1
    p = CLASS_OBJECTS_R / (CLASS_OBJECTS_R + mean)
    n_class = min(1 + int(rng.negative_binomial(CLASS_OBJECTS_R, p)),
                  MAX_CLASS_OBJECTS)
    n_distractors = int(rng.binomial(
        2 * n_class, DISTRACTORS_PER_OBJECT / 2))
    objects = []
    for i in range(n_class + n_distractors):
        if i < n_class:
            label = int(rng.integers(len(CLASS_PAIRS)))
            shape, texture = CLASS_PAIRS[label]
        else:
            label = -1
            while True:
                shape, texture = ALL_PAIRS[int(rng.integers(len(ALL_PAIRS)))]
                if (shape, texture) not in CLASS_PAIRS:
                    break
        area = _drawn_area(rng, img_size)
        size = math.sqrt(area / _FILL[shape])
        cx, cy = rng.uniform(size * 0.3, img_size - size * 0.3, 2)
        objects.append(dict(label=label, shape=shape, texture=texture,
                            size=size, cx=float(cx), cy=float(cy)))
    # the scene's back first: larger objects behind smaller ones
    objects.sort(key=lambda o: -o['size'])
    owner = np.full((img_size, img_size), -1, np.int32)
    for idx, obj in enumerate(objects):
        full = _paint(rng, img, obj['shape'], obj['texture'], obj['cx'],
                      obj['cy'], obj['size'])
        owner[full > 0] = idx
        obj['full'] = int(full.sum())
    annotations = []
    for idx, obj in enumerate(objects):
        visible = owner == idx
        area = int(visible.sum())
        # distractors, and objects mostly hidden or vanishing, are not
        # annotated (as in toy_shapes)
        if obj['label'] < 0 or area < MIN_AREA // 2 or \
                area < 0.4 * obj['full']:
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


def make_toy_scenes(out_dir: str, num_train: int = 1024, num_val: int = 256,
                    seed: int = 0, overwrite: bool = False) -> Dict[str, str]:
    """Write the study's detection world, or reuse it if it was made with
    these arguments.

    Args:
        out_dir (str): Folder to write into.
        num_train (int): Training images. Defaults to 1024.
        num_val (int): Validation images. Defaults to 256.
        seed (int): Random seed; train and val draw from separate streams.
            Defaults to 0.
        overwrite (bool): Rewrite even if a matching dataset exists.

    Returns:
        dict: Paths of ``train_ann``, ``val_ann``, ``train_img`` and
        ``val_img``.
    """
    for name, value in (('num_train', num_train), ('num_val', num_val)):
        if isinstance(value, bool) or int(value) != value or value < 1:
            raise ValueError(f'{name} must be an integer >= 1, got '
                             f'{value!r}')
    meta = dict(world='toy_scenes', format_version=FORMAT_VERSION,
                num_train=num_train, num_val=num_val, img_size=IMG_SIZE,
                seed=seed, classes=list(CLASSES))
    paths = dict(
        train_ann=osp.join(out_dir, 'annotations', 'instances_train.json'),
        val_ann=osp.join(out_dir, 'annotations', 'instances_val.json'),
        train_img=osp.join(out_dir, 'train'),
        val_img=osp.join(out_dir, 'val'))

    def write_split(split, num):
        rng = np.random.default_rng([seed, 10 if split == 'train' else 11])
        write_coco_split(
            out_dir, split, num, lambda: _make_scene(rng, IMG_SIZE),
            [dict(id=i + 1, name=name, supercategory='shape')
             for i, name in enumerate(CLASSES)], f'instances_{split}.json')

    return write_dataset_once(out_dir, meta, paths, overwrite, write_split,
                              dict(train=num_train, val=num_val))


def scene_statistics(ann_file: str) -> dict:
    """What the protocol fixes the world by, counted in a written split:
    annotated instances per image and the shares of COCO's size ranges
    (scaled to the image)."""
    with open(ann_file) as f:
        coco = json.load(f)
    small, large = area_thresholds(coco['images'][0]['width'])
    areas = np.array([a['area'] for a in coco['annotations']])
    return dict(
        images=len(coco['images']),
        instances=len(areas),
        per_image=len(areas) / len(coco['images']),
        empty_images=len(coco['images']) - len(
            {a['image_id'] for a in coco['annotations']}),
        small=float((areas < small).mean()),
        medium=float(((areas >= small) & (areas < large)).mean()),
        large=float((areas >= large).mean()))


def _other_outline(shape: str, size: float) -> np.ndarray:
    r = size / 2
    if shape == 'ellipse':
        t = np.arange(32) * 2 * math.pi / 32
        return np.stack([np.cos(t), 0.55 * np.sin(t)], 1) * r
    if shape == 'octagon':
        t = math.pi / 8 + np.arange(8) * 2 * math.pi / 8
        return np.stack([np.cos(t), np.sin(t)], 1) * r
    if shape == 'trapezoid':
        return np.array([[-1, 0.6], [1, 0.6], [0.5, -0.6], [-0.5, -0.6]]) * r
    if shape == 'arrow':
        return np.array([[-1, -0.25], [0.2, -0.25], [0.2, -0.6], [1, 0],
                         [0.2, 0.6], [0.2, 0.25], [-1, 0.25]]) * r
    return _outline(shape, size)


def _other_texture(rng: np.random.Generator, texture: str, h: int,
                   w: int) -> np.ndarray:
    """An (h, w) map in [0, 1]: where the second colour shows."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    period = float(rng.uniform(3, 9))
    angle = float(rng.uniform(0, math.pi))
    u = xx * math.cos(angle) + yy * math.sin(angle)
    v = -xx * math.sin(angle) + yy * math.cos(angle)
    if texture == 'plain':
        return np.zeros((h, w), np.float32)
    if texture == 'stripes':
        return ((u / period) % 1 < 0.5).astype(np.float32)
    if texture == 'dots':
        du, dv = (u % period) - period / 2, (v % period) - period / 2
        return (du**2 + dv**2 < (period * 0.3)**2).astype(np.float32)
    if texture == 'waves':
        return (0.5 + 0.5 * np.sin(2 * math.pi * u / period + 2 * np.sin(
            2 * math.pi * v / (3 * period)))).astype(np.float32)
    if texture == 'speckle':
        return (rng.random((h, w)) < 0.35).astype(np.float32)
    raise ValueError(f'unknown texture {texture!r}; expected one of '
                     f'{OTHER_TEXTURES}')


def _saturated(rng: np.random.Generator) -> np.ndarray:
    hsv = np.uint8([[[rng.integers(0, 180), rng.integers(150, 256),
                      rng.integers(110, 256)]]])
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0].astype(np.float32)


def make_other_classification(num_images: int, img_size: int = 64,
                              seed: int = 0
                              ) -> Tuple[np.ndarray, np.ndarray]:
    """The study world's "ImageNet": one centred object per image, labelled
    by its (shape, texture) kind out of ``len(OTHER_PAIRS)``.

    Returns:
        tuple: ``images`` (N, H, W, 3) uint8 BGR and ``labels`` (N,) int64.
    """
    if isinstance(num_images, bool) or int(num_images) != num_images or \
            num_images < 1:
        raise ValueError(f'num_images must be an integer >= 1, got '
                         f'{num_images!r}')
    rng = np.random.default_rng([seed, 12])
    images = np.empty((num_images, img_size, img_size, 3), np.uint8)
    labels = rng.integers(len(OTHER_PAIRS), size=num_images)
    yy, xx = np.mgrid[0:img_size, 0:img_size].astype(np.float32) / img_size
    for i, label in enumerate(labels):
        a, b = _saturated(rng) * 0.6, _saturated(rng) * 0.6
        angle = rng.uniform(0, 2 * math.pi)
        ramp = (xx * math.cos(angle) + yy * math.sin(angle))[..., None]
        ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
        img = a * (1 - ramp) + b * ramp
        img += rng.normal(0, 3, img.shape).astype(np.float32)
        shape, texture = OTHER_PAIRS[int(label)]
        size = float(rng.uniform(0.35, 0.9) * img_size)
        cx, cy = img_size / 2 + rng.uniform(-0.1, 0.1, 2) * img_size
        theta = float(rng.uniform(0, 2 * math.pi))
        rot = np.array([[math.cos(theta), -math.sin(theta)],
                        [math.sin(theta), math.cos(theta)]])
        pts = _other_outline(shape, size) @ rot.T + np.array([cx, cy])
        mask = np.zeros((img_size, img_size), np.uint8)
        cv2.fillPoly(mask, [np.round(pts).astype(np.int32)], 1)
        pattern = _other_texture(rng, texture, img_size, img_size)[..., None]
        fill = _saturated(rng) * (1 - pattern) + _saturated(rng) * pattern
        img[mask > 0] = fill[mask > 0]
        images[i] = np.clip(img, 0, 255).astype(np.uint8)
    return images, labels.astype(np.int64)


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        description='Write the toy study\'s world (toy scenes) in COCO '
        'format and print its statistics.')
    parser.add_argument('--out-dir', default='data/toy_scenes')
    parser.add_argument('--num-train', type=int, default=1024)
    parser.add_argument('--num-val', type=int, default=256)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--overwrite', action='store_true')
    args = parser.parse_args(argv)
    paths = make_toy_scenes(args.out_dir, args.num_train, args.num_val,
                            args.seed, args.overwrite)
    print(json.dumps(paths, indent=2))
    for split in ('train', 'val'):
        print(split, json.dumps(scene_statistics(paths[f'{split}_ann'])))


if __name__ == '__main__':
    main()
