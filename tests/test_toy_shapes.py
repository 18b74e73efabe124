"""The toy COCO generator: deterministic, valid COCO, reused when unchanged."""
import filecmp
import json
import os
import os.path as osp

import numpy as np
import pytest
from pycocotools.coco import COCO

from mmrethink.datasets.toy_shapes import CLASSES, make_toy_coco


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


def test_annotations_are_valid_coco_with_polygon_masks(tmp_path):
    paths = make_toy_coco(str(tmp_path), num_train=10, num_val=4, seed=0)
    coco = COCO(paths['train_ann'])
    assert [c['name'] for c in coco.loadCats(coco.getCatIds())] == \
        list(CLASSES)
    assert len(coco.getImgIds()) == 10
    anns = coco.loadAnns(coco.getAnnIds())
    assert len(anns) >= 10  # at least one object per image
    seen_classes = set()
    for ann in anns:
        img = coco.loadImgs(ann['image_id'])[0]
        poly = np.array(ann['segmentation'][0]).reshape(-1, 2)
        assert len(poly) >= 3
        x, y, w, h = ann['bbox']
        # the box is the polygon's extent, inside the image
        assert (x, y) == tuple(poly.min(0))
        assert (x + w - 1, y + h - 1) == tuple(poly.max(0))
        assert x >= 0 and y >= 0
        assert x + w <= img['width'] and y + h <= img['height']
        # the rasterized mask covers `area` pixels
        assert coco.annToMask(ann).sum() == pytest.approx(ann['area'],
                                                          rel=0.25)
        seen_classes.add(ann['category_id'])
    assert seen_classes == {1, 2, 3}


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
                                    dict(max_objects=1.5)])
def test_bad_arguments_are_refused(tmp_path, kwargs):
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=name):
        make_toy_coco(str(tmp_path), **kwargs)
