# ImageNet initialization for SyncBN-all (paper §4, Fig. 4): torchvision's
# ResNet weights (RGB input, ImageNet mean/std: mmdet's default
# preprocessing), fine-tuned with nothing frozen and BN statistics updated.
# Differs from the scratch base only in init_cfg.
_base_ = './mask-rcnn_r50_fpn_syncbn-all.py'

model = dict(
    backbone=dict(
        frozen_stages=-1,
        norm_eval=False,
        zero_init_residual=False,
        init_cfg=dict(type='Pretrained',
                      checkpoint='torchvision://resnet50')))
