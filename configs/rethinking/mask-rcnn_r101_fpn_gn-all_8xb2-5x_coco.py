# Paper Table 1, Mask R-CNN R101-FPN GN, ImageNet-pretrained, 5x: box AP 41.9.
# 5x = 450k iterations at 8 GPUs x 2 images; lr drops at 390k and 430k.
_base_ = './mask-rcnn_r50_fpn_gn-all_8xb2-5x_coco.py'

# Detectron's GN ResNet-101 weights (same preprocessing as R50's)
model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(checkpoint='open-mmlab://detectron/resnet101_gn')))
