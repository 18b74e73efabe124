# Paper §5 "PASCAL VOC": Faster R-CNN R101-FPN GN ImageNet-pretrained + train
# aug, 18k iterations: 82.7 mAP (VOC 2012 val). 8 GPUs x 2 images.
_base_ = [
    '../_base_/models/faster-rcnn_r50-pretrained_fpn_gn-all.py',
    '../_base_/datasets/voc0712_ms-640-800.py',
    '../_base_/schedules/iter-voc-18k.py',
    '../_base_/default_runtime.py',
]

# Detectron's GN ResNet-101 weights (same preprocessing as R50's)
model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(type='Pretrained',
                      checkpoint='open-mmlab://detectron/resnet101_gn')),
    roi_head=dict(bbox_head=dict(num_classes=20)))
default_hooks = dict(checkpoint=dict(interval=2000))
# the runtime's hooks, with the curve watching VOC's metric
custom_hooks = [
    dict(type='CurveHook', monitor='pascal_voc/mAP'),
    dict(type='DivergenceHook'),
    dict(type='PreemptionHook'),
    dict(type='RandomStateHook')
]
