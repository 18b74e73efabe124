# COCO person keypoints (paper Fig. 6): person_keypoints_{train,val}2017.json
# (in the annotations zip tools/download_coco.sh fetches), the person class
# only, K = 17 keypoints with visibility (mmrethink.datasets.
# CocoKeypointDataset). Training keeps the images with at least one visible
# keypoint (Detectron's rule). Scale augmentation: UNVERIFIED (paper
# silent); Detectron's keypoint baselines sample the shorter side from
# (640, 672, ..., 800), longer side at most 1333, and test at 800. The
# keypoint transforms are mmdet's (subclassed) that also carry keypoints:
# the resize scales them and hides those that leave the image, the flip
# mirrors x and swaps left/right by the file's keypoint names.
_base_ = './coco_instance.py'

data_root = 'data/coco/'
backend_args = None
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadKeypointAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomChoiceResize',
         scales=[(1333, 640), (1333, 672), (1333, 704), (1333, 736),
                 (1333, 768), (1333, 800)],
         keep_ratio=True,
         resize_type='KeypointResize'),
    dict(type='KeypointRandomFlip', prob=0.5),
    dict(type='PackKeypointDetInputs')
]
# num_keypoints: the file must have that many (the keypoint head's
# num_keypoints; both say what they got and expected otherwise)
train_dataloader = dict(
    dataset=dict(
        type='CocoKeypointDataset',
        ann_file='annotations/person_keypoints_train2017.json',
        num_keypoints=17,
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type='CocoKeypointDataset',
        ann_file='annotations/person_keypoints_val2017.json',
        num_keypoints=17))
test_dataloader = val_dataloader
# box, mask and keypoint AP (OKS, pycocotools' 'keypoints' evaluation, by
# faster-coco-eval: mmrethink.evaluation.CocoKeypointMetric) reported as
# coco/bbox_mAP, coco/segm_mAP and coco/keypoints_mAP
val_evaluator = dict(
    type='CocoKeypointMetric',
    ann_file=data_root + 'annotations/person_keypoints_val2017.json',
    metric=['bbox', 'segm', 'keypoints'],
    backend='faster_coco_eval')
test_evaluator = val_evaluator
