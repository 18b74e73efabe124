# 11x = 11 x 90k = 990k iterations at batch 16, lr x0.1 at 930k and 970k
# (paper §4: total-60k and total-20k); the scratch VGG-16 without
# normalization (paper §5). Warm-up: Detectron's (mmrethink.schedules).
_base_ = './iter-schedule.py'
from mmrethink.schedules import iter_schedule, paper_schedule  # noqa

train_cfg, param_scheduler = iter_schedule(*paper_schedule(11))
