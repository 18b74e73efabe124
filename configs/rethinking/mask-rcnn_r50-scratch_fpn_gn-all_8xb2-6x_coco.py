# Paper Table 1, Mask R-CNN R50-FPN GN, from scratch, 6x: box AP 41.3;
# best run of Table 2: 41.3 box / 36.6 mask (Table 2).
# 6x = 540k iterations at 8 GPUs x 2 images; lr drops at 480k and 520k.
_base_ = [
    '../_base_/models/mask-rcnn_r50-scratch_fpn_gn-all.py',
    '../_base_/datasets/coco_instance.py',
    '../_base_/schedules/iter-6x.py',
    '../_base_/default_runtime.py',
]
