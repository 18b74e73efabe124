# Paper Table 1, Mask R-CNN R101-FPN GN, from scratch, 5x: box AP 42.2.
# 5x = 450k iterations at 8 GPUs x 2 images; lr drops at 390k and 430k.
_base_ = './mask-rcnn_r50-scratch_fpn_gn-all_8xb2-5x_coco.py'

model = dict(backbone=dict(depth=101))
