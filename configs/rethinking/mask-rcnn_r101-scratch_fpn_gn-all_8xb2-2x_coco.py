# Paper Table 1, Mask R-CNN R101-FPN GN, from scratch, 2x: box AP 38.2.
# 2x = 180k iterations at 8 GPUs x 2 images; lr drops at 120k and 160k.
_base_ = './mask-rcnn_r50-scratch_fpn_gn-all_8xb2-2x_coco.py'

model = dict(backbone=dict(depth=101))
