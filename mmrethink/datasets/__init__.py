"""Datasets and samplers. ``toy_shapes`` writes the generated COCO-format
toy dataset (``python -m mmrethink.datasets.toy_shapes``). COCO person
keypoints: ``CocoKeypointDataset`` and the transforms that carry keypoints
(``keypoint_transforms``)."""
from .checked_coco import CheckedCocoDataset
from .coco_keypoints import CocoKeypointDataset
from .keypoint_transforms import (KeypointRandomFlip, KeypointResize,
                                  LoadKeypointAnnotations,
                                  PackKeypointDetInputs)
from .subset import InfiniteSubsetSampler

__all__ = [
    'CheckedCocoDataset', 'InfiniteSubsetSampler', 'CocoKeypointDataset',
    'LoadKeypointAnnotations', 'KeypointResize', 'KeypointRandomFlip',
    'PackKeypointDetInputs'
]
