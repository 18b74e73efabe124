# The toy scratch recipe (..._toy-4x_shapes.py) for toy 2x: 1536 iterations,
# lr x0.1 at 1024 and 1365 (the paper's rule in proportion).
_base_ = './mask-rcnn_r18-scratch_fpn_gn-all_1xb4-toy-4x_shapes.py'
from mmrethink.utils.schedules import TOY_1X, toy_schedule  # noqa

max_iters = 2 * TOY_1X
train_cfg, param_scheduler = toy_schedule(2)
