# Paper §5 "train aug": R101-FPN GN ImageNet-pretrained with scale
# augmentation ([640, 800]) for 6x, the pretrained arm of Table 3's R101
# comparison (no number given in the text).
# 6x = 540k iterations at 8 GPUs x 2 images; lr drops at 480k and 520k.
_base_ = './mask-rcnn_r50_fpn_gn-all_8xb2-ms-640-800-6x_coco.py'

# Detectron's GN ResNet-101 weights (same preprocessing as R50's)
model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(checkpoint='open-mmlab://detectron/resnet101_gn')))
