# 4x = 4 x 90k = 360k iterations at batch 16, lr x0.1 at 300k and 340k
# (paper §4: total-60k and total-20k). Warm-up: paper silent; Detectron's
# linear warm-up, 500 iterations from 1/3 (mmrethink.schedules).
_base_ = './iter-schedule.py'
from mmrethink.schedules import iter_schedule, paper_schedule  # noqa

train_cfg, param_scheduler = iter_schedule(*paper_schedule(4))
