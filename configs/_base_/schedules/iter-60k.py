# 60k iterations at batch 16, for the COCO subsets (paper §5: the 10k
# subset trains 60k iterations pretrained). UNVERIFIED lr drops: the paper
# rule (total-60k) does not fit short runs; we drop x0.1 at 2/3 and 8/9 of
# training, the shape of Detectron's 1x (60k and 80k of 90k):
# 40k and 53k. 20 points on the curve.
_base_ = './iter-schedule.py'
from mmrethink.schedules import iter_schedule, short_schedule  # noqa

train_cfg, param_scheduler = iter_schedule(
    *short_schedule(60000), val_interval=60000 // 20)
