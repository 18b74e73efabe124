"""mmdet's loading, resizing, flipping and packing, carrying keypoints.

mmdet 3.x has no keypoints in its pipelines: ``LoadAnnotations`` does not
read them, ``Resize`` does not scale them, ``RandomFlip`` would have to
mirror *and* swap them (a left wrist flipped is a right wrist), and
``PackDetInputs`` drops them. These subclasses add exactly that and leave
everything else to mmdet:

- ``results['gt_keypoints']``: float32 ``(N, K, 3)``, x, y in pixels of the
  current image and the COCO visibility (0 absent, 1 occluded, 2 visible),
  aligned with ``gt_bboxes``;
- a point that leaves the image becomes absent: ``(0, 0, 0)``, as COCO
  writes absent points.
"""
import numpy as np
from mmdet.datasets.transforms import (LoadAnnotations, PackDetInputs,
                                       RandomFlip, Resize)
from mmdet.registry import TRANSFORMS


def hide_outside(keypoints: np.ndarray, img_shape) -> np.ndarray:
    """Mark the points outside the image ``(h, w)`` absent, and absent
    points ``(0, 0, 0)``."""
    h, w = img_shape[:2]
    x, y = keypoints[..., 0], keypoints[..., 1]
    outside = (x < 0) | (y < 0) | (x > w) | (y > h)
    keypoints[outside | (keypoints[..., 2] <= 0)] = 0
    return keypoints


@TRANSFORMS.register_module()
class LoadKeypointAnnotations(LoadAnnotations):
    """mmdet's ``LoadAnnotations``, also reading each instance's
    ``keypoints`` into ``results['gt_keypoints']``.

    Args:
        with_keypoints (bool): Read the keypoints. Defaults to True.
        **kwargs: mmdet's ``LoadAnnotations`` arguments.
    """

    def __init__(self, with_keypoints: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.with_keypoints = with_keypoints

    def transform(self, results: dict) -> dict:
        results = super().transform(results)
        if self.with_keypoints:
            num = len(results['flip_indices'])
            points = [inst['keypoints'] for inst in results['instances']]
            results['gt_keypoints'] = np.asarray(
                points, dtype=np.float32).reshape(-1, num, 3)
        return results

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + \
            f', with_keypoints={self.with_keypoints})'


@TRANSFORMS.register_module()
class KeypointResize(Resize):
    """mmdet's ``Resize``, scaling ``gt_keypoints`` as it scales the boxes.
    Use it as ``RandomChoiceResize(resize_type='KeypointResize')`` for
    scale augmentation."""

    def transform(self, results: dict) -> dict:
        results = super().transform(results)
        if results.get('gt_keypoints') is not None:
            w_scale, h_scale = results['scale_factor']
            points = results['gt_keypoints']
            points[..., 0] *= w_scale
            points[..., 1] *= h_scale
            results['gt_keypoints'] = hide_outside(points,
                                                   results['img_shape'])
        return results


@TRANSFORMS.register_module()
class KeypointRandomFlip(RandomFlip):
    """mmdet's ``RandomFlip``, mirroring ``gt_keypoints`` (``x -> w - x``)
    and swapping left and right by the sample's ``flip_indices`` (from
    the dataset's metadata). Horizontal flips only: a vertical flip of a
    person has no left/right convention."""

    def _flip(self, results: dict) -> None:
        super()._flip(results)
        points = results.get('gt_keypoints')
        if points is None:
            return
        if results['flip_direction'] != 'horizontal':
            raise ValueError(
                f"KeypointRandomFlip: direction {results['flip_direction']!r}"
                "; keypoints flip horizontally only (direction='horizontal')")
        w = results['img'].shape[1]
        points = points[:, results['flip_indices']].copy()
        points[..., 0] = w - points[..., 0]
        results['gt_keypoints'] = hide_outside(points, results['img_shape'])


@TRANSFORMS.register_module()
class PackKeypointDetInputs(PackDetInputs):
    """mmdet's ``PackDetInputs``, packing ``gt_keypoints`` into
    ``gt_instances.keypoints`` (and the crowds' into
    ``ignored_instances``), as it packs the boxes."""

    mapping_table = dict(PackDetInputs.mapping_table,
                         gt_keypoints='keypoints')
