"""mmdet's ``CocoMetric`` with a choice of COCO evaluation backend."""
import contextlib
import importlib
from typing import Dict

import mmdet.evaluation.metrics.coco_metric as mmdet_coco_metric
import numpy as np
from mmdet.datasets.api_wrappers import COCO
from mmdet.evaluation import CocoMetric
from mmdet.registry import METRICS

#: backend name -> (module, COCOeval class): both take mmdet's COCO ground
#: truth and give the same ``stats`` (benchmarks/coco_eval.py compares them)
COCO_BACKENDS = {
    'pycocotools': ('pycocotools.cocoeval', 'COCOeval'),
    'faster_coco_eval': ('faster_coco_eval', 'COCOeval_faster'),
}


@contextlib.contextmanager
def _evaluator(cls):
    """Make mmdet's ``CocoMetric.compute_metrics`` use ``cls`` as its
    COCOeval for one call.

    A last resort, named as such: mmdet's metric looks the class up as a
    global of its module and takes no argument for it, and the alternative
    is a copy of its 200-line ``compute_metrics``. The swap is undone when
    the call returns or raises.
    """
    saved = mmdet_coco_metric.COCOeval
    mmdet_coco_metric.COCOeval = cls
    try:
        yield
    finally:
        mmdet_coco_metric.COCOeval = saved


@METRICS.register_module()
class FastCocoMetric(CocoMetric):
    """mmdet's ``CocoMetric``, evaluated by ``backend``.

    A 6x run validated every 10k iterations evaluates 54 times on COCO val;
    with pycocotools each evaluation keeps rank 0 busy (and the other GPUs
    waiting) for minutes. ``faster_coco_eval`` (C++) gives the same numbers
    several times faster (``benchmarks/coco_eval.py``). Everything but the
    evaluator class is mmdet's: result files, ground truth, metric names.

    Our configs use ``backend='faster_coco_eval'``; one line goes back to
    pycocotools::

        val_evaluator = dict(backend='pycocotools')

    A backend that is not installed is an error, not a silent fallback.

    Args:
        backend (str): One of :data:`COCO_BACKENDS`. Defaults to
            'faster_coco_eval'.
        **kwargs: mmdet's ``CocoMetric`` arguments.
    """

    def __init__(self, *args, backend: str = 'faster_coco_eval',
                 **kwargs) -> None:
        if backend not in COCO_BACKENDS:
            raise ValueError(
                f'FastCocoMetric: backend={backend!r}; expected one of '
                f'{sorted(COCO_BACKENDS)}')
        module, name = COCO_BACKENDS[backend]
        try:
            self._eval_class = getattr(importlib.import_module(module), name)
        except ImportError as err:
            raise ImportError(
                f'FastCocoMetric: backend={backend!r} needs `pip install '
                f'{module.split(".")[0].replace("_", "-")}` ({err}); or set '
                "val_evaluator = dict(backend='pycocotools')") from None
        super().__init__(*args, **kwargs)
        if self.use_mp_eval:
            raise ValueError('FastCocoMetric: use_mp_eval=True is mmdet\'s '
                             'own multi-process evaluator; choose one')
        self.backend = backend

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """mmdet's computation with this metric's evaluator class."""
        with _evaluator(self._eval_class):
            return super().compute_metrics(results)


def coco_stats(ann_file: str, result_file: str, iou_type: str,
               backend: str = 'faster_coco_eval') -> np.ndarray:
    """The 12 unrounded COCOeval stats of a result file (mmdet rounds its
    metrics to 3 decimals), with one backend: what the benchmark and the
    tests compare between backends.

    Args:
        ann_file (str): COCO ground truth.
        result_file (str): Detections in COCO's result format (what
            ``CocoMetric`` writes with ``outfile_prefix``).
        iou_type (str): 'bbox' or 'segm'.
        backend (str): One of :data:`COCO_BACKENDS`.
    """
    module, name = COCO_BACKENDS[backend]
    evaluator = getattr(importlib.import_module(module), name)
    gt = COCO(ann_file)
    result = evaluator(gt, gt.loadRes(result_file), iou_type)
    result.evaluate()
    result.accumulate()
    result.summarize()
    return np.array(result.stats[:12])
