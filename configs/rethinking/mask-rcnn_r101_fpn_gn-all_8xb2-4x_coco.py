# Paper Table 1, Mask R-CNN R101-FPN GN, ImageNet-pretrained, 4x: box AP 42.3.
# 4x = 360k iterations at 8 GPUs x 2 images; lr drops at 300k and 340k.
_base_ = './mask-rcnn_r50_fpn_gn-all_8xb2-4x_coco.py'

# Detectron's GN ResNet-101 weights (same preprocessing as R50's)
model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(checkpoint='open-mmlab://detectron/resnet101_gn')))
