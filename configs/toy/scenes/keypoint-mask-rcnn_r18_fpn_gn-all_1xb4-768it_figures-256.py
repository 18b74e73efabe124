# Toy study (docs/toy.md, the protocol): the keypoint-pretrained arm on
# the 256 training images of the stick figures;
# 768 iterations at batch 4, lr x0.1 at 512 and 682 (2/3 and 8/9).
_base_ = '../keypoint-mask-rcnn_r18_fpn_gn-all_1xb4-toy-1x_figures.py'
from mmrethink.schedules import toy_study_schedule  # noqa

train_cfg, param_scheduler = toy_study_schedule(768, interval=256)
default_hooks = dict(checkpoint=dict(interval=256))
model = dict(backbone=dict(init_cfg=dict(
    checkpoint='work_dirs/toy-study/pretrain/other.pth')))
