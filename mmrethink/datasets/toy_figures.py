"""The toy world's keypoint task: stick figures with COCO's 17 person
keypoints, in COCO person-keypoint format.

Each figure faces the viewer, as most COCO people do: its ``left_*``
keypoints lie on the image's right. Its drawing is mirror-symmetric (the
same head, limbs, hands and feet on both sides), so only the side tells
left from right. A flipped image is therefore a valid image only with the
left/right labels swapped: a flip that mirrors x but keeps the labels
teaches contradictory targets for every left/right pair, and keypoint AP
(OKS over all 17 points, COCO's sigmas) shows it. Poses vary (arm and leg
angles, a small lean), sizes span 35-90% of the image height, figures may
overlap (a covered keypoint is labelled but occluded, ``v=1``; one outside
the image is absent, ``v=0``), and the background is the toy world's
clutter (:mod:`mmrethink.datasets.toy_shapes`) with unannotated shapes.

Layout written under ``out_dir``::

    annotations/person_keypoints_train.json, .../person_keypoints_val.json
    train/000000.png ..., val/000000.png ...
    meta.json          # the arguments it was made with

Deterministic: the same arguments give byte-identical files.
``python -m mmrethink.datasets.toy_figures --help`` for the command line.
"""
import argparse
import json
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from .coco_keypoints import COCO_KEYPOINTS
from .toy_shapes import (ALL_PAIRS, _background, _paint, _visible_polygons,
                         write_coco_split, write_dataset_once)

FORMAT_VERSION = 1
#: COCO's person skeleton (1-based keypoint indices, as in its files)
COCO_SKELETON = [[16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12],
                 [7, 13], [6, 7], [6, 8], [7, 9], [8, 10], [9, 11], [2, 3],
                 [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7]]
_INDEX = {name: i for i, name in enumerate(COCO_KEYPOINTS)}


def figure_keypoints(rng: np.random.Generator, height: float, cx: float,
                     top: float) -> np.ndarray:
    """The 17 keypoints (x, y) of one figure ``height`` px tall, its head's
    top at ``(cx, top)``, in a random pose; left on the image's right."""
    h = height
    pts = np.zeros((len(COCO_KEYPOINTS), 2))
    # (side, x offset, y offset) in units of the height, before the pose
    fixed = {'nose': (0, 0, 0.10), 'eye': (1, 0.035, 0.075),
             'ear': (1, 0.075, 0.09), 'shoulder': (1, 0.12, 0.21),
             'hip': (1, 0.08, 0.52)}
    for part, (sided, dx, dy) in fixed.items():
        if not sided:
            pts[_INDEX[part]] = (0, dy * h)
            continue
        for name, s in (('left', 1), ('right', -1)):
            pts[_INDEX[f'{name}_{part}']] = (s * dx * h, dy * h)
    for name, s in (('left', 1), ('right', -1)):
        # arms: angles from straight down, outwards on their own side
        upper = math.radians(rng.uniform(15, 150))
        lower = upper + math.radians(rng.uniform(-40, 40))
        shoulder = pts[_INDEX[f'{name}_shoulder']]
        elbow = shoulder + 0.17 * h * np.array(
            [s * math.sin(upper), math.cos(upper)])
        pts[_INDEX[f'{name}_elbow']] = elbow
        pts[_INDEX[f'{name}_wrist']] = elbow + 0.15 * h * np.array(
            [s * math.sin(lower), math.cos(lower)])
        # legs: a stride outwards
        thigh = math.radians(rng.uniform(3, 35))
        shin = thigh + math.radians(rng.uniform(-20, 10))
        hip = pts[_INDEX[f'{name}_hip']]
        knee = hip + 0.24 * h * np.array([s * math.sin(thigh),
                                          math.cos(thigh)])
        pts[_INDEX[f'{name}_knee']] = knee
        pts[_INDEX[f'{name}_ankle']] = knee + 0.23 * h * np.array(
            [s * math.sin(shin), math.cos(shin)])
    # a lean of up to 12 degrees about the hips' centre
    lean = math.radians(rng.uniform(-12, 12))
    rot = np.array([[math.cos(lean), -math.sin(lean)],
                    [math.sin(lean), math.cos(lean)]])
    centre = np.array([0, 0.52 * h])
    pts = (pts - centre) @ rot.T + centre
    return pts + np.array([cx, top])


def _draw_figure(img: np.ndarray, pts: np.ndarray, height: float,
                 rng: np.random.Generator) -> np.ndarray:
    """Draw a figure at keypoints ``pts``; return its full mask."""
    h, w = img.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    body = rng.uniform(20, 235, 3)
    limb = max(2, int(round(0.045 * height)))

    def p(name):
        x, y = pts[_INDEX[name]]
        return int(round(x)), int(round(y))

    bones = [('left_shoulder', 'right_shoulder'), ('left_hip', 'right_hip')]
    for s in ('left', 'right'):
        bones += [(f'{s}_shoulder', f'{s}_elbow'),
                  (f'{s}_elbow', f'{s}_wrist'), (f'{s}_shoulder', f'{s}_hip'),
                  (f'{s}_hip', f'{s}_knee'), (f'{s}_knee', f'{s}_ankle')]
    for a, b in bones:
        cv2.line(mask, p(a), p(b), 1, limb)
    for s in ('left', 'right'):  # hands and feet: blobs at the end points
        for part in ('wrist', 'ankle'):
            cv2.circle(mask, p(f'{s}_{part}'), limb, 1, -1)
    head = max(3, int(round(0.085 * height)))
    cv2.circle(mask, p('nose'), head, 1, -1)
    img[mask > 0] = body
    # the face: dark eyes and nose on the head, light ears at its sides
    dark = 255 - body
    dot = max(1, int(round(0.018 * height)))
    for s in ('left', 'right'):
        cv2.circle(img, p(f'{s}_eye'), dot, dark.tolist(), -1)
        cv2.circle(img, p(f'{s}_ear'), dot, (dark * 0.5 + 128).tolist(), -1)
        cv2.circle(mask, p(f'{s}_ear'), dot, 1, -1)
    cv2.circle(img, p('nose'), dot, dark.tolist(), -1)
    return mask


def _make_image(rng: np.random.Generator, img_size: int,
                max_figures: int) -> Tuple[np.ndarray, List[dict]]:
    img = _background(rng, img_size)
    for _ in range(int(rng.integers(0, 3))):  # unannotated shapes
        shape, texture = ALL_PAIRS[int(rng.integers(len(ALL_PAIRS)))]
        size = float(rng.uniform(0.1, 0.3) * img_size)
        cx, cy = rng.uniform(0, img_size, 2)
        _paint(rng, img, shape, texture, cx, cy, size)
    owner = np.full((img_size, img_size), -1, np.int32)
    figures = []
    for idx in range(int(rng.integers(1, max_figures + 1))):
        height = float(rng.uniform(0.35, 0.9) * img_size)
        cx = float(rng.uniform(0.1, 0.9) * img_size)
        top = float(rng.uniform(-0.05, 1.0 - height / img_size) * img_size)
        pts = figure_keypoints(rng, height, cx, top)
        full = _draw_figure(img, pts, height, rng)
        owner[full > 0] = idx
        figures.append(dict(points=pts, full=int(full.sum())))
    annotations = []
    for idx, fig in enumerate(figures):
        visible = owner == idx
        area = int(visible.sum())
        if area < 30 or area < 0.3 * fig['full']:
            continue  # mostly hidden
        polygons = _visible_polygons(visible)
        if not polygons:
            continue
        keypoints = []
        for x, y in fig['points']:
            xi, yi = min(int(x), img_size - 1), min(int(y), img_size - 1)
            if not (0 <= x < img_size and 0 <= y < img_size):
                keypoints += [0, 0, 0]  # outside the image: absent
                continue
            later = owner[yi, xi] > idx  # drawn over by a later figure
            keypoints += [round(float(x), 2), round(float(y), 2),
                          1 if later else 2]
        ys, xs = np.nonzero(visible)
        annotations.append(dict(
            category_id=1, segmentation=polygons,
            bbox=[float(xs.min()), float(ys.min()),
                  float(xs.max() - xs.min() + 1),
                  float(ys.max() - ys.min() + 1)],
            area=float(area), iscrowd=0, keypoints=keypoints,
            num_keypoints=sum(v > 0 for v in keypoints[2::3])))
    return np.clip(img, 0, 255).astype(np.uint8), annotations


def _write_split(out_dir: str, split: str, num_images: int, img_size: int,
                 max_figures: int, seed: int) -> str:
    rng = np.random.default_rng([seed, 2 if split == 'train' else 3])
    return write_coco_split(
        out_dir, split, num_images,
        lambda: _make_image(rng, img_size, max_figures),
        [dict(id=1, name='person', supercategory='person',
              keypoints=list(COCO_KEYPOINTS), skeleton=COCO_SKELETON)],
        f'person_keypoints_{split}.json')


def make_toy_keypoint_coco(out_dir: str,
                           num_train: int = 256,
                           num_val: int = 64,
                           img_size: int = 192,
                           max_figures: int = 3,
                           seed: int = 0,
                           overwrite: bool = False) -> Dict[str, str]:
    """Write the toy keypoint dataset, or reuse it if it was made with
    these arguments.

    Args:
        out_dir (str): Folder to write into.
        num_train, num_val (int): Images per split. Default 256 and 64.
        img_size (int): Side of the square images. Defaults to 192.
        max_figures (int): Most figures per image (at least one).
            Defaults to 3.
        seed (int): Random seed. Defaults to 0.
        overwrite (bool): Rewrite even if a matching dataset exists.

    Returns:
        dict: ``train_ann``, ``val_ann``, ``train_img``, ``val_img``.
    """
    for name, value, low in (('num_train', num_train, 1),
                             ('num_val', num_val, 1),
                             ('img_size', img_size, 64),
                             ('max_figures', max_figures, 1)):
        if isinstance(value, bool) or int(value) != value or value < low:
            raise ValueError(f'{name} must be an integer >= {low}, got '
                             f'{value!r}')
    meta = dict(format_version=FORMAT_VERSION, num_train=num_train,
                num_val=num_val, img_size=img_size, max_figures=max_figures,
                seed=seed)
    paths = dict(
        train_ann=osp.join(out_dir, 'annotations',
                           'person_keypoints_train.json'),
        val_ann=osp.join(out_dir, 'annotations', 'person_keypoints_val.json'),
        train_img=osp.join(out_dir, 'train'),
        val_img=osp.join(out_dir, 'val'))
    return write_dataset_once(
        out_dir, meta, paths, overwrite,
        lambda split, num: _write_split(out_dir, split, num, img_size,
                                        max_figures, seed),
        dict(train=num_train, val=num_val))


def toy_keypoint_data(data_root: str = 'data/toy_figures/'
                      ) -> Tuple[dict, dict, dict]:
    """The data settings of the toy keypoint config: ``(train_dataloader,
    val_dataloader, val_evaluator)``, as :func:`~mmrethink.datasets.
    toy_shapes.toy_data` for the shapes: 160 px, the keypoint transforms
    (resize, flip with the left/right swap), batch 4, one loader process;
    box, mask and keypoint AP."""
    resize = dict(scale=(160, 160), keep_ratio=True)
    train_pipeline = [
        dict(type='LoadImageFromFile', backend_args=None),
        dict(type='LoadKeypointAnnotations', with_bbox=True, with_mask=True),
        dict(type='KeypointResize', **resize),
        dict(type='KeypointRandomFlip', prob=0.5),
        dict(type='PackKeypointDetInputs')
    ]
    # the ground truth loaded after the resize stays in the image's own
    # pixels: what tools/test.py --show-dir draws beside the predictions
    test_pipeline = [
        dict(type='LoadImageFromFile', backend_args=None),
        dict(type='Resize', **resize),
        dict(type='LoadKeypointAnnotations', with_bbox=True, with_mask=True),
        dict(type='PackKeypointDetInputs',
             meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                        'scale_factor'))
    ]
    loader = dict(batch_size=4, num_workers=0, persistent_workers=False)
    dataset = dict(type='CocoKeypointDataset', data_root=data_root,
                   num_keypoints=len(COCO_KEYPOINTS))
    train_dataloader = dict(
        **loader,
        dataset=dict(
            dataset, ann_file='annotations/person_keypoints_train.json',
            data_prefix=dict(img='train/'),
            filter_cfg=dict(filter_empty_gt=True, min_size=8),
            pipeline=train_pipeline))
    val_dataloader = dict(
        **loader,
        dataset=dict(
            dataset, ann_file='annotations/person_keypoints_val.json',
            data_prefix=dict(img='val/'), test_mode=True,
            pipeline=test_pipeline))
    val_evaluator = dict(
        ann_file=data_root + 'annotations/person_keypoints_val.json')
    return train_dataloader, val_dataloader, val_evaluator


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir', nargs='?', default='data/toy_figures')
    parser.add_argument('--num-train', type=int, default=256)
    parser.add_argument('--num-val', type=int, default=64)
    parser.add_argument('--img-size', type=int, default=192)
    parser.add_argument('--max-figures', type=int, default=3)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--overwrite', action='store_true')
    args = parser.parse_args(argv)
    paths = make_toy_keypoint_coco(
        args.out_dir, args.num_train, args.num_val, args.img_size,
        args.max_figures, args.seed, args.overwrite)
    print(json.dumps(paths, indent=2))


if __name__ == '__main__':
    main()
