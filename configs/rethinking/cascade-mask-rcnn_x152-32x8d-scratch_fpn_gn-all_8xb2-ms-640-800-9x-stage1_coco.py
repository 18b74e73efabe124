# Paper Table 3, "+ cascade" (48.6 box / 41.4 mask), stage 1 of 2. From
# scratch, the paper trains without cascade and switches to Cascade R-CNN
# for the final 270k iterations. UNVERIFIED: the total (9x = 810k, as the
# X152 row). Stage 1 = the X152 Mask R-CNN for the first 810k - 270k = 540k
# iterations at constant lr 0.02 after warm-up: both lr drops (750k, 790k)
# fall in stage 2. Then train stage 2 (..._9x-stage2_coco.py), which loads
# work_dirs/<this config>/iter_540000.pth.
_base_ = './mask-rcnn_r50-scratch_fpn_gn-all_8xb2-ms-640-800-9x_coco.py'

# the X152 row's backbone (mask-rcnn_x152-32x8d-scratch_..._9x_coco.py)
model = dict(
    backbone=dict(type='ResNeXt', depth=152, groups=32, base_width=8))
train_cfg = dict(max_iters=9 * 90000 - 270000)
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0 / 3, by_epoch=False, begin=0,
         end=500)
]
