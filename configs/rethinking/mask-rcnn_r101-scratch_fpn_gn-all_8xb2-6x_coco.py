# Paper Table 1, Mask R-CNN R101-FPN GN, from scratch, 6x: box AP 42.7;
# best run of Table 2: 42.7 box / 37.6 mask (Table 2).
# 6x = 540k iterations at 8 GPUs x 2 images; lr drops at 480k and 520k.
_base_ = './mask-rcnn_r50-scratch_fpn_gn-all_8xb2-6x_coco.py'

model = dict(backbone=dict(depth=101))
