# Paper Fig. 4, Mask R-CNN R50-FPN with SyncBN in all layers, ImageNet-
# pretrained (torchvision weights), fine-tuned with nothing frozen (figure
# only). UNVERIFIED: the figure's schedule; 6x as its scratch twin.
_base_ = [
    '../_base_/models/mask-rcnn_r50-pretrained_fpn_syncbn-all.py',
    '../_base_/datasets/coco_instance.py',
    '../_base_/schedules/iter-6x.py',
    '../_base_/default_runtime.py',
]
