"""Datasets. ``toy_shapes`` writes the generated COCO-format toy dataset
(``python -m mmrethink.datasets.toy_shapes``)."""
