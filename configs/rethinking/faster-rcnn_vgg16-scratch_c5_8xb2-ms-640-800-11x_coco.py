# Paper §5 "no normalization": Faster R-CNN VGG-16 (no FPN) with no
# normalization layer anywhere, from scratch with MSRA init and scale
# augmentation ([640, 800]), 11x: box AP 35.2 (vs 35.6 pretrained).
# lr 0.02 at 8 GPUs x 2 images and Detectron's warm-up (UNVERIFIED for this
# model: the paper gives no separate lr for it).
# 11x = 990k iterations at 8 GPUs x 2 images; lr drops at 930k and 970k.
_base_ = [
    '../_base_/models/faster-rcnn_vgg16-scratch_c5.py',
    '../_base_/datasets/coco_detection_ms-640-800.py',
    '../_base_/schedules/iter-11x.py',
    '../_base_/default_runtime.py',
]
