# Mask R-CNN R50-FPN with synchronized BatchNorm in all layers (paper §4,
# Fig. 4): backbone, FPN, box head (4conv1fc) and mask head; the RPN head
# has none. SyncBN statistics span all GPUs (8 x 2 = 16 images).
# Random initialization (paper §4 "Training from scratch"): no checkpoint,
# MSRA init, nothing frozen, no norm layer in eval mode; the ImageNet
# twins (*-pretrained_*) keep these and add only their weights. zero_init_
# residual: paper silent; Detectron keeps the default (False), as mmdet does.
_base_ = './mask-rcnn_r50-scratch_fpn_gn-all.py'

norm_cfg = dict(_delete_=True, type='SyncBN', requires_grad=True)
model = dict(
    backbone=dict(norm_cfg=norm_cfg),
    neck=dict(norm_cfg=norm_cfg),
    roi_head=dict(
        bbox_head=dict(norm_cfg=norm_cfg),
        mask_head=dict(norm_cfg=norm_cfg)))
