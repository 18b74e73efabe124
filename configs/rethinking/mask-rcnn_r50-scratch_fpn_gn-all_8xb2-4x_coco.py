# Paper Table 1, Mask R-CNN R50-FPN GN, from scratch, 4x: box AP 40.6.
# 4x = 360k iterations at 8 GPUs x 2 images; lr drops at 300k and 340k.
_base_ = [
    '../_base_/models/mask-rcnn_r50-scratch_fpn_gn-all.py',
    '../_base_/datasets/coco_instance.py',
    '../_base_/schedules/iter-4x.py',
    '../_base_/default_runtime.py',
]
