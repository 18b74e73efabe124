# Faster R-CNN R50-FPN GN from scratch, 6x. Not a row of the paper's tables:
# the box-only counterpart of Table 1's Mask R-CNN (MMDetection's scratch
# reproduction of this model reports 40.7 box AP at 73 epochs).
# 6x = 540k iterations at 8 GPUs x 2 images; lr drops at 480k and 520k.
_base_ = [
    '../_base_/models/faster-rcnn_r50-scratch_fpn_gn-all.py',
    '../_base_/datasets/coco_detection.py',
    '../_base_/schedules/iter-6x.py',
    '../_base_/default_runtime.py',
]
