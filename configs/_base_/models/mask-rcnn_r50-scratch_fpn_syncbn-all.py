# Random initialization (paper §4), SyncBN-all: no checkpoint, nothing
# frozen, BN statistics updated throughout training (norm_eval=False).
_base_ = './mask-rcnn_r50_fpn_syncbn-all.py'

model = dict(
    backbone=dict(
        frozen_stages=-1,
        norm_eval=False,
        zero_init_residual=False,
        init_cfg=None))
