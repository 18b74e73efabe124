# Paper Fig. 6, Keypoint Mask R-CNN R50-FPN GN, from scratch, 3x:
# on the figure's curves; no number in the text (COCO person
# keypoints val2017). 3x = 270k iterations at 8 GPUs x 2 images;
# lr drops at 210k and 250k (paper §4).
# Scale augmentation 640-800: UNVERIFIED (paper silent; Detectron's
# keypoint baselines), ../_base_/datasets/coco_keypoints_ms-640-800.py.
_base_ = [
    '../_base_/models/keypoint-mask-rcnn_r50-scratch_fpn_gn-all.py',
    '../_base_/datasets/coco_keypoints_ms-640-800.py',
    '../_base_/schedules/iter-3x.py',
    '../_base_/default_runtime_keypoints.py',
]
