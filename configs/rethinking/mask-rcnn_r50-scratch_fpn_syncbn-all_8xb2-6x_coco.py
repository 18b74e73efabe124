# Paper Fig. 4, Mask R-CNN R50-FPN with SyncBN in all layers, from scratch
# (figure only, no number in the text). UNVERIFIED: the figure's schedule;
# we use 6x, the longest of Table 1: 540k iterations at 8 GPUs x 2 images,
# lr drops at 480k and 520k. SyncBN needs a multi-GPU launch
# (tools/dist_train.sh); a single process falls back to plain BN.
_base_ = [
    '../_base_/models/mask-rcnn_r50-scratch_fpn_syncbn-all.py',
    '../_base_/datasets/coco_instance.py',
    '../_base_/schedules/iter-6x.py',
    '../_base_/default_runtime.py',
]
