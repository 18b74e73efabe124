# ImageNet initialization for GN-all (paper §4 "Baselines"): Detectron's
# GN ResNet weights, as mmdet's configs/gn load them, fine-tuned with
# nothing frozen and GN active everywhere (the scratch base's switches).
# Those weights (converted from Caffe2) expect BGR input with the mean
# subtracted and unit std. Differs from the scratch base only in init_cfg
# and preprocessing.
_base_ = './mask-rcnn_r50-scratch_fpn_gn-all.py'

model = dict(
    data_preprocessor=dict(
        mean=[103.530, 116.280, 123.675], std=[1.0, 1.0, 1.0],
        bgr_to_rgb=False),
    backbone=dict(
        init_cfg=dict(_delete_=True, type='Pretrained',
                      checkpoint='open-mmlab://detectron/resnet50_gn')))
