"""VGG for detection without normalization: the backbone of the paper's
"no normalization" experiment (Faster R-CNN VGG-16, no FPN).

The layers are those of VGG-16 (Simonyan & Zisserman) up to conv5_3: 3x3
convolutions with ReLU, a 2x2 max-pool between stages, **no norm layer**
and no last max-pool, so conv5_3's output has stride 16, where the original
Faster R-CNN takes its RPN and RoI features. The modules sit in one
``features`` sequence at the indices of torchvision's (and mmcv's) VGG, so
ImageNet weights map onto them key for key
(:mod:`mmrethink.models.vgg_pretrained`).
"""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
from mmdet.registry import MODELS
from mmengine.model import BaseModule


@MODELS.register_module()
class DetVGG(BaseModule):
    """VGG without normalization, as a detection backbone.

    Args:
        depth (int): 11, 13, 16 or 19. Defaults to 16.
        base_channels (int): Channels of the first stage; the stages have
            1, 2, 4, 8, 8 times as many. Defaults to 64 (VGG's).
        out_indices (Sequence[int]): Stages (0-4) whose last ReLU output is
            returned. Defaults to ``(4,)``: conv5_3, stride 16.
        frozen_stages (int): Stages 1 to ``frozen_stages`` are frozen
            (no gradient), as ``ResNet``'s ``frozen_stages`` counts them;
            -1 (default) freezes nothing. VGG has no norm layer to keep in
            eval mode.
        init_cfg (dict or list[dict], optional): Initialization, e.g.
            MSRA (``Kaiming``) from scratch or ``PretrainedVGG``.
    """

    arch_settings = {
        11: (1, 1, 2, 2, 2),
        13: (2, 2, 2, 2, 2),
        16: (2, 2, 3, 3, 3),
        19: (2, 2, 4, 4, 4)
    }

    def __init__(self,
                 depth: int = 16,
                 base_channels: int = 64,
                 out_indices: Sequence[int] = (4, ),
                 frozen_stages: int = -1,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if depth not in self.arch_settings:
            raise KeyError(f'DetVGG: depth must be one of '
                           f'{sorted(self.arch_settings)}, got {depth}')
        if not set(out_indices) <= set(range(5)) or not out_indices:
            raise ValueError('DetVGG: out_indices must be stages 0-4, got '
                             f'{out_indices}')
        if not -1 <= frozen_stages <= 5:
            raise ValueError('DetVGG: frozen_stages must be -1..5, got '
                             f'{frozen_stages}')
        self.out_indices = tuple(out_indices)
        self.frozen_stages = frozen_stages
        layers = []
        self.stage_ends = []  # index in `features` after each stage
        in_channels = 3
        for stage, num_convs in enumerate(self.arch_settings[depth]):
            channels = base_channels * (1, 2, 4, 8, 8)[stage]
            if stage > 0:
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            for _ in range(num_convs):
                layers += [nn.Conv2d(in_channels, channels, 3, padding=1),
                           nn.ReLU(inplace=True)]
                in_channels = channels
            self.stage_ends.append(len(layers))
        # stop after the last stage used
        self.features = nn.Sequential(
            *layers[:self.stage_ends[max(self.out_indices)]])
        self.out_channels = [base_channels * m for m in (1, 2, 4, 8, 8)]
        self._freeze_stages()

    def _freeze_stages(self) -> None:
        if self.frozen_stages <= 0:
            return
        for layer in self.features[:self.stage_ends[self.frozen_stages - 1]]:
            for param in layer.parameters():
                param.requires_grad = False

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        outs = []
        start = 0
        for stage, end in enumerate(self.stage_ends[:max(self.out_indices) +
                                                    1]):
            x = self.features[start:end](x)
            start = end
            if stage in self.out_indices:
                outs.append(x)
        return tuple(outs)
