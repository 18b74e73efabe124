# The ImageNet-pretrained twin of faster-rcnn_vgg16-scratch_c5.py: the same
# model and switches, initialized from ImageNet VGG-16, fc6 and fc7
# included (the original Faster R-CNN's initialization; paper §5 "no
# normalization"). torchvision's vgg16 weights (RGB input normalized by the
# ImageNet mean and std: mmdet's default preprocessing, which the scratch
# base keeps, so the arms differ only in init). UNVERIFIED: Detectron used
# Caffe VGG-16 weights; open-mmlab://vgg16_caffe is the Caffe conversion
# (keys as torchvision's; it expects other preprocessing).
# frozen_stages=-1 as for every pretrained config here (paper §4: the
# pretrained baselines are fine-tuned with nothing frozen); the original
# Faster R-CNN froze conv1 and conv2 (frozen_stages=2).
_base_ = './faster-rcnn_vgg16-scratch_c5.py'

model = dict(
    backbone=dict(
        init_cfg=dict(_delete_=True, type='PretrainedVGG',
                      checkpoint='torchvision://vgg16', part='backbone')),
    roi_head=dict(
        bbox_head=dict(init_cfg=[
            dict(type='Normal', std=0.01, override=dict(name='fc_cls')),
            dict(type='Normal', std=0.001, override=dict(name='fc_reg')),
            dict(type='PretrainedVGG', checkpoint='torchvision://vgg16',
                 part='bbox_head')
        ])))
