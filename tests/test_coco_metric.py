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


def test_mmdet_metric_is_untouched_while_ours_evaluates(synthetic):
    """FastCocoMetric runs mmdet's computation with its own evaluator
    class; mmdet's module keeps pycocotools' class throughout (another
    thread, or mmdet's own CocoMetric, sees no change) and mmdet's metric
    gives what it gave before."""
    import mmdet.evaluation.metrics.coco_metric as mmdet_module
    from faster_coco_eval import COCOeval_faster
    from mmdet.evaluation import CocoMetric
    from pycocotools.cocoeval import COCOeval
    ann_file, results, classes = synthetic
    # how mmdet's method finds its evaluator (mmdet 3.x): a module global
    assert 'COCOeval' in CocoMetric.compute_metrics.__code__.co_names
    assert mmdet_module.COCOeval is COCOeval
    seen = []

    class Recording(COCOeval_faster):
        def __init__(self, *args, **kwargs):
            seen.append(mmdet_module.COCOeval)
            super().__init__(*args, **kwargs)

    ours = FastCocoMetric(ann_file=ann_file, metric=['bbox', 'segm'])
    ours._eval_class = Recording
    ours.dataset_meta = dict(classes=classes)
    fast = ours.compute_metrics(list(results))
    assert seen == [COCOeval, COCOeval]  # bbox and segm, ours evaluated
    assert mmdet_module.COCOeval is COCOeval
    theirs = CocoMetric(ann_file=ann_file, metric=['bbox', 'segm'])
    theirs.dataset_meta = dict(classes=classes)
    stock = theirs.compute_metrics(list(results))
    pyc = FastCocoMetric(ann_file=ann_file, metric=['bbox', 'segm'],
                         backend='pycocotools')
    pyc.dataset_meta = dict(classes=classes)
    assert stock == pyc.compute_metrics(list(results)) == fast
    assert stock['bbox_mAP'] > 0.05  # a detector's numbers
