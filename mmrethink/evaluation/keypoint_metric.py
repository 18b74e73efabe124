"""COCO keypoint AP (OKS), beside mmdet's box and mask AP."""
from typing import Dict, List, Sequence

import numpy as np
from mmdet.registry import METRICS
from mmengine.logging import print_log

from .coco_metric import FastCocoMetric

#: the names COCOeval's 10 keypoint stats get (``coco/keypoints_<name>``)
KEYPOINT_STATS = ('mAP', 'mAP_50', 'mAP_75', 'mAP_m', 'mAP_l', 'AR',
                  'AR_50', 'AR_75', 'AR_m', 'AR_l')


@METRICS.register_module()
class CocoKeypointMetric(FastCocoMetric):
    """``FastCocoMetric`` (mmdet's ``CocoMetric``) that also evaluates the
    predicted keypoints: COCOeval's ``'keypoints'`` evaluation (OKS, its
    default sigmas for COCO's 17 person keypoints), reported as
    ``coco/keypoints_mAP``, ``coco/keypoints_mAP_50``, ... so that curves,
    ``save_best`` and publishing take it as they take box AP.

    The ground truth is the ``ann_file`` (a ``person_keypoints_*.json``);
    each detection is its box's score and its ``pred_instances.keypoints``
    (x, y, score per keypoint, in original image pixels).

    Args:
        metric (str | list[str]): ``'keypoints'`` and any of mmdet's
            (``'bbox'``, ``'segm'``). Defaults to ``['bbox', 'keypoints']``.
        **kwargs: ``FastCocoMetric``'s arguments (``backend``, ...).
    """

    def __init__(self, metric=('bbox', 'keypoints'), **kwargs) -> None:
        metrics = [metric] if isinstance(metric, str) else list(metric)
        self.with_keypoints = 'keypoints' in metrics
        others = [m for m in metrics if m != 'keypoints']
        super().__init__(metric=others or ['bbox'], **kwargs)
        self._report = set(others)
        if self.with_keypoints and self._coco_api is None:
            raise ValueError('CocoKeypointMetric: the keypoint evaluation '
                             'needs ann_file (the person_keypoints_*.json '
                             'ground truth)')

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """mmdet's, then each sample's keypoints with its result."""
        super().process(data_batch, data_samples)
        if not self.with_keypoints:
            return
        for (_, result), sample in zip(self.results[-len(data_samples):],
                                       data_samples):
            result['keypoints'] = \
                sample['pred_instances']['keypoints'].cpu().numpy()

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Box / mask AP as mmdet computes them, then keypoint AP."""
        metrics = {}
        if self._report:
            metrics.update(super().compute_metrics(results))
        if self.with_keypoints:
            stats = self.keypoint_stats([r for _, r in results])
            for name, value in zip(KEYPOINT_STATS, stats):
                metrics[f'keypoints_{name}'] = float(f'{value:.3f}')
        return metrics

    def keypoint_detections(self, results: List[dict]) -> List[dict]:
        """The results in COCO's keypoint result format."""
        cat_ids = self._coco_api.get_cat_ids(
            cat_names=self.dataset_meta['classes'])
        detections = []
        for result in results:
            for label, score, points in zip(result['labels'],
                                            result['scores'],
                                            result['keypoints']):
                flat = np.asarray(points, dtype=np.float64).reshape(-1, 3)
                detections.append(dict(
                    image_id=int(result['img_id']),
                    category_id=int(cat_ids[int(label)]),
                    keypoints=[float(v) for v in flat.ravel()],
                    score=float(score)))
        return detections

    def keypoint_stats(self, results: List[dict]) -> np.ndarray:
        """COCOeval's 10 keypoint stats (unrounded)."""
        detections = self.keypoint_detections(results)
        if not detections:
            print_log('CocoKeypointMetric: no keypoint detections; keypoint '
                      'AP is 0', logger='current', level=30)
            return np.zeros(len(KEYPOINT_STATS))
        gt = self._coco_api
        evaluator = self._eval_class(gt, gt.loadRes(detections), 'keypoints')
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
        return np.asarray(evaluator.stats[:len(KEYPOINT_STATS)])
