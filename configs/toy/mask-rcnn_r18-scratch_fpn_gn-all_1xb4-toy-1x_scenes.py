# The toy scratch recipe on the toy study's world (docs/toy.md, the
# protocol): toy scenes, mmrethink.datasets.toy_scenes, the toy shapes'
# classes at COCO's density (7.5 annotated instances per image) and object
# sizes (41 / 34 / 24 % small / medium / large by COCO's rule scaled to the
# image). What changes from the shapes recipe, and only this:
#  - data: the scenes, written at the 160 px they train at;
#  - every pixel length of the paper's recipe in proportion to the image,
#    160 / 800 = 0.2, as the objects are: anchors from 6.4 px at P2 to
#    102 px at P6 (the paper's 32 to 512 px: scale 8 x 0.2 = 1.6), and RoIs
#    mapped to FPN levels from 11.2 px (the paper's finest_scale 56);
#  - the toy 1x: 12 epochs of the study's 1024 images at batch 4 = 3072
#    iterations, lr x0.1 at 2/3 and 8/9 (the study's schedule shape).
_base_ = './mask-rcnn_r18-scratch_fpn_gn-all_1xb4-toy-1x_shapes.py'
from mmrethink.datasets.toy_shapes import toy_data  # noqa
from mmrethink.schedules import toy_study_schedule  # noqa

model = dict(
    rpn_head=dict(anchor_generator=dict(scales=[1.6])),
    roi_head=dict(
        bbox_roi_extractor=dict(finest_scale=11.2),
        mask_roi_extractor=dict(finest_scale=11.2)))

train_dataloader, val_dataloader, val_evaluator = toy_data(
    data_root='data/toy_scenes/')
test_dataloader, test_evaluator = val_dataloader, val_evaluator

train_cfg, param_scheduler = toy_study_schedule(3072, interval=512)
default_hooks = dict(checkpoint=dict(interval=1024))
