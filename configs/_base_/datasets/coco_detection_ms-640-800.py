# Scale augmentation, "train aug", for boxes only (see
# coco_instance_ms-640-800.py): the shorter side sampled in [640, 800] from
# Detectron's set, longer side at most 1333, horizontal flip; testing at 800.
_base_ = './coco_detection.py'

backend_args = None
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomChoiceResize',
         scales=[(1333, 640), (1333, 672), (1333, 704), (1333, 736),
                 (1333, 768), (1333, 800)],
         keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
