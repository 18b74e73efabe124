# Mask R-CNN R50-FPN with synchronized BatchNorm in all layers (paper §4,
# Fig. 4): backbone, FPN, box head (4conv1fc) and mask head; the RPN head
# has none. SyncBN statistics span all GPUs (8 x 2 = 16 images); on a
# single process mmengine reverts SyncBN to plain BN.
_base_ = 'mmdet::_base_/models/mask-rcnn_r50_fpn.py'

norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    backbone=dict(norm_cfg=norm_cfg),
    neck=dict(norm_cfg=norm_cfg),
    roi_head=dict(
        bbox_head=dict(
            type='Shared4Conv1FCBBoxHead',
            conv_out_channels=256,
            norm_cfg=norm_cfg),
        mask_head=dict(norm_cfg=norm_cfg)))
