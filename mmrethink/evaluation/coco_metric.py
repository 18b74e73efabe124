"""mmdet's ``CocoMetric`` with a choice of COCO evaluation backend."""
import functools
import importlib
from typing import Dict

import numpy as np
from mmdet.datasets.api_wrappers import COCO
from mmdet.evaluation import CocoMetric
from mmdet.registry import METRICS

from ..internals import with_globals

#: backend name -> (module, COCOeval class): both take mmdet's COCO ground
#: truth and give the same ``stats`` (benchmarks/coco_eval.py compares them)
COCO_BACKENDS = {
    'pycocotools': ('pycocotools.cocoeval', 'COCOeval'),
    'faster_coco_eval': ('faster_coco_eval', 'COCOeval_faster'),
}


@functools.lru_cache(maxsize=None)
def _compute_metrics_with(eval_class):
    """mmdet's ``CocoMetric.compute_metrics`` evaluating with ``eval_class``
    (:func:`mmrethink.internals.with_globals`: the same function, reading
    ``eval_class`` where it reads the ``COCOeval`` global). Nothing of
    mmdet changes: its module, its ``CocoMetric`` and every other caller
    keep pycocotools' class, also while ours runs (swapping the module's
    global would show, for the duration of each call, to every thread of
    the process)."""
    return with_globals(CocoMetric.compute_metrics, COCOeval=eval_class)


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
        return _compute_metrics_with(self._eval_class)(self, results)


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
