# Cascade Mask R-CNN R50-FPN with GroupNorm in all layers (paper Table 3,
# "+ cascade"): backbone, FPN, the 4conv1fc box head of each of the three
# stages, and the mask head. mmdet's CascadeRoIHead puts a mask head on
# every stage (the paper: on the last stage only); its test output uses the
# mask of the last stage.
# Random initialization (paper §4 "Training from scratch"), as in
# mask-rcnn_r50-scratch_fpn_gn-all.py.
# RoIAlign samples 2x2 points per bin (paper silent; Detectron's
# ROI_XFORM_SAMPLING_RATIO: 2, where mmdet's 0 samples adaptively).
_base_ = 'mmdet::_base_/models/cascade-mask-rcnn_r50_fpn.py'

norm_cfg = dict(type='GN', num_groups=32, requires_grad=True)
# per-stage regression target stds, as in mmdet's cascade base
cascade_target_stds = ([0.1, 0.1, 0.2, 0.2], [0.05, 0.05, 0.1, 0.1],
                       [0.033, 0.033, 0.067, 0.067])
model = dict(
    backbone=dict(
        norm_cfg=norm_cfg,
        frozen_stages=-1,
        norm_eval=False,
        zero_init_residual=False,
        init_cfg=None),
    neck=dict(norm_cfg=norm_cfg),
    roi_head=dict(
        bbox_roi_extractor=dict(roi_layer=dict(sampling_ratio=2)),
        mask_roi_extractor=dict(roi_layer=dict(sampling_ratio=2)),
        # the list replaces the base's whole, so every stage is restated
        bbox_head=[
            dict(
                type='Shared4Conv1FCBBoxHead',
                in_channels=256,
                conv_out_channels=256,
                fc_out_channels=1024,
                roi_feat_size=7,
                num_classes=80,
                norm_cfg=norm_cfg,
                bbox_coder=dict(
                    type='DeltaXYWHBBoxCoder',
                    target_means=[0., 0., 0., 0.],
                    target_stds=stds),
                reg_class_agnostic=True,
                loss_cls=dict(
                    type='CrossEntropyLoss', use_sigmoid=False,
                    loss_weight=1.0),
                loss_bbox=dict(type='SmoothL1Loss', beta=1.0,
                               loss_weight=1.0))
            for stds in cascade_target_stds
        ],
        mask_head=dict(norm_cfg=norm_cfg)))
