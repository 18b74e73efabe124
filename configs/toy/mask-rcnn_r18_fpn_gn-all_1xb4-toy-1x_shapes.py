# The toy scratch recipe's pretrained twin (the paper's Fig. 1 at toy
# scale), toy 1x: the same shrunk GN Mask R-CNN, schedule rule and data,
# initialized from a backbone pre-trained on the toy world's 40-way
# shape/texture classification (tools/pretrain_toy_backbone.py writes it;
# separate images, many more kinds than the six detection classes). As the
# real pretrained configs (_base_/models/mask-rcnn_r50-pretrained_fpn_gn-all.py)
# it differs from its scratch twin only in init_cfg and the input
# normalization of its weights (BGR, mean subtracted, unit std), and is
# fine-tuned with nothing frozen.
_base_ = './mask-rcnn_r18-scratch_fpn_gn-all_1xb4-toy-1x_shapes.py'

model = dict(
    data_preprocessor=dict(
        mean=[103.530, 116.280, 123.675], std=[1.0, 1.0, 1.0],
        bgr_to_rgb=False),
    backbone=dict(
        init_cfg=dict(_delete_=True, type='Pretrained',
                      checkpoint='work_dirs/toy/pretrain/backbone.pth')))
