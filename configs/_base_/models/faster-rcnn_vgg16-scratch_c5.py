# Faster R-CNN VGG-16 without any normalization layer, the paper's "no
# normalization" experiment (paper §5): the original Faster R-CNN design,
# no FPN; RPN and RoI features from conv5_3 (stride 16), the box head is
# VGG's fc6/fc7 (two 4096-d fully connected layers). No BN, no GN anywhere:
# backbone, RPN head, box head.
# Random initialization with MSRA (He) init (paper §5): convs as Detectron's
# MSRAFill (normal, std sqrt(2 / fan_out)), fc6/fc7 He normal over fan_in
# (keeps the forward variance without a norm layer; UNVERIFIED: the paper
# says MSRA, not which fan). Nothing frozen (frozen_stages=-1), as in every
# scratch config; the ImageNet twin adds only its weights
# (faster-rcnn_vgg16_c5.py).
# Where the paper is silent (UNVERIFIED), Detectron's single-level Faster
# R-CNN: anchors of 128, 256, 512 px at aspect ratios 0.5, 1, 2 (the
# original Faster R-CNN's 9 anchors, stride 16); RoIAlign 7x7 with 2x2
# samples per bin; RPN proposals 12000 -> 2000 (train) and 6000 -> 1000
# (test) around NMS 0.7; no dropout in fc6/fc7.
_base_ = 'mmdet::_base_/models/faster-rcnn_r50_fpn.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='DetVGG',
        depth=16,
        out_indices=(4, ),
        frozen_stages=-1,
        init_cfg=dict(type='Kaiming', layer='Conv2d', mode='fan_out',
                      nonlinearity='relu', distribution='normal')),
    neck=None,
    rpn_head=dict(
        in_channels=512,
        feat_channels=512,
        anchor_generator=dict(
            scales=[8, 16, 32], ratios=[0.5, 1.0, 2.0], strides=[16])),
    roi_head=dict(
        bbox_roi_extractor=dict(
            roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=2),
            out_channels=512,
            featmap_strides=[16]),
        bbox_head=dict(
            type='Shared2FCBBoxHead',
            in_channels=512,
            fc_out_channels=4096,
            roi_feat_size=7,
            # mmdet's own init of the classifier and box regressor, then
            # He init of fc6/fc7 (a given init_cfg replaces mmdet's list)
            init_cfg=[
                dict(type='Normal', std=0.01, override=dict(name='fc_cls')),
                dict(type='Normal', std=0.001, override=dict(name='fc_reg')),
                dict(type='Kaiming', mode='fan_in', nonlinearity='relu',
                     distribution='normal', override=dict(name='shared_fcs'))
            ])),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=12000, max_per_img=2000,
                          nms=dict(type='nms', iou_threshold=0.7))),
    test_cfg=dict(
        rpn=dict(nms_pre=6000, max_per_img=1000,
                 nms=dict(type='nms', iou_threshold=0.7))))
