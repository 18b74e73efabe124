"""Model parts mmdet lacks for the paper's experiments: the VGG-16
backbone of the "no normalization" Faster R-CNN and its ImageNet weights'
mapping (fc6/fc7 into the box head)."""
from .vgg import DetVGG
from .vgg_pretrained import PretrainedVGG, map_vgg_state_dict

__all__ = ['DetVGG', 'PretrainedVGG', 'map_vgg_state_dict']
