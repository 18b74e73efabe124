# ImageNet initialization of the keypoint model (paper Fig. 6, "ImageNet
# pre-training"): the scratch keypoint base with the weights and input
# preprocessing of ./mask-rcnn_r50-pretrained_fpn_gn-all.py (Detectron's GN
# ResNet-50, BGR input with the mean subtracted and unit std), fine-tuned
# with nothing frozen. Differs from the scratch base only in these.
_base_ = './keypoint-mask-rcnn_r50-scratch_fpn_gn-all.py'

model = dict(
    data_preprocessor=dict(
        mean=[103.530, 116.280, 123.675], std=[1.0, 1.0, 1.0],
        bgr_to_rgb=False),
    backbone=dict(
        init_cfg=dict(_delete_=True, type='Pretrained',
                      checkpoint='open-mmlab://detectron/resnet50_gn')))
