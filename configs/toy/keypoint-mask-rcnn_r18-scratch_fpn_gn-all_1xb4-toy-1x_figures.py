# The paper's keypoint recipe (Fig. 6: Keypoint Mask R-CNN R50-FPN GN from
# scratch) at toy scale, on a CPU: the shrink of the toy Mask R-CNN
# (./mask-rcnn_r18-scratch_fpn_gn-all_1xb4-toy-1x_shapes.py says what and
# why: width, image size, RoIs, RoIAlign's CPU path, data, schedule unit),
# and only this for the keypoint branch: 64 channels in and out of its 8
# convs (512 in the paper), its RoIAlign on the CPU path. The data: the toy
# world's stick figures with COCO's 17 person keypoints, facing the viewer,
# so that left and right differ only by side
# (mmrethink.datasets.toy_figures; 256 training images, 64 for validation,
# 192 px resized to 160); the metric: box, mask and keypoint AP (OKS with
# COCO's sigmas), keypoint AP picking the best checkpoint.
_base_ = ('../rethinking/keypoint-mask-rcnn_r50-scratch_fpn_gn-all_8xb2-'
          'ms-640-800-2x_coco-keypoints.py')
from mmrethink.datasets.toy_figures import toy_keypoint_data  # noqa
from mmrethink.schedules import TOY_1X, toy_schedule  # noqa

norm_cfg = dict(type='GN', num_groups=8, requires_grad=True)
model = dict(
    backbone=dict(depth=18, base_channels=16, norm_cfg=norm_cfg),
    neck=dict(in_channels=[16, 32, 64, 128], out_channels=64,
              norm_cfg=norm_cfg),
    rpn_head=dict(in_channels=64, feat_channels=64),
    roi_head=dict(
        bbox_roi_extractor=dict(type='SeparableRoIExtractor',
                                out_channels=64),
        bbox_head=dict(in_channels=64, conv_out_channels=64,
                       fc_out_channels=256, norm_cfg=norm_cfg),
        mask_roi_extractor=dict(type='SeparableRoIExtractor',
                                out_channels=64),
        mask_head=dict(in_channels=64, conv_out_channels=64,
                       norm_cfg=norm_cfg),
        keypoint_roi_extractor=dict(type='SeparableRoIExtractor',
                                    out_channels=64),
        keypoint_head=dict(in_channels=64, conv_out_channels=64)),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=200, max_per_img=200),
        rcnn=dict(sampler=dict(num=32))),
    test_cfg=dict(
        rpn=dict(nms_pre=200, max_per_img=100),
        rcnn=dict(max_per_img=50)))

train_dataloader, val_dataloader, val_evaluator = toy_keypoint_data()
test_dataloader, test_evaluator = val_dataloader, val_evaluator

train_cfg, param_scheduler = toy_schedule(1)
optim_wrapper = dict(optimizer=dict(lr=0.005))
default_hooks = dict(
    logger=dict(interval=16),
    checkpoint=dict(interval=TOY_1X // 3, max_keep_ckpts=-1))
log_processor = dict(window_size=16)
