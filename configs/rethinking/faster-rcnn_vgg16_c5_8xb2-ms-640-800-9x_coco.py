# Paper §5 "no normalization": the ImageNet-pretrained twin of the scratch
# VGG-16 Faster R-CNN (ImageNet VGG-16 incl. fc6/fc7), scale augmentation
# ([640, 800]), 9x: box AP 35.6 (scratch: 35.2 at 11x).
# 9x = 810k iterations at 8 GPUs x 2 images; lr drops at 750k and 790k.
_base_ = [
    '../_base_/models/faster-rcnn_vgg16_c5.py',
    '../_base_/datasets/coco_detection_ms-640-800.py',
    '../_base_/schedules/iter-9x.py',
    '../_base_/default_runtime.py',
]
