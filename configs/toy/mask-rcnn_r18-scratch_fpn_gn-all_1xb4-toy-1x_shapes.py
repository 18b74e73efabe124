# The paper's R50 GN scratch recipe at toy scale, on a CPU (make demo,
# make reproduce-toy; docs/toy.md). What changes, and only this:
#  - width: ResNet-18 at 16 base channels, 64-channel FPN and heads; GN with
#    8 groups (32 cannot split 16 channels);
#  - image size: the toy world's 192-px images resized to 160 px (objects 12
#    to 80 px; the paper resizes COCO to 800 px);
#  - RoIs and proposals: 32 sampled per image for the heads (512 in the
#    paper); RPN keeps 200 boxes per level before NMS and 200 after in
#    training, 100 at test (the paper's 2000/1000 at 800 x 1333 px, 42x the
#    pixels);
#  - the CPU path of RoIAlign: SeparableRoIExtractor is mmdet's
#    SingleRoIExtractor whose mmcv RoIAlign runs as two matrix products on
#    CPU tensors (the same numbers, tested; mmcv's kernel on CUDA);
#  - data: the toy world (mmrethink.datasets.toy_shapes), 256 training
#    images for the demo (make reproduce-toy's study: subsets of 2048);
#  - the schedule unit. The paper's 1x is 90k iterations x 16 images = 12.2
#    epochs of COCO; the toy 1x is 12 epochs of the 256 images at batch 4 =
#    768 iterations. The lr drops by the paper's rule in proportion: x0.1
#    at total - 60k/90k of 1x = total - 512 and at total - 20k/90k of 1x =
#    total - 171 (mmrethink.schedules.paper_schedule); lr 0.005 =
#    0.02 x 4 / 16 (linear scaling). Warm-up from 1/3 over 128 iterations
#    (1/6 of 1x; Detectron's 500 of 90k would be 4, too few for scratch at
#    this width), for both arms.
# Validation every 1/6 of 1x (128 iterations), and every 32 within 128 of
# each lr drop so that the jump at each drop shows; checkpoints every 1/3 of
# 1x, all kept.
_base_ = '../rethinking/mask-rcnn_r50-scratch_fpn_gn-all_8xb2-6x_coco.py'
from mmrethink.datasets.toy_shapes import toy_data  # noqa
from mmrethink.schedules import TOY_1X, toy_schedule  # noqa

norm_cfg = dict(type='GN', num_groups=8, requires_grad=True)
# mmrethink.datasets.toy_shapes.CLASSES: shape/texture pairs
classes = ('stripes-square', 'dots-square', 'stripes-circle',
           'checker-circle', 'dots-triangle', 'checker-triangle')
model = dict(
    backbone=dict(depth=18, base_channels=16, norm_cfg=norm_cfg),
    # ResNet-18 stages at 16 base channels: 16, 32, 64, 128
    neck=dict(in_channels=[16, 32, 64, 128], out_channels=64,
              norm_cfg=norm_cfg),
    rpn_head=dict(in_channels=64, feat_channels=64),
    roi_head=dict(
        bbox_roi_extractor=dict(type='SeparableRoIExtractor',
                                out_channels=64),
        bbox_head=dict(in_channels=64, conv_out_channels=64,
                       fc_out_channels=256, num_classes=len(classes),
                       norm_cfg=norm_cfg),
        mask_roi_extractor=dict(type='SeparableRoIExtractor',
                                out_channels=64),
        mask_head=dict(in_channels=64, conv_out_channels=64,
                       num_classes=len(classes), norm_cfg=norm_cfg)),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=200, max_per_img=200),
        rcnn=dict(sampler=dict(num=32))),
    test_cfg=dict(
        rpn=dict(nms_pre=200, max_per_img=100),
        rcnn=dict(max_per_img=50)))

# Toy data: 160 px (the 192-px toy images resized), boxes and masks, batch 4, one loader process
# (2 cores in all): mmrethink.datasets.toy_shapes.toy_data, shared by the
# toy configs.
train_dataloader, val_dataloader, val_evaluator = toy_data()
test_dataloader, test_evaluator = val_dataloader, val_evaluator

train_cfg, param_scheduler = toy_schedule(1)
optim_wrapper = dict(optimizer=dict(lr=0.005))
default_hooks = dict(
    logger=dict(interval=16),
    checkpoint=dict(interval=TOY_1X // 3, max_keep_ckpts=-1))
log_processor = dict(window_size=16)
