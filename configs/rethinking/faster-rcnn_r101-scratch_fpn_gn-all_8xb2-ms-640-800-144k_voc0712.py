# Paper §5 "PASCAL VOC": Faster R-CNN R101-FPN GN from scratch + train aug,
# 144k iterations: 77.6 mAP (VOC 2012 val). 8 GPUs x 2 images.
_base_ = [
    '../_base_/models/faster-rcnn_r50-scratch_fpn_gn-all.py',
    '../_base_/datasets/voc0712_ms-640-800.py',
    '../_base_/schedules/iter-voc-144k.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(depth=101), roi_head=dict(bbox_head=dict(num_classes=20)))
default_hooks = dict(
    checkpoint=dict(interval=2000, save_best='pascal_voc/mAP'))
# the runtime's hooks, with the curve watching VOC's metric
custom_hooks = [
    dict(type='CurveHook', monitor='pascal_voc/mAP'),
    dict(type='DivergenceHook'),
    dict(type='RandomStateHook')
]
