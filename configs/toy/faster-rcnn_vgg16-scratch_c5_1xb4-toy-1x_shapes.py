# The paper's no-normalization VGG-16 Faster R-CNN from scratch
# (../rethinking/faster-rcnn_vgg16-scratch_c5_8xb2-ms-640-800-11x_coco.py)
# at toy scale, on a CPU: it proves that training without any norm layer
# runs end to end and learns (tests/test_vgg.py). What changes, and only
# this (the shrink of the toy Mask R-CNN configs, docs/toy.md):
#  - width: VGG-16 at 16 base channels (16, 32, 64, 128, 128), 128-channel
#    RPN, fc6/fc7 of 256 (4096 in VGG); still no norm layer, MSRA init;
#  - image size: the 192-px toy images resized to 160 px (toy_data), and
#    anchors of 32, 64, 128 px (the paper's 128, 256, 512 at 800 px),
#    aspect ratios unchanged;
#  - RoIs: 64 sampled per image, fewer proposals kept;
#  - data: the 256 toy training images, boxes only, no scale augmentation;
#  - the schedule unit: toy 1x (768 iterations, 12 epochs of the toy set),
#    lr 0.005 = 0.02 x 4 / 16, warm-up over 128 iterations from 1/3 (as the
#    toy Mask R-CNN configs). The paper's scratch arm trains 11x; this
#    config is 1x, for a run of minutes.
_base_ = '../rethinking/faster-rcnn_vgg16-scratch_c5_8xb2-ms-640-800-11x_coco.py'
from mmrethink.datasets.toy_shapes import toy_data  # noqa
from mmrethink.schedules import TOY_1X, toy_schedule  # noqa

# mmrethink.datasets.toy_shapes.CLASSES: shape/texture pairs
classes = ('stripes-square', 'dots-square', 'stripes-circle',
           'checker-circle', 'dots-triangle', 'checker-triangle')
model = dict(
    backbone=dict(base_channels=16),
    rpn_head=dict(in_channels=128, feat_channels=128,
                  anchor_generator=dict(scales=[2, 4, 8])),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=128),
        bbox_head=dict(in_channels=128, fc_out_channels=256,
                       num_classes=len(classes))),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=1000, max_per_img=500),
        rcnn=dict(sampler=dict(num=64))),
    test_cfg=dict(
        rpn=dict(nms_pre=500, max_per_img=300),
        rcnn=dict(max_per_img=50)))

# Toy data: 160 px (the 192-px toy images resized), boxes, batch 4, one
# loader process
# (2 cores in all): mmrethink.datasets.toy_shapes.toy_data, shared by the
# toy configs.
train_dataloader, val_dataloader, val_evaluator = toy_data(with_mask=False)
test_dataloader, test_evaluator = val_dataloader, val_evaluator

train_cfg, param_scheduler = toy_schedule(1)
optim_wrapper = dict(optimizer=dict(lr=0.005))
default_hooks = dict(
    logger=dict(interval=16),
    checkpoint=dict(interval=TOY_1X // 3))
log_processor = dict(window_size=16)
