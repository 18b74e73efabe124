# Runtime shared by every mmrethink config.
_base_ = 'mmdet::_base_/default_runtime.py'

# registers mmrethink's modules, also under mmdet's own tools/train.py
custom_imports = dict(imports=['mmrethink'], allow_failed_imports=False)

# Iteration-based runs: log training and validation by iteration so that
# curves have iterations on their x axis (otherwise validation is logged at
# "step 0"); keep checkpoints at the validation interval of the schedules,
# written atomically (mmrethink.fileio: a crash mid-write leaves the
# previous file, never a truncated one). ResumableCheckpointHook: the files
# hold plain data only (they load with torch.load(weights_only=True)); on
# SIGTERM / SIGUSR1 (a launcher stopping the job) our train loop has it save
# the current iteration on every rank's agreement and exits 143
# (train_cfg.stop_signals, mmrethink/runner/preemption.py, docs/faults.md).
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    checkpoint=dict(
        type='ResumableCheckpointHook', by_epoch=False, interval=10000,
        max_keep_ckpts=3, save_last=True,
        backend_args=dict(backend='atomic_local'),
        # the best checkpoint by validation AP too (best_coco_bbox_mAP_*.pth,
        # never pruned): on a small subset AP peaks before the end
        save_best='coco/bbox_mAP', rule='greater'))
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=False)

# One point of the learning curve after every validation (validation AP vs
# iteration, losses, lr) in <work_dir>/curve.jsonl, kept across resumes;
# plot with tools/plot_curves.py. DivergenceHook stops a run whose loss
# turns NaN/inf on any rank before that iteration's checkpoint is written.
# RandomStateHook seeds each iteration from (seed, rank, iteration), so a
# resumed run continues the uninterrupted one exactly (docs/faults.md).
custom_hooks = [
    dict(type='CurveHook', monitor='coco/bbox_mAP'),
    dict(type='DivergenceHook'),
    dict(type='RandomStateHook')
]
# A fixed seed, overridable (randomness = dict(seed=None) draws one at the
# first launch). Resumed runs take the seed of their checkpoint, so a run
# stopped and resumed any number of times equals the uninterrupted one.
randomness = dict(seed=0)
