# Toy study (docs/toy.md, the protocol): the pretrained-shapes arm on
# 1024 of the toy scenes' training images (a fixed random
# subset, nested in the larger ones, the same for every arm);
# 12288 iterations at batch 4, lr x0.1 at 8192 and 10922 (2/3 and 8/9).
_base_ = '../mask-rcnn_r18_fpn_gn-all_1xb4-toy-1x_scenes.py'
from mmrethink.schedules import toy_study_schedule  # noqa

train_cfg, param_scheduler = toy_study_schedule(12288, interval=1024)
default_hooks = dict(checkpoint=dict(interval=1024))
train_dataloader = dict(
    sampler=dict(type='InfiniteSubsetSampler', subset_size=1024,
                 subset_seed=0))
model = dict(backbone=dict(init_cfg=dict(
    checkpoint='work_dirs/toy-study/pretrain/shapes.pth')))
