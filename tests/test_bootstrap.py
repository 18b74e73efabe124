"""The toy study's bootstrap re-pools COCOeval's per-image matches: with
every image once it is COCOeval's own AP, and the paired interval of a
gap behaves as a gap's should."""
import contextlib
import io

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from mmrethink.records.bootstrap import MatchedDetections, gap_interval


def _world(seed, num_images=40, num_cats=3):
    """Ground truth and two models' detections: ``good`` near the truth,
    ``poor`` noisier and with more false positives."""
    rng = np.random.default_rng(seed)
    images, anns = [], []
    for i in range(1, num_images + 1):
        images.append(dict(id=i, width=160, height=160))
        for _ in range(int(rng.integers(0, 6))):
            xy, wh = rng.uniform(0, 120, 2), rng.uniform(4, 40, 2)
            anns.append(dict(id=len(anns) + 1, image_id=i,
                             category_id=int(rng.integers(1, num_cats + 1)),
                             bbox=[*xy, *wh], area=float(wh.prod()),
                             iscrowd=int(rng.random() < 0.05)))
    gt = COCO()
    gt.dataset = dict(images=images, annotations=anns, categories=[
        dict(id=c, name=str(c)) for c in range(1, num_cats + 1)])
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()

    def model(noise, false_positives):
        dets = []
        for a in anns:
            if rng.random() < 0.85:
                box = np.array(a['bbox']) + rng.normal(0, noise, 4)
                dets.append(dict(image_id=a['image_id'],
                                 category_id=a['category_id'],
                                 bbox=box.tolist(),
                                 score=float(rng.uniform(0.3, 1))))
        for _ in range(false_positives):
            dets.append(dict(
                image_id=int(rng.integers(1, num_images + 1)),
                category_id=int(rng.integers(1, num_cats + 1)),
                bbox=[*rng.uniform(0, 120, 2), *rng.uniform(4, 40, 2)],
                score=float(rng.uniform(0, 0.8))))
        return dets

    return gt, model(1.0, 20), model(4.0, 80)


def _cocoeval_ap(gt, dets):
    with contextlib.redirect_stdout(io.StringIO()):
        ev = COCOeval(gt, gt.loadRes(dets), 'bbox')
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev.stats[0]


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_every_image_once_is_cocoevals_ap(seed):
    gt, good, poor = _world(seed)
    for dets in (good, poor):
        assert MatchedDetections(gt, dets).ap() == pytest.approx(
            _cocoeval_ap(gt, dets), abs=1e-12)


def test_a_resample_is_cocoeval_on_those_images():
    """A resample without repeats is COCOeval restricted to its images."""
    gt, good, _ = _world(3)
    matched = MatchedDetections(gt, good)
    chosen = [0, 3, 4, 10, 11, 12, 30]
    ids = [matched.img_ids[i] for i in chosen]
    with contextlib.redirect_stdout(io.StringIO()):
        ev = COCOeval(gt, gt.loadRes(good), 'bbox')
        ev.params.imgIds = ids
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    assert matched.ap(chosen) == pytest.approx(ev.stats[0], abs=1e-12)


def test_the_paired_interval_of_a_gap():
    gt, good, poor = _world(4)
    a, b = MatchedDetections(gt, poor), MatchedDetections(gt, good)
    result = gap_interval(a, b, samples=200)
    assert result['gap'] == pytest.approx(
        100 * (_cocoeval_ap(gt, good) - _cocoeval_ap(gt, poor)))
    assert result['low'] < result['gap'] < result['high']
    assert result['low'] > 0  # the better model, clearly
    # a model against itself: no gap on any resample
    same = gap_interval(b, b, samples=50)
    assert (same['gap'], same['low'], same['high']) == (0, 0, 0)


def test_nothing_detected_scores_zero():
    gt, _, _ = _world(5)
    assert MatchedDetections(gt, []).ap() == 0.0
