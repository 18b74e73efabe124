"""Datasets and samplers. ``toy_shapes`` writes the generated COCO-format
toy dataset (``python -m mmrethink.datasets.toy_shapes``)."""
from .checked_coco import CheckedCocoDataset
from .subset import InfiniteSubsetSampler

__all__ = ['CheckedCocoDataset', 'InfiniteSubsetSampler']
