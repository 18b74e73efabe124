from .coco_metric import COCO_BACKENDS, FastCocoMetric

__all__ = ['FastCocoMetric', 'COCO_BACKENDS']
