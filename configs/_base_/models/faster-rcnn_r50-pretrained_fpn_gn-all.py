# ImageNet initialization for GN-all: Detectron's GN ResNet weights (BGR
# input, mean subtracted, unit std), fine-tuned with nothing frozen.
_base_ = './faster-rcnn_r50_fpn_gn-all.py'

model = dict(
    data_preprocessor=dict(
        mean=[103.530, 116.280, 123.675], std=[1.0, 1.0, 1.0],
        bgr_to_rgb=False),
    backbone=dict(
        frozen_stages=-1,
        norm_eval=False,
        zero_init_residual=False,
        init_cfg=dict(type='Pretrained',
                      checkpoint='open-mmlab://detectron/resnet50_gn')))
