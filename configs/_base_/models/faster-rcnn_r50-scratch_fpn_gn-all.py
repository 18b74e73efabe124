# Random initialization (paper §4): no checkpoint, nothing frozen.
_base_ = './faster-rcnn_r50_fpn_gn-all.py'

model = dict(
    backbone=dict(
        frozen_stages=-1,
        norm_eval=False,
        zero_init_residual=False,
        init_cfg=None))
