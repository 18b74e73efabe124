# The toy keypoint recipe's pretrained twin (the toy study's keypoint arms,
# docs/toy.md): initialized from a backbone pre-trained on the study's toy
# "ImageNet" (mmrethink.datasets.toy_scenes.make_other_classification;
# tools/pretrain_toy_backbone.py --dataset other writes it). As every
# pretrained twin, it differs from its scratch config only in init_cfg and
# the input normalization of its weights, fine-tuned with nothing frozen.
_base_ = './keypoint-mask-rcnn_r18-scratch_fpn_gn-all_1xb4-toy-1x_figures.py'

model = dict(
    data_preprocessor=dict(
        mean=[103.530, 116.280, 123.675], std=[1.0, 1.0, 1.0],
        bgr_to_rgb=False),
    backbone=dict(
        init_cfg=dict(_delete_=True, type='Pretrained',
                      checkpoint='work_dirs/toy-study/pretrain/other.pth')))
