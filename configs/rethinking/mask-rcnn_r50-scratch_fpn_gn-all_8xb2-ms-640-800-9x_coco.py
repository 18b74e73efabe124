# Paper §5 "train aug": R50-FPN GN from scratch with scale augmentation
# ([640, 800]) for 9x (no R50 number in the paper; Detectron2's
# reproduction at batch 64: 43.7 box / 39.6 mask).
# 9x = 810k iterations at 8 GPUs x 2 images; lr drops at 750k and 790k.
_base_ = [
    '../_base_/models/mask-rcnn_r50-scratch_fpn_gn-all.py',
    '../_base_/datasets/coco_instance_ms-640-800.py',
    '../_base_/schedules/iter-9x.py',
    '../_base_/default_runtime.py',
]
