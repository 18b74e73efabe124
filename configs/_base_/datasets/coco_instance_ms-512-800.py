# Scale augmentation of the paper's 35k-subset experiments (§5, "Training
# with less data"): shorter side sampled in [512, 800], here from the set
# (512, 544, ..., 800) in Detectron's steps of 32; longer side at most 1333;
# horizontal flip. Testing stays at 800.
_base_ = './coco_instance.py'

backend_args = None
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomChoiceResize',
         scales=[(1333, s) for s in range(512, 801, 32)],
         keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
