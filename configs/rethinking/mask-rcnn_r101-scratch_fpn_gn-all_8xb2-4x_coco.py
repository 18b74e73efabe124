# Paper Table 1, Mask R-CNN R101-FPN GN, from scratch, 4x: box AP 41.8.
# 4x = 360k iterations at 8 GPUs x 2 images; lr drops at 300k and 340k.
_base_ = './mask-rcnn_r50-scratch_fpn_gn-all_8xb2-4x_coco.py'

model = dict(backbone=dict(depth=101))
