# Paper §5 "train aug": R101-FPN GN ImageNet-pretrained with scale
# augmentation ([640, 800]) for 6x, the pretrained arm of Table 3's R101
# comparison (no number given in the text).
# 6x = 540k iterations at 8 GPUs x 2 images; lr drops at 480k and 520k.
_base_ = [
    '../_base_/models/mask-rcnn_r50-pretrained_fpn_gn-all.py',
    '../_base_/datasets/coco_instance_ms-640-800.py',
    '../_base_/schedules/iter-6x.py',
    '../_base_/default_runtime.py',
]

# Detectron's GN ResNet-101 weights (same preprocessing as R50's)
model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(type='Pretrained',
                      checkpoint='open-mmlab://detectron/resnet101_gn')))
