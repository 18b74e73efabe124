# COCO boxes, the paper's default input (§4): shorter side 800, longer side
# at most 1333, horizontal flip; no test-time augmentation.
_base_ = 'mmdet::_base_/datasets/coco_detection.py'

backend_args = None
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
# iteration-based schedules: an endless sampler (see coco_instance.py)
# mmdet's CocoDataset with input checks (see coco_instance.py)
dataset_type = 'CheckedCocoDataset'
train_dataloader = dict(
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(type=dataset_type))
test_dataloader = dict(dataset=dict(type=dataset_type))
# mmdet's CocoMetric evaluated by faster-coco-eval (see coco_instance.py)
val_evaluator = dict(type='FastCocoMetric', backend='faster_coco_eval')
test_evaluator = dict(type='FastCocoMetric', backend='faster_coco_eval')
