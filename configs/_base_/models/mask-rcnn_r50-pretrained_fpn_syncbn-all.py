# ImageNet initialization for SyncBN-all (paper §4, Fig. 4): torchvision's
# ResNet weights (RGB input, ImageNet mean/std: mmdet's default
# preprocessing), fine-tuned with nothing frozen and BN statistics updated
# (the scratch base's switches). Differs from the scratch base only in
# init_cfg.
_base_ = './mask-rcnn_r50-scratch_fpn_syncbn-all.py'

model = dict(
    backbone=dict(
        init_cfg=dict(_delete_=True, type='Pretrained',
                      checkpoint='torchvision://resnet50')))
