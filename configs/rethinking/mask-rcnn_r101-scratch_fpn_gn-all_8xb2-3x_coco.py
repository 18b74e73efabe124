# Paper Table 1, Mask R-CNN R101-FPN GN, from scratch, 3x: box AP 41.0.
# 3x = 270k iterations at 8 GPUs x 2 images; lr drops at 210k and 250k.
_base_ = './mask-rcnn_r50-scratch_fpn_gn-all_8xb2-3x_coco.py'

model = dict(backbone=dict(depth=101))
