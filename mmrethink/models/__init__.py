"""Model parts mmdet lacks for the paper's experiments: the VGG-16
backbone of the "no normalization" Faster R-CNN and its ImageNet weights'
mapping (fc6/fc7 into the box head); the RoI extractor of the toy configs
(mmcv's RoIAlign as matrix products on the CPU); the keypoint branch of
Keypoint (Mask) R-CNN (the paper's Fig. 6), which mmdet has never had."""
from .keypoint_head import KeypointRCNNHead
from .keypoint_roi_head import KeypointRoIHead
from .roi_extractor import SeparableRoIExtractor
from .vgg import DetVGG
from .vgg_pretrained import PretrainedVGG, map_vgg_state_dict

__all__ = ['SeparableRoIExtractor', 'DetVGG', 'PretrainedVGG',
           'map_vgg_state_dict', 'KeypointRCNNHead', 'KeypointRoIHead']
