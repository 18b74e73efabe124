"""mmdet's ``CocoMetric`` with a choice of COCO evaluation backend."""
import contextlib
import importlib
from typing import Dict, Optional

import mmdet.evaluation.metrics.coco_metric as mmdet_coco_metric
import numpy as np
from mmdet.evaluation import CocoMetric
from mmdet.registry import METRICS

from ..utils.options import strict_options

#: backend name -> (module, COCOeval class): both take mmdet's COCO ground
#: truth and give the same ``stats`` (benchmarks/coco_eval.py checks to 1e-4)
COCO_BACKENDS = {
    'pycocotools': ('pycocotools.cocoeval', 'COCOeval'),
    'faster_coco_eval': ('faster_coco_eval', 'COCOeval_faster'),
}


@contextlib.contextmanager
def _evaluator(cls):
    """Let mmdet's ``CocoMetric.compute_metrics`` use ``cls`` as COCOeval
    for the duration of one call (it looks the name up in its module)."""
    saved = mmdet_coco_metric.COCOeval
    mmdet_coco_metric.COCOeval = cls
    try:
        yield
    finally:
        mmdet_coco_metric.COCOeval = saved


@METRICS.register_module()
@strict_options
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
    After each evaluation, ``coco_stats`` holds the unrounded COCOeval
    ``stats`` per IoU type (mmdet rounds the metrics to 3 decimals).

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
        self.coco_stats: Dict[str, np.ndarray] = {}

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """mmdet's computation with this metric's evaluator class."""
        stats: Dict[str, np.ndarray] = {}

        class Recording(self._eval_class):

            def summarize(self, *args, **kwargs) -> Optional[object]:
                out = super().summarize(*args, **kwargs)
                stats[self.params.iouType] = np.array(self.stats[:12])
                return out

        with _evaluator(Recording):
            metrics = super().compute_metrics(results)
        self.coco_stats = stats
        return metrics
