"""The toy COCO generator: deterministic, valid COCO, reused when unchanged."""
import filecmp
import json
import os
import os.path as osp

import numpy as np
import pytest
from pycocotools.coco import COCO

from mmrethink.datasets.toy_shapes import (ALL_PAIRS, CLASS_PAIRS, CLASSES,
                                           make_toy_classification,
                                           make_toy_coco)


def test_same_seed_same_bytes_other_seed_other_images(tmp_path):
    a = make_toy_coco(str(tmp_path / 'a'), num_train=6, num_val=3, seed=3)
    b = make_toy_coco(str(tmp_path / 'b'), num_train=6, num_val=3, seed=3)
    c = make_toy_coco(str(tmp_path / 'c'), num_train=6, num_val=3, seed=4)
    for key in ('train_ann', 'val_ann'):
        assert filecmp.cmp(a[key], b[key], shallow=False)
        assert not filecmp.cmp(a[key], c[key], shallow=False)
    for name in sorted(os.listdir(a['train_img'])):
        assert filecmp.cmp(osp.join(a['train_img'], name),
                           osp.join(b['train_img'], name), shallow=False)
    # train and val are different draws
    assert not filecmp.cmp(osp.join(a['train_img'], '000000.png'),
                           osp.join(a['val_img'], '000000.png'),
                           shallow=False)


def test_annotations_are_valid_coco_with_visible_polygon_masks(tmp_path):
    paths = make_toy_coco(str(tmp_path), num_train=12, num_val=4, seed=0)
    coco = COCO(paths['train_ann'])
    assert [c['name'] for c in coco.loadCats(coco.getCatIds())] == \
        list(CLASSES)
    assert len(coco.getImgIds()) == 12
    anns = coco.loadAnns(coco.getAnnIds())
    assert len(anns) >= 12
    seen_classes = set()
    for ann in anns:
        img = coco.loadImgs(ann['image_id'])[0]
        x, y, w, h = ann['bbox']
        assert x >= 0 and y >= 0
        assert x + w <= img['width'] and y + h <= img['height']
        for poly in ann['segmentation']:
            pts = np.array(poly).reshape(-1, 2)
            assert len(pts) >= 3
            # every polygon lies inside the box of the visible mask
            assert (pts >= [x, y]).all() and (pts <= [x + w, y + h]).all()
        # the rasterized polygons cover about the visible `area` pixels
        assert coco.annToMask(ann).sum() == pytest.approx(ann['area'],
                                                          rel=0.35)
        seen_classes.add(ann['category_id'])
    assert seen_classes == set(range(1, len(CLASSES) + 1))


def test_classes_need_both_shape_and_texture():
    shapes = [s for s, _ in CLASS_PAIRS]
    textures = [t for _, t in CLASS_PAIRS]
    assert all(shapes.count(s) == 2 for s in shapes)
    assert all(textures.count(t) == 2 for t in textures)


def test_pretraining_task_has_many_more_kinds():
    images, labels = make_toy_classification(64, img_size=48, seed=1)
    again, labels_again = make_toy_classification(64, img_size=48, seed=1)
    assert images.shape == (64, 48, 48, 3) and images.dtype == np.uint8
    assert (images == again).all() and (labels == labels_again).all()
    assert len(ALL_PAIRS) >= 5 * len(CLASSES)
    assert labels.min() >= 0 and labels.max() < len(ALL_PAIRS)
    assert len(set(labels.tolist())) > len(CLASSES)


def test_reuses_matching_dataset_and_rewrites_changed_one(tmp_path):
    out = str(tmp_path / 'toy')
    paths = make_toy_coco(out, num_train=4, num_val=2)
    mtime = os.stat(paths['train_ann']).st_mtime_ns
    make_toy_coco(out, num_train=4, num_val=2)
    assert os.stat(paths['train_ann']).st_mtime_ns == mtime
    make_toy_coco(out, num_train=5, num_val=2)
    with open(paths['train_ann']) as f:
        assert len(json.load(f)['images']) == 5
    assert len(os.listdir(paths['train_img'])) == 5


@pytest.mark.parametrize('kwargs', [dict(num_train=0), dict(img_size=10),
                                    dict(max_objects=1)])
def test_bad_arguments_are_refused(tmp_path, kwargs):
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=name):
        make_toy_coco(str(tmp_path), **kwargs)
