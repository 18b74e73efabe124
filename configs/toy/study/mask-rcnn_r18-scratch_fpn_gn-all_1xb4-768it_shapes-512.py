# Toy study (make reproduce-toy, docs/toy.md): the scratch toy recipe on
# 512 of the study's toy training images (a fixed random subset, the
# same for both arms and nested in the larger ones), 768 iterations at
# batch 4, lr x0.1 at 512 and 682 (2/3 and 8/9: the subset rule,
# UNVERIFIED).
_base_ = '../mask-rcnn_r18-scratch_fpn_gn-all_1xb4-toy-1x_shapes.py'
from mmrethink.schedules import toy_study_schedule  # noqa

train_cfg, param_scheduler = toy_study_schedule(768)
train_dataloader = dict(
    sampler=dict(type='InfiniteSubsetSampler', subset_size=512,
                 subset_seed=0))
default_hooks = dict(checkpoint=dict(interval=256))
