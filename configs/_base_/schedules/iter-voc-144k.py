# PASCAL VOC, scratch (paper §5): 144k iterations at batch 16, lr 0.02.
# UNVERIFIED: the paper gives no lr drops for VOC (the COCO rule, total-60k,
# does not fit 18k). We drop lr x0.1 at 2/3 and 8/9 of training, the shape of
# Detectron's 1x (60k and 80k of 90k): 96k and 128k.
_base_ = './iter-schedule.py'

max_iters = 144000
train_cfg = dict(max_iters=max_iters, val_interval=2000)
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0 / 3, by_epoch=False, begin=0,
         end=500),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters,
         milestones=[max_iters * 2 // 3, max_iters * 8 // 9], gamma=0.1)
]
