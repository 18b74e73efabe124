# Epoch-based twin of the R50 GN scratch 6x (paper Table 1: 41.3 box AP),
# equal to mmdet's own mmdet::scratch/mask-rcnn_r50-scratch_fpn_gn-all_6x_coco.py
# (41.2 box / 37.4 mask) except for these eight differences, on purpose (a test
# checks that the resolved configs differ in exactly these keys):
#  1. warm-up from 1/3 of the lr (Detectron; the paper is silent), not 0.001;
#  2. backbone norm_eval=False stated: mmdet's inherits True, harmless with
#     GN (no running statistics) but wrong the moment a user swaps in BN;
#  3. custom_imports = mmrethink (registers our modules and safe loading);
#  4. checkpoints also keep the last one (save_last=True, as all our configs)
#     and the best by box AP (save_best),
#     are written atomically (backend atomic_local) and hold plain data only
#     (ResumableCheckpointHook: they load with torch's weights_only=True);
#  5. custom_hooks: CurveHook (validation AP per evaluation), DivergenceHook
#     (stops on a NaN/inf loss on any rank) and RandomStateHook (each
#     iteration's random state from the seed and the iteration);
#  6. the datasets are CheckedCocoDataset (mmdet's, with input checks), and
#     the evaluator FastCocoMetric (mmdet's, run by faster-coco-eval);
#  7. a fixed seed (randomness.seed=0), as all our configs;
#  8. RoIAlign with 2x2 samples per bin (Detectron's), not mmdet's adaptive.
# An epoch-based run resumes at epoch boundaries (mmengine's loop): a stop
# signal ends it as it would without mmrethink (pre-emption with a
# checkpoint is our iteration loop's), and it resumes from its last epoch.
# 73 epochs x 7.3k iterations (117k images / 16) = 540k iterations = 6x;
# lr drops at epochs 65 and 71 (about 475k and 520k iterations).
_base_ = [
    '../_base_/models/mask-rcnn_r50-scratch_fpn_gn-all.py',
    'mmdet::_base_/datasets/coco_instance.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    '../_base_/default_runtime.py',
]

optim_wrapper = dict(paramwise_cfg=dict(norm_decay_mult=0.))
max_epochs = 73
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0 / 3, by_epoch=False, begin=0,
         end=500),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
         milestones=[65, 71], gamma=0.1)
]
# epoch-based: log and checkpoint by epoch, as mmdet's file
default_hooks = dict(
    logger=dict(_delete_=True, type='LoggerHook', interval=50),
    checkpoint=dict(
        _delete_=True, type='ResumableCheckpointHook', interval=1,
        max_keep_ckpts=3, save_last=True,
        backend_args=dict(backend='atomic_local'),
        save_best='coco/bbox_mAP', rule='greater'))
log_processor = dict(by_epoch=True)
dataset_type = 'CheckedCocoDataset'
train_dataloader = dict(dataset=dict(type=dataset_type))
val_dataloader = dict(dataset=dict(type=dataset_type))
test_dataloader = dict(dataset=dict(type=dataset_type))
val_evaluator = dict(type='FastCocoMetric', backend='faster_coco_eval')
test_evaluator = dict(type='FastCocoMetric', backend='faster_coco_eval')
