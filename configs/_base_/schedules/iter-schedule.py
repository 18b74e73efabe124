# Everything of the paper's schedule but its length (paper §4); the
# _base_/schedules/iter-*.py files add the length by one rule, written once
# in mmrethink.schedules:
#   Nx = N * 90k iterations at batch 16, lr x0.1 at total-60k and total-20k
# SGD, lr 0.02 at batch 16 (8 GPUs x 2), momentum 0.9, weight decay 1e-4;
# no weight decay on norm layers (Detectron WEIGHT_DECAY_GN = 0).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001),
    paramwise_cfg=dict(norm_decay_mult=0.))
# validate every 10k iterations (54 points on a 6x curve). mmengine's loop,
# but a resumed run skips the trained batches instead of replaying them,
# and every sample's augmentation is seeded from its place in the data
# stream, so the resumed run is the uninterrupted one (mmrethink/runner).
train_cfg = dict(type='ResumableIterBasedTrainLoop', max_iters=90000,
                 val_interval=10000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
auto_scale_lr = dict(enable=False, base_batch_size=16)
