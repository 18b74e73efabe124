# Paper Table 3, second row: ResNeXt-152 32x8d FPN GN from scratch + train
# aug ([640, 800]): 46.4 box / 40.5 mask. UNVERIFIED: the schedule; 9x as
# for the R101 row: 810k iterations, lr drops at 750k and 790k.
_base_ = './mask-rcnn_r50-scratch_fpn_gn-all_8xb2-ms-640-800-9x_coco.py'

model = dict(
    backbone=dict(type='ResNeXt', depth=152, groups=32, base_width=8))
