# Scale augmentation, "train aug" (paper §4 / Table 3): the shorter side is
# sampled in [640, 800] per image, from Detectron's set (640, 672, ..., 800);
# longer side at most 1333; horizontal flip. Testing stays at 800.
_base_ = './coco_instance.py'

backend_args = None
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomChoiceResize',
         scales=[(1333, 640), (1333, 672), (1333, 704), (1333, 736),
                 (1333, 768), (1333, 800)],
         keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
