"""The toy study's world is what its protocol says (docs/toy.md): COCO's
density and size shares, deterministic files, and an "ImageNet" whose
kinds overlap the detection classes only in part."""
import hashlib

import numpy as np
import pytest

from mmrethink.datasets.toy_scenes import (COCO_AREA_SHARES,
                                           COCO_INSTANCES_PER_IMAGE,
                                           OTHER_PAIRS, area_thresholds,
                                           make_other_classification,
                                           make_toy_scenes, scene_statistics)
from mmrethink.datasets.toy_shapes import ALL_PAIRS, CLASS_PAIRS


@pytest.fixture(scope='module')
def scenes(tmp_path_factory):
    return make_toy_scenes(str(tmp_path_factory.mktemp('scenes')),
                           num_train=300, num_val=8)


def test_density_and_sizes_are_cocos(scenes):
    stats = scene_statistics(scenes['train_ann'])
    # COCO: 7.3 per image; 41 / 34 / 24 % small / medium / large
    assert abs(stats['per_image'] - COCO_INSTANCES_PER_IMAGE) < 0.6, stats
    for key, share in zip(('small', 'medium', 'large'), COCO_AREA_SHARES):
        assert abs(stats[key] - share) < 0.04, stats
    assert stats['empty_images'] == 0


def test_coco_thresholds_scaled_to_the_image():
    # 32² and 96² px of a 640 x 480 image, as fractions of 160 x 160
    small, large = area_thresholds(160)
    assert (round(small, 1), round(large, 1)) == (85.3, 768.0)


def _digest(folder):
    h = hashlib.sha256()
    for path in sorted(folder.rglob('*')):
        if path.is_file():
            h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()


def test_the_same_arguments_give_the_same_files(tmp_path):
    from pathlib import Path
    a = make_toy_scenes(str(tmp_path / 'a'), num_train=6, num_val=2)
    b = make_toy_scenes(str(tmp_path / 'b'), num_train=6, num_val=2)
    assert _digest(Path(a['train_img']).parent) == \
        _digest(Path(b['train_img']).parent)
    c = make_toy_scenes(str(tmp_path / 'c'), num_train=6, num_val=2,
                        seed=1)
    assert _digest(Path(c['train_img']).parent) != \
        _digest(Path(a['train_img']).parent)


def test_the_other_imagenet_overlaps_the_classes_only_in_part():
    other, world = set(OTHER_PAIRS), set(ALL_PAIRS)
    assert len(other) == 40
    # three of the six detection classes are kinds of it
    assert sorted(set(CLASS_PAIRS) & other) == [
        ('circle', 'stripes'), ('square', 'dots'), ('square', 'stripes')]
    # and it has kinds the detection world never draws
    assert len(other - world) == 28
    images, labels = make_other_classification(50, seed=3)
    assert images.shape == (50, 64, 64, 3) and images.dtype == np.uint8
    assert labels.min() >= 0 and labels.max() < 40
    again, _ = make_other_classification(50, seed=3)
    assert np.array_equal(images, again)
