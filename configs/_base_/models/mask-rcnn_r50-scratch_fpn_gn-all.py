# Mask R-CNN R50-FPN with GroupNorm in all layers (paper §4 "Normalization"):
# backbone, FPN, box head (4conv1fc, as Detectron's GN baselines) and mask
# head; the RPN head has no normalization. 32 groups (GN paper default).
# Random initialization (paper §4 "Training from scratch"): no checkpoint,
# MSRA init, nothing frozen, no norm layer in eval mode; the ImageNet
# twins (*-pretrained_*) keep these and add only their weights. zero_init_
# residual: paper silent; Detectron keeps the default (False), as mmdet does.
# RoIAlign samples 2x2 points per bin (paper silent; Detectron's
# ROI_XFORM_SAMPLING_RATIO: 2, where mmdet's 0 samples adaptively).
_base_ = 'mmdet::_base_/models/mask-rcnn_r50_fpn.py'

norm_cfg = dict(type='GN', num_groups=32, requires_grad=True)
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
        bbox_head=dict(
            type='Shared4Conv1FCBBoxHead',
            conv_out_channels=256,
            norm_cfg=norm_cfg),
        mask_roi_extractor=dict(roi_layer=dict(sampling_ratio=2)),
        mask_head=dict(norm_cfg=norm_cfg)))
