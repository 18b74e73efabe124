# The paper's R50 GN scratch 6x recipe shrunk to run on a CPU in minutes on
# the toy shapes dataset (python -m mmrethink.datasets.toy_shapes).
# What changes, and only this: network width (ResNet-18 at 16 base channels,
# 64-channel FPN and heads), image size (192 px), RoIs per image, the data,
# and the length of "1x". Normalization (GN everywhere), the scratch
# switches, the optimizer and the lr-drop rule are inherited unchanged.
_base_ = '../rethinking/mask-rcnn_r50-scratch_fpn_gn-all_8xb2-6x_coco.py'

# GN with 32 groups cannot split 16 channels; 8 groups keeps >= 2 channels
# per group in the narrowest layer.
norm_cfg = dict(type='GN', num_groups=8, requires_grad=True)
# mmrethink.datasets.toy_shapes.CLASSES: shape/texture pairs
classes = ('stripes-square', 'dots-square', 'stripes-circle',
           'checker-circle', 'dots-triangle', 'checker-triangle')
model = dict(
    backbone=dict(depth=18, base_channels=16, norm_cfg=norm_cfg),
    # ResNet-18 stages at 16 base channels: 16, 32, 64, 128
    neck=dict(in_channels=[16, 32, 64, 128], out_channels=64,
              norm_cfg=norm_cfg),
    rpn_head=dict(in_channels=64, feat_channels=64),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=64),
        bbox_head=dict(in_channels=64, conv_out_channels=64,
                       fc_out_channels=256, num_classes=len(classes),
                       norm_cfg=norm_cfg),
        mask_roi_extractor=dict(out_channels=64),
        mask_head=dict(in_channels=64, conv_out_channels=64,
                       num_classes=len(classes), norm_cfg=norm_cfg)),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=1000, max_per_img=500),
        rcnn=dict(sampler=dict(num=128))),
    test_cfg=dict(
        rpn=dict(nms_pre=500, max_per_img=300),
        rcnn=dict(max_per_img=50)))

# Toy data: 192-px images; one process loads them (2 cores in all).
data_root = 'data/toy_shapes/'
metainfo = dict(classes=classes)
backend_args = None
img_scale = (192, 192)
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor'))
]
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(
        data_root=data_root, metainfo=metainfo,
        ann_file='annotations/instances_train.json',
        data_prefix=dict(img='train/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=8),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(
        data_root=data_root, metainfo=metainfo,
        ann_file='annotations/instances_val.json',
        data_prefix=dict(img='val/'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = val_evaluator

# Toy "1x" = 150 iterations at batch 4; 6x = 900 with the paper's rule in
# proportion: drops at 900 - 150*60/90 = 800 and 900 - 150*20/90 = 867.
from mmrethink.utils.schedules import iter_schedule, paper_schedule  # noqa

toy_1x = 150
max_iters = 6 * toy_1x
train_cfg, param_scheduler = iter_schedule(
    *paper_schedule(6, iters_per_x=toy_1x), warmup_iters=toy_1x // 2,
    val_interval=toy_1x)
# lr 0.02 is for batch 16; linear scaling to batch 4 gives 0.005
optim_wrapper = dict(optimizer=dict(lr=0.005))
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=toy_1x, max_keep_ckpts=2))
log_processor = dict(window_size=10)
