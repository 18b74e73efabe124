# Random initialization (paper §4 "Training from scratch"): no checkpoint,
# MSRA init of every layer, nothing frozen, no norm layer in eval mode.
# zero_init_residual: paper silent; Detectron's scratch GN configs keep the
# default (False), as mmdet's configs/scratch do.
_base_ = './mask-rcnn_r50_fpn_gn-all.py'

model = dict(
    backbone=dict(
        frozen_stages=-1,
        norm_eval=False,
        zero_init_residual=False,
        init_cfg=None))
