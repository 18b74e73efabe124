"""ImageNet VGG-16 weights for the Faster R-CNN VGG-16 detector, fc6 and
fc7 included.

The original Faster R-CNN initializes its box head's two 4096-d fully
connected layers with VGG-16's fc6 and fc7, not only the convolutions. The
ImageNet checkpoints name them as torchvision's ``vgg16`` (and mmcv's VGG)
do::

    features.{0,2,5,...,28}.{weight,bias}   conv1_1 ... conv5_3
    classifier.0.{weight,bias}              fc6: 512*7*7 -> 4096
    classifier.3.{weight,bias}              fc7: 4096 -> 4096
    classifier.6.{weight,bias}              the ImageNet classifier (unused)

:class:`~mmrethink.models.vgg.DetVGG` keeps the ``features.N`` names, and
mmdet's ``Shared2FCBBoxHead`` (``fc_out_channels=4096``, 7x7 RoIs of 512
channels) has fc6/fc7's shapes as ``shared_fcs.0`` / ``shared_fcs.1``.
:data:`KEY_MAPS` says which checkpoint key goes where; the initializer
``PretrainedVGG`` (an mmengine weight initializer, ``init_cfg`` of the
backbone with ``part='backbone'`` and of the box head with
``part='bbox_head'``) loads them, and refuses a checkpoint that lacks a key
or has another shape, naming both.
"""
import re
from typing import Dict

import torch
from mmdet.registry import WEIGHT_INITIALIZERS
from mmengine.model.weight_init import BaseInit, update_init_info

#: for each part of the detector: (checkpoint key pattern, module key
#: template) pairs
KEY_MAPS = {
    'backbone': [(r'features\.(\d+)\.(weight|bias)', r'features.\1.\2')],
    'bbox_head': [(r'classifier\.0\.(weight|bias)', r'shared_fcs.0.\1'),
                  (r'classifier\.3\.(weight|bias)', r'shared_fcs.1.\1')],
}
#: the module keys each part must get from the checkpoint
TARGETS = {
    'backbone': r'features\.\d+\.(weight|bias)',
    'bbox_head': r'shared_fcs\.[01]\.(weight|bias)',
}


def map_vgg_state_dict(state_dict: Dict[str, torch.Tensor],
                       part: str) -> Dict[str, torch.Tensor]:
    """The tensors of an ImageNet VGG ``state_dict`` that initialize
    ``part`` ('backbone' or 'bbox_head'), under that part's own keys."""
    if part not in KEY_MAPS:
        raise KeyError(f'part must be one of {sorted(KEY_MAPS)}, got {part}')
    mapped = {}
    for key, value in state_dict.items():
        for pattern, template in KEY_MAPS[part]:
            if re.fullmatch(pattern, key):
                mapped[re.sub(pattern, template, key)] = value
    return mapped


def load_vgg_weights(module: torch.nn.Module, state_dict: Dict[str,
                                                                torch.Tensor],
                     part: str, source: str = 'checkpoint') -> None:
    """Copy the mapped weights into ``module`` (the backbone or the box
    head); every one of its weights covered by the map must be found with
    its shape.

    Raises:
        KeyError: a weight the map covers is not in the checkpoint.
        ValueError: a weight has another shape in the checkpoint.
    """
    mapped = map_vgg_state_dict(state_dict, part)
    own = module.state_dict()
    wanted = [k for k in own if re.fullmatch(TARGETS[part], k)]
    missing = [k for k in wanted if k not in mapped]
    if missing:
        raise KeyError(f'{source}: no ImageNet VGG weights for the {part} '
                       f'keys {missing} (expected torchvision/mmcv VGG '
                       f'names: {[p for p, _ in KEY_MAPS[part]]}); found '
                       f'{sorted(state_dict)[:8]}...')
    for key in wanted:
        if mapped[key].shape != own[key].shape:
            raise ValueError(
                f'{source}: {part}.{key} has shape {tuple(own[key].shape)} '
                f'in the model but {tuple(mapped[key].shape)} in the '
                'checkpoint (fc6 needs 512-channel 7x7 RoIs and 4096-d fcs)')
    module.load_state_dict({k: mapped[k] for k in wanted}, strict=False)


@WEIGHT_INITIALIZERS.register_module()
class PretrainedVGG(BaseInit):
    """Initialize the backbone or the box head from ImageNet VGG weights.

    Args:
        checkpoint (str): File, URL or model-zoo name
            (``torchvision://vgg16``), read through mmengine (so through
            mmrethink's safe and offline-aware loaders).
        part (str): 'backbone' (conv1_1..conv5_3) or 'bbox_head' (fc6,
            fc7 into ``shared_fcs``).
        map_location (str): Defaults to 'cpu'.
    """

    def __init__(self, checkpoint: str, part: str,
                 map_location: str = 'cpu', **kwargs):
        super().__init__(**kwargs)
        if part not in KEY_MAPS:
            raise KeyError(f'PretrainedVGG: part must be one of '
                           f'{sorted(KEY_MAPS)}, got {part!r}')
        self.checkpoint, self.part = checkpoint, part
        self.map_location = map_location

    def __call__(self, module: torch.nn.Module) -> None:
        from mmengine.runner.checkpoint import _load_checkpoint
        ckpt = _load_checkpoint(self.checkpoint, self.map_location,
                                logger='current')
        state = ckpt.get('state_dict', ckpt)
        load_vgg_weights(module, state, self.part, self.checkpoint)
        if hasattr(module, '_params_init_info'):
            update_init_info(module, init_info=self._get_init_info())

    def _get_init_info(self) -> str:
        return (f'{self.__class__.__name__}: {self.part} from '
                f'{self.checkpoint}')
