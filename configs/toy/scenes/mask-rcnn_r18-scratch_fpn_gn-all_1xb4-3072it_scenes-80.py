# Toy study (docs/toy.md, the protocol): the scratch arm on
# 80 of the toy scenes' training images (a fixed random
# subset, nested in the larger ones, the same for every arm);
# 3072 iterations at batch 4, lr x0.1 at 2048 and 2730 (2/3 and 8/9).
_base_ = '../mask-rcnn_r18-scratch_fpn_gn-all_1xb4-toy-1x_scenes.py'
from mmrethink.schedules import toy_study_schedule  # noqa

train_cfg, param_scheduler = toy_study_schedule(3072, interval=1024)
default_hooks = dict(checkpoint=dict(interval=1024))
train_dataloader = dict(
    sampler=dict(type='InfiniteSubsetSampler', subset_size=80,
                 subset_seed=0))
