# PASCAL VOC, scratch (paper §5): 144k iterations at batch 16, lr 0.02.
# UNVERIFIED: the paper gives no lr drops for VOC (the COCO rule, total-60k,
# does not fit 18k). We drop lr x0.1 at 2/3 and 8/9 of training, the shape of
# Detectron's 1x (60k and 80k of 90k): 96k and 128k.
_base_ = './iter-schedule.py'
from mmrethink.schedules import iter_schedule, short_schedule  # noqa

train_cfg, param_scheduler = iter_schedule(
    *short_schedule(144000), val_interval=2000)
