# Paper Table 3, first row: R101-FPN GN from scratch + train aug ([640, 800])
# for 9x: 45.0 box / 39.5 mask.
# 9x = 810k iterations at 8 GPUs x 2 images; lr drops at 750k and 790k.
_base_ = './mask-rcnn_r50-scratch_fpn_gn-all_8xb2-ms-640-800-9x_coco.py'

model = dict(backbone=dict(depth=101))
