"""Keypoint R-CNN's keypoint branch (the paper's Fig. 6 experiment): a head
of heatmaps on RoI features, its targets, loss and decoding."""
import math
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmdet.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor, nn


@MODELS.register_module()
class KeypointRCNNHead(BaseModule):
    """Heatmaps of ``num_keypoints`` keypoints from 14x14 RoI features:
    ``num_convs`` 3x3 convs of ``conv_out_channels`` with ReLU, a 4x4
    stride-2 transposed conv to one channel per keypoint (28x28), and x2
    bilinear upsampling: 56x56 logits (Detectron's keypoint head).

    Args:
        num_keypoints (int): Keypoints per instance (17 on COCO).
        in_channels (int): RoI feature channels. Defaults to 256.
        num_convs (int): Defaults to 8.
        conv_out_channels (int): Defaults to 512.
        roi_feat_size (int): Side of the RoI features. Defaults to 14.
        conv_cfg, norm_cfg (dict, optional): Of the convs (Detectron's
            keypoint head has no normalization; UNVERIFIED for the paper's
            GN models, which the paper does not describe).
        loss_weight (float): Defaults to 1.0.
    """

    def __init__(self,
                 num_keypoints: int,
                 in_channels: int = 256,
                 num_convs: int = 8,
                 conv_out_channels: int = 512,
                 roi_feat_size: int = 14,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: Optional[dict] = None,
                 loss_weight: float = 1.0,
                 init_cfg: Optional[dict] = None) -> None:
        init_cfg = init_cfg or [
            dict(type='Kaiming', mode='fan_out', nonlinearity='relu',
                 distribution='normal', layer=['Conv2d', 'ConvTranspose2d'])
        ]
        super().__init__(init_cfg=init_cfg)
        if num_keypoints < 1:
            raise ValueError(f'num_keypoints={num_keypoints}; expected >= 1')
        self.num_keypoints = num_keypoints
        self.roi_feat_size = roi_feat_size
        self.heatmap_size = roi_feat_size * 4
        self.loss_weight = loss_weight
        self.convs = nn.ModuleList(
            ConvModule(in_channels if i == 0 else conv_out_channels,
                       conv_out_channels, 3, padding=1, conv_cfg=conv_cfg,
                       norm_cfg=norm_cfg) for i in range(num_convs))
        self.deconv = nn.ConvTranspose2d(
            conv_out_channels if num_convs else in_channels, num_keypoints,
            kernel_size=4, stride=2, padding=1)

    def forward(self, x: Tensor) -> Tensor:
        """``(N, C, S, S)`` RoI features -> ``(N, K, 4S, 4S)`` logits."""
        for conv in self.convs:
            x = conv(x)
        x = self.deconv(x)
        return F.interpolate(x, scale_factor=2, mode='bilinear',
                             align_corners=False)

    # --- training ----------------------------------------------------
    def get_targets(self, rois: Tensor, keypoints: Tensor
                    ) -> Tuple[Tensor, Tensor]:
        """Each keypoint's heatmap cell in its RoI, and whether it is a
        target (visible and inside the RoI).

        Args:
            rois (Tensor): ``(N, 4)`` boxes x1, y1, x2, y2.
            keypoints (Tensor): ``(N, K, 3)``, the matched ground truth.

        Returns:
            tuple[Tensor, Tensor]: ``(N, K)`` flat cell index
            (``y * S + x``) and ``(N, K)`` bool validity.
        """
        if keypoints.shape[1] != self.num_keypoints:
            raise ValueError(
                f'the data has {keypoints.shape[1]} keypoints per instance, '
                f'but keypoint_head.num_keypoints={self.num_keypoints}: '
                'set it to the dataset\'s')
        size = self.heatmap_size
        x0, y0 = rois[:, 0:1], rois[:, 1:2]
        x1, y1 = rois[:, 2:3], rois[:, 3:4]
        px, py = keypoints[..., 0], keypoints[..., 1]
        # cell of a point: floor((p - start) / (box side / S)); a point on
        # the far edge belongs to the last cell
        cx = ((px - x0) * size / (x1 - x0).clamp(min=1e-6)).floor().long()
        cy = ((py - y0) * size / (y1 - y0).clamp(min=1e-6)).floor().long()
        cx[px == x1] = size - 1
        cy[py == y1] = size - 1
        valid = (keypoints[..., 2] > 0) & (cx >= 0) & (cy >= 0) & \
            (cx < size) & (cy < size)
        index = (cy * size + cx) * valid
        return index, valid

    def loss(self, logits: Tensor, index: Tensor,
             valid: Tensor) -> Tensor:
        """Cross-entropy over each keypoint's ``S x S`` cells (a spatial
        softmax), summed over the visible keypoints and divided by their
        number in the batch."""
        flat = logits.flatten(2).flatten(0, 1)  # (N*K, S*S)
        valid = valid.flatten()
        if not valid.any():
            return logits.sum() * 0
        loss = F.cross_entropy(flat[valid], index.flatten()[valid],
                               reduction='sum') / valid.sum()
        return self.loss_weight * loss

    # --- inference ---------------------------------------------------
    def decode(self, logits: Tensor, boxes: Tensor) -> Tensor:
        """Keypoints of each box from its heatmaps: each keypoint's logits
        resized (bicubic) to the box's size in pixels, the highest cell's
        centre, and its logit as the score.

        Args:
            logits (Tensor): ``(N, K, S, S)``.
            boxes (Tensor): ``(N, 4)``, in the pixels the keypoints are
                wanted in.

        Returns:
            Tensor: ``(N, K, 3)``: x, y, score.
        """
        out = logits.new_zeros(logits.shape[0], self.num_keypoints, 3)
        for i, (box, maps) in enumerate(zip(boxes, logits)):
            width = float((box[2] - box[0]).clamp(min=1))
            height = float((box[3] - box[1]).clamp(min=1))
            cols, rows = math.ceil(width), math.ceil(height)
            big = F.interpolate(maps[None], size=(rows, cols), mode='bicubic',
                                align_corners=False)[0]
            score, where = big.flatten(1).max(dim=1)
            x = (where % cols).float() + 0.5
            y = torch.div(where, cols, rounding_mode='floor').float() + 0.5
            # cells of the ceil-sized map back to the box's real size
            out[i, :, 0] = box[0] + x * width / cols
            out[i, :, 1] = box[1] + y * height / rows
            out[i, :, 2] = score
        return out
