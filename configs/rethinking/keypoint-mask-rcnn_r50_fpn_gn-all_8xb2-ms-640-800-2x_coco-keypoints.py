# Paper Fig. 6, Keypoint Mask R-CNN R50-FPN GN, ImageNet-pretrained, 2x:
# keypoint AP 65.5 on COCO person keypoints val2017 (scratch 65.6 vs
# pretrained 65.5: scratch catches up without a longer schedule).
# 2x = 180k iterations at 8 GPUs x 2 images; lr drops at 120k and
# 160k (paper §4).
# Scale augmentation 640-800: UNVERIFIED (paper silent; Detectron's
# keypoint baselines), ../_base_/datasets/coco_keypoints_ms-640-800.py.
_base_ = [
    '../_base_/models/keypoint-mask-rcnn_r50-pretrained_fpn_gn-all.py',
    '../_base_/datasets/coco_keypoints_ms-640-800.py',
    '../_base_/schedules/iter-2x.py',
    '../_base_/default_runtime_keypoints.py',
]
