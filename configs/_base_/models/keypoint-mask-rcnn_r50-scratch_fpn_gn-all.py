# Keypoint Mask R-CNN R50-FPN GN from scratch (paper Fig. 6: Mask R-CNN
# R50-FPN GN with a keypoint head, on COCO person keypoints): the GN Mask
# R-CNN of Table 1 (./mask-rcnn_r50-scratch_fpn_gn-all.py: GN in backbone,
# FPN, box and mask heads, random init, nothing frozen) with one class
# (person) and a keypoint branch in the same RoI head
# (mmrethink.models.KeypointRoIHead: boxes, masks and keypoints).
# Keypoint branch (../shared/PAPER.md, Detectron's keypoint head):
# RoIAlign 14x14 (2 samples per bin, as our other RoIAligns), 8 x conv3x3
# 512 + ReLU, a 4x4 stride-2 transposed conv and x2 bilinear upsampling to
# 56x56 heatmaps, one per keypoint; training RoIs are the sampled
# foreground proposals with a visible keypoint inside; the loss is a
# cross-entropy over each heatmap, normalized by the batch's visible
# keypoints.
# UNVERIFIED (paper silent), following Detectron's keypoint baselines: no
# normalization in the keypoint head (Detectron's has none; its GN project
# puts GN in the backbone, FPN, box and mask heads only); the mask branch is
# trained alongside (the paper's model is "Mask R-CNN" with a keypoint
# head). Everything else (RPN, sampling, test settings) is the Mask R-CNN's.
_base_ = './mask-rcnn_r50-scratch_fpn_gn-all.py'

#: COCO's 17 person keypoints; the dataset refuses a file with another count
num_keypoints = 17
model = dict(
    roi_head=dict(
        type='KeypointRoIHead',
        bbox_head=dict(num_classes=1),
        mask_head=dict(num_classes=1),
        keypoint_roi_extractor=dict(
            type='SingleRoIExtractor',
            roi_layer=dict(type='RoIAlign', output_size=14,
                           sampling_ratio=2),
            out_channels=256,
            featmap_strides=[4, 8, 16, 32]),
        keypoint_head=dict(
            type='KeypointRCNNHead',
            num_keypoints=num_keypoints,
            in_channels=256,
            num_convs=8,
            conv_out_channels=512,
            roi_feat_size=14,
            norm_cfg=None,
            loss_weight=1.0)))
