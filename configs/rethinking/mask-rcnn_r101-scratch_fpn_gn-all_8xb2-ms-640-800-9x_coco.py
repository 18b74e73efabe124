# Paper Table 3, first row: R101-FPN GN from scratch + train aug ([640, 800])
# for 9x: 45.0 box / 39.5 mask.
# 9x = 810k iterations at 8 GPUs x 2 images; lr drops at 750k and 790k.
_base_ = [
    '../_base_/models/mask-rcnn_r50-scratch_fpn_gn-all.py',
    '../_base_/datasets/coco_instance_ms-640-800.py',
    '../_base_/schedules/iter-9x.py',
    '../_base_/default_runtime.py',
]

model = dict(backbone=dict(depth=101))
