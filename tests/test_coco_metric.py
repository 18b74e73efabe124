"""FastCocoMetric: faster-coco-eval gives pycocotools' numbers."""
import json

import numpy as np
import pytest
from mmengine.config import Config

from conftest import TOY_CONFIG
from mmrethink.datasets.synthetic_coco import make_synthetic_coco
from mmrethink.evaluation import FastCocoMetric, coco_stats


@pytest.fixture(scope='module')
def synthetic(tmp_path_factory):
    coco, results, classes = make_synthetic_coco(num_images=150,
                                                 dets_per_image=40)
    path = tmp_path_factory.mktemp('coco') / 'val.json'
    path.write_text(json.dumps(coco))
    return str(path), results, classes


def _evaluate(backend, synthetic, tmp_path):
    ann_file, results, classes = synthetic
    metric = FastCocoMetric(ann_file=ann_file, metric=['bbox', 'segm'],
                            backend=backend,
                            outfile_prefix=str(tmp_path / backend))
    metric.dataset_meta = dict(classes=classes)
    metrics = metric.compute_metrics(list(results))
    # unrounded: recomputed from the result files the metric wrote
    return metrics, {t: coco_stats(ann_file, str(tmp_path / f'{backend}.{t}'
                                                 '.json'), t, backend)
                     for t in ('bbox', 'segm')}


def test_backends_agree(synthetic, tmp_path):
    pyc, pyc_stats = _evaluate('pycocotools', synthetic, tmp_path)
    fast, fast_stats = _evaluate('faster_coco_eval', synthetic, tmp_path)
    assert set(pyc_stats) == {'bbox', 'segm'}
    for iou_type in ('bbox', 'segm'):
        assert pyc_stats[iou_type].shape == (12, )
        # a detector's numbers, not an empty evaluation
        assert 0.05 < pyc_stats[iou_type][1] < 0.95
        np.testing.assert_allclose(fast_stats[iou_type], pyc_stats[iou_type],
                                   atol=1e-4)
    assert fast == pyc


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="backend='coco'; expected one of"):
        FastCocoMetric(backend='coco')


def test_one_line_switch_back_to_pycocotools(tmp_path):
    path = tmp_path / 'pyc.py'
    path.write_text(f"_base_ = {TOY_CONFIG!r}\n"
                    "val_evaluator = dict(backend='pycocotools')\n")
    cfg = Config.fromfile(str(path))
    assert cfg.val_evaluator.type == 'FastCocoMetric'
    assert cfg.val_evaluator.backend == 'pycocotools'
    assert Config.fromfile(TOY_CONFIG).val_evaluator.backend == \
        'faster_coco_eval'
