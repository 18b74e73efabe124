"""RoIAlign as two small matrix products, for the CPU.

mmcv's CPU ``roi_align`` walks every RoI, bin and channel in one thread,
and its backward scatters into the whole feature map the same way: a
quarter of a toy training step on 2 cores. RoIAlign's bilinear sampling is
separable, though: every sample of bin ``(p, q)`` of a RoI sits on the
rows of bin row ``p`` and the columns of bin column ``q``, so

    out[r, c] = Ay[r] @ F[b(r), c] @ Ax[r].T

where ``Ay[r]`` (``P x H``) holds, for each bin row, the bilinear weights
of its sample rows summed (divided by the sampling grid's height) and
``Ax[r]`` (``Q x W``) the same for columns. Both products are dense GEMMs
(one per image, one batched per RoI) that use every core, and autograd's
backward is two GEMMs more. The result is mmcv's to float rounding
(``tests/test_roi_extractor.py`` compares forward and backward): the same
sample points, the adaptive sampling grid (``sampling_ratio=0``,
``ceil(roi_size / output_size)`` per RoI and axis), the same rules at the
borders (``aligned``, samples outside ``[-1, size]`` dropped, the count
unchanged).

:class:`SeparableRoIExtractor` is mmdet's ``SingleRoIExtractor`` with this
path on CPU tensors and mmcv's kernel on CUDA ones: the toy configs use it
(``configs/toy``); the paper configs keep mmdet's extractor.
"""
from typing import Tuple

import torch
from mmdet.models.roi_heads.roi_extractors import SingleRoIExtractor
from mmdet.registry import MODELS
from torch import Tensor, nn


def _axis_weights(start: Tensor, length: Tensor, bins: int, size: int,
                  sampling_ratio: int) -> Tensor:
    """``(R, bins, size)`` bilinear weights along one axis, each bin's
    samples summed and divided by the grid's extent along this axis.

    Args:
        start (Tensor): ``(R,)`` RoI starts in feature coordinates.
        length (Tensor): ``(R,)`` RoI lengths in feature coordinates.
        bins (int): Output bins along the axis.
        size (int): Feature map extent along the axis.
        sampling_ratio (int): Samples per bin; 0: ``ceil(length / bins)``.
    """
    num = start.numel()
    bin_size = length / bins
    if sampling_ratio > 0:
        grid = torch.full_like(length, sampling_ratio)
    else:
        grid = torch.ceil(length / bins)
    most = max(int(grid.max().item()) if num else 0, 1)
    sample = torch.arange(most, dtype=start.dtype, device=start.device)
    grid_ = grid.clamp(min=1)[:, None, None]
    pos = (start[:, None, None]
           + torch.arange(bins, dtype=start.dtype,
                          device=start.device)[None, :, None]
           * bin_size[:, None, None]
           + (sample[None, None, :] + 0.5) * bin_size[:, None, None] / grid_)
    # a sample counts if it is in the RoI's grid and not outside the map
    weight = ((sample[None, None, :] < grid[:, None, None])
              & (pos >= -1.0) & (pos <= size)).to(start.dtype) / grid_
    pos = pos.clamp(min=0)
    low = pos.floor().long()
    at_end = low >= size - 1
    low = torch.where(at_end, torch.full_like(low, size - 1), low)
    high = torch.where(at_end, low, low + 1)
    frac = torch.where(at_end, torch.zeros_like(pos), pos - low.to(pos.dtype))
    out = pos.new_zeros(num, bins, size)
    out.scatter_add_(2, low, weight * (1 - frac))
    out.scatter_add_(2, high, weight * frac)
    return out


def separable_roi_align(features: Tensor, rois: Tensor,
                        output_size: Tuple[int, int], spatial_scale: float,
                        sampling_ratio: int = 0,
                        aligned: bool = True) -> Tensor:
    """mmcv's ``roi_align`` (``pool_mode='avg'``) as matrix products.

    Args:
        features (Tensor): ``(N, C, H, W)``.
        rois (Tensor): ``(R, 5)``: image index, x1, y1, x2, y2 (image
            coordinates).
        output_size (tuple[int, int]): ``(P, Q)`` bins.
        spatial_scale (float): Feature coordinates per image pixel.
        sampling_ratio (int): Samples per bin and axis; 0 for adaptive.
        aligned (bool): Shift by half a pixel (Detectron2's ``aligned``).

    Returns:
        Tensor: ``(R, C, P, Q)``.
    """
    _, channels, height, width = features.shape
    bins_h, bins_w = output_size
    rois = rois.detach().to(features.dtype)
    offset = 0.5 if aligned else 0.0
    x1 = rois[:, 1] * spatial_scale - offset
    y1 = rois[:, 2] * spatial_scale - offset
    roi_w = rois[:, 3] * spatial_scale - offset - x1
    roi_h = rois[:, 4] * spatial_scale - offset - y1
    if not aligned:
        roi_w, roi_h = roi_w.clamp(min=1.0), roi_h.clamp(min=1.0)
    wy = _axis_weights(y1, roi_h, bins_h, height, sampling_ratio)
    wx = _axis_weights(x1, roi_w, bins_w, width, sampling_ratio)
    out = features.new_zeros(rois.size(0), channels, bins_h, bins_w)
    index = rois[:, 0].long()
    for img in torch.unique(index).tolist():
        take = (index == img).nonzero(as_tuple=True)[0]
        # rows: (R_i * P, H) @ (H, C * W) -> (R_i, P, C, W)
        feat = features[img].permute(1, 0, 2).reshape(height,
                                                      channels * width)
        rows = (wy[take].reshape(-1, height) @ feat).reshape(
            take.numel(), bins_h, channels, width)
        # columns: (R_i, P * C, W) @ (R_i, W, Q) -> (R_i, P, C, Q)
        cols = torch.bmm(rows.reshape(take.numel(), bins_h * channels, width),
                         wx[take].transpose(1, 2))
        out[take] = cols.reshape(take.numel(), bins_h, channels,
                                 bins_w).permute(0, 2, 1, 3)
    return out


class SeparableRoIAlign(nn.Module):
    """Wraps one of mmcv's ``RoIAlign`` layers: mmcv's kernel on CUDA
    tensors, :func:`separable_roi_align` on CPU ones."""

    def __init__(self, layer: nn.Module) -> None:
        super().__init__()
        if getattr(layer, 'pool_mode', 'avg') != 'avg':
            raise ValueError('SeparableRoIAlign: only pool_mode="avg" '
                             f'(mmdet\'s default), got {layer.pool_mode!r}')
        self.layer = layer
        self.output_size = layer.output_size

    def forward(self, features: Tensor, rois: Tensor) -> Tensor:
        if features.is_cuda:
            return self.layer(features, rois)
        return separable_roi_align(features, rois, self.layer.output_size,
                                   self.layer.spatial_scale,
                                   self.layer.sampling_ratio,
                                   self.layer.aligned)


@MODELS.register_module()
class SeparableRoIExtractor(SingleRoIExtractor):
    """mmdet's ``SingleRoIExtractor`` whose mmcv ``RoIAlign`` layers run as
    matrix products on the CPU (:func:`separable_roi_align`; the same
    numbers). Arguments are mmdet's; ``roi_layer`` must be ``RoIAlign``."""

    def build_roi_layers(self, layer_cfg, featmap_strides) -> nn.ModuleList:
        if layer_cfg.get('type') != 'RoIAlign':
            raise ValueError('SeparableRoIExtractor: roi_layer.type must be '
                             f'"RoIAlign", got {layer_cfg.get("type")!r}')
        layers = super().build_roi_layers(layer_cfg, featmap_strides)
        return nn.ModuleList(SeparableRoIAlign(layer) for layer in layers)


__all__ = ['SeparableRoIAlign', 'SeparableRoIExtractor',
           'separable_roi_align']
