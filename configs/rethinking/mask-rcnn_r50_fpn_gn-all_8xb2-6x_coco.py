# Paper Table 1, Mask R-CNN R50-FPN GN, ImageNet-pretrained, 6x: box AP 41.1;
# best run of Table 2: 41.1 box / 36.4 mask (Table 2).
# 6x = 540k iterations at 8 GPUs x 2 images; lr drops at 480k and 520k.
_base_ = [
    '../_base_/models/mask-rcnn_r50-pretrained_fpn_gn-all.py',
    '../_base_/datasets/coco_instance.py',
    '../_base_/schedules/iter-6x.py',
    '../_base_/default_runtime.py',
]
