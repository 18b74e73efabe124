# Paper Table 3, "+ cascade": 48.6 box / 41.4 mask, stage 2 of 2. Cascade
# Mask R-CNN X152 GN for the final 270k iterations of the 9x run, starting
# from stage 1's weights (backbone, FPN, RPN; the cascade box heads start
# from random init). Iterations 540k..810k of the whole run are 0..270k
# here, so the whole run's lr drops at 750k and 790k are at 210k and 250k:
# the 3x rule (270k - 60k, 270k - 20k). UNVERIFIED: warm-up at the switch
# (we warm up again, 500 iterations from 1/3, for the new heads).
_base_ = [
    '../_base_/models/cascade-mask-rcnn_r50-scratch_fpn_gn-all.py',
    '../_base_/datasets/coco_instance_ms-640-800.py',
    '../_base_/schedules/iter-3x.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(type='ResNeXt', depth=152, groups=32, base_width=8))
# not an ImageNet checkpoint: this run's own stage 1
load_from = ('work_dirs/cascade-mask-rcnn_x152-32x8d-scratch_fpn_gn-all_'
             '8xb2-ms-640-800-9x-stage1_coco/iter_540000.pth')
