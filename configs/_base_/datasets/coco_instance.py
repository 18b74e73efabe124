# COCO instances, the paper's default input (§4): shorter side 800, longer
# side at most 1333, horizontal flip; no test-time augmentation.
_base_ = 'mmdet::_base_/datasets/coco_instance.py'

backend_args = None
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
# Iteration-based schedules (paper §4): an endless sampler, so that an
# epoch boundary never falls inside an iteration count.
# CheckedCocoDataset (mmrethink.datasets): mmdet's CocoDataset that checks
# its input at start (annotation file, keys, classes, image files) and
# names the file, key or image at fault.
dataset_type = 'CheckedCocoDataset'
train_dataloader = dict(
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(type=dataset_type))
test_dataloader = dict(dataset=dict(type=dataset_type))
# mmdet's CocoMetric evaluated by faster-coco-eval: the same AP, several
# times faster (benchmarks/coco_eval.py; README "Performance"). Back to
# pycocotools with one line: val_evaluator = dict(backend='pycocotools')
val_evaluator = dict(type='FastCocoMetric', backend='faster_coco_eval')
test_evaluator = dict(type='FastCocoMetric', backend='faster_coco_eval')
