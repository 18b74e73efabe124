from .coco_metric import COCO_BACKENDS, FastCocoMetric, coco_stats

__all__ = ['FastCocoMetric', 'COCO_BACKENDS', 'coco_stats']
