from .coco_metric import COCO_BACKENDS, FastCocoMetric, coco_stats
from .keypoint_metric import CocoKeypointMetric

__all__ = ['FastCocoMetric', 'COCO_BACKENDS', 'coco_stats',
           'CocoKeypointMetric']
