# Paper §5 "PASCAL VOC": Faster R-CNN R101-FPN GN ImageNet-pretrained + train
# aug, 18k iterations: 82.7 mAP (VOC 2012 val). 8 GPUs x 2 images.
# The scratch twin with ImageNet weights and its own length. UNVERIFIED lr
# drops, as the scratch twin's: 2/3 and 8/9 of training (12k and 16k).
_base_ = './faster-rcnn_r101-scratch_fpn_gn-all_8xb2-ms-640-800-144k_voc0712.py'
from mmrethink.schedules import iter_schedule, short_schedule  # noqa

train_cfg, param_scheduler = iter_schedule(
    *short_schedule(18000), val_interval=2000)
# Detectron's GN ResNet-101 weights, with the BGR, unit-std input they expect
# (as _base_/models/mask-rcnn_r50-pretrained_fpn_gn-all.py)
model = dict(
    data_preprocessor=dict(
        mean=[103.530, 116.280, 123.675], std=[1.0, 1.0, 1.0],
        bgr_to_rgb=False),
    backbone=dict(
        init_cfg=dict(_delete_=True, type='Pretrained',
                      checkpoint='open-mmlab://detectron/resnet101_gn')))
