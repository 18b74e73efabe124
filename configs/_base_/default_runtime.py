# Runtime shared by every mmrethink config.
_base_ = 'mmdet::_base_/default_runtime.py'

# registers mmrethink's modules, also under mmdet's own tools/train.py
custom_imports = dict(imports=['mmrethink'], allow_failed_imports=False)
# the config format these configs are written in (mmrethink.version):
# tools/train.py and tools/test.py refuse a config of another format
mmrethink_config_format = 1

# Iteration-based runs: log training and validation by iteration so that
# curves have iterations on their x axis (otherwise validation is logged at
# "step 0"); keep checkpoints at the validation interval of the schedules,
# written atomically (mmrethink.fileio: a crash mid-write leaves the previous
# file, never a truncated one) and holding plain data only
# (ResumableCheckpointHook: they load with torch.load(weights_only=True)).
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    checkpoint=dict(
        type='ResumableCheckpointHook', by_epoch=False, interval=10000,
        max_keep_ckpts=3, save_last=True,
        backend_args=dict(backend='atomic_local')))
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=False)

# One point of the learning curve after every validation (validation AP vs
# iteration, losses, lr) in <work_dir>/curve.jsonl, kept across resumes;
# plot with tools/plot_curves.py. Denser evaluation around the lr drops:
# dict(type='CurveHook', dense_window=10000, dense_interval=2000).
# DivergenceHook stops a run whose loss turns NaN/inf before that iteration's
# checkpoint is written. PreemptionHook saves a checkpoint on SIGTERM and
# exits; RandomStateHook makes a resumed run continue the model's random
# stream (README, "Faults handled").
custom_hooks = [
    dict(type='CurveHook', monitor='coco/bbox_mAP'),
    dict(type='DivergenceHook'),
    dict(type='PreemptionHook'),
    dict(type='RandomStateHook')
]
