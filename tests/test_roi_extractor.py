"""The CPU RoIAlign of the toy configs gives mmcv's numbers, forward and
backward (mmcv's own CPU kernel is the reference)."""
import pytest
import torch
from mmcv.ops import roi_align
from mmdet.models.roi_heads.roi_extractors import SingleRoIExtractor

from mmrethink.models.roi_extractor import (SeparableRoIExtractor,
                                            separable_roi_align)

#: the agreement with mmcv (docs/toy.md quotes them)
FORWARD_TOL = 1e-5
BACKWARD_TOL = 1e-4


def _rois(n, num_images, extent, seed):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * extent * 1.2 - 0.1 * extent
    wh = torch.rand(n, 2, generator=g) * extent * 0.8
    rois = torch.cat([torch.randint(0, num_images, (n, 1), generator=g).float(),
                      xy, xy + wh], 1)
    rois[0, 1:] = torch.tensor([5., 5., 5., 5.])  # empty box
    rois[1, 1:] = torch.tensor([-30., -30., -10., -10.])  # outside the map
    rois[2, 1:] = torch.tensor([0., 0., extent, extent])  # the whole map
    return rois


@pytest.mark.parametrize('aligned', [True, False])
@pytest.mark.parametrize('sampling_ratio', [0, 2])
@pytest.mark.parametrize('output_size', [(7, 7), (14, 14)])
@pytest.mark.parametrize('height,width,scale', [(40, 40, 0.25),
                                                (20, 24, 0.125)])
def test_equals_mmcv_forward_and_backward(aligned, sampling_ratio,
                                          output_size, height, width, scale):
    torch.manual_seed(0)
    feats = torch.randn(3, 8, height, width, requires_grad=True)
    rois = _rois(60, 3, width / scale, seed=height + sampling_ratio)
    ref = roi_align(feats, rois, output_size, scale, sampling_ratio, 'avg',
                    aligned)
    ours = separable_roi_align(feats, rois, output_size, scale,
                               sampling_ratio, aligned)
    assert ours.shape == ref.shape
    torch.testing.assert_close(ours, ref, atol=FORWARD_TOL,
                               rtol=FORWARD_TOL)
    grad = torch.randn_like(ref)
    g_ref, = torch.autograd.grad(ref, feats, grad)
    g_ours, = torch.autograd.grad(ours, feats, grad)
    torch.testing.assert_close(g_ours, g_ref, atol=BACKWARD_TOL,
                               rtol=BACKWARD_TOL)
    assert ref.abs().sum() > 0  # the comparison saw values


def test_extractor_equals_mmdets_on_an_fpn():
    cfg = dict(roi_layer=dict(type='RoIAlign', output_size=7,
                              sampling_ratio=0),
               out_channels=16, featmap_strides=[4, 8, 16, 32])
    ref, ours = SingleRoIExtractor(**cfg), SeparableRoIExtractor(**cfg)
    torch.manual_seed(1)
    feats = tuple(torch.randn(2, 16, 160 // s, 160 // s, requires_grad=True)
                  for s in (4, 8, 16, 32))
    rois = _rois(80, 2, 160, seed=3)
    a, b = ref(feats, rois), ours(feats, rois)
    torch.testing.assert_close(b, a, atol=FORWARD_TOL, rtol=FORWARD_TOL)
    grad = torch.randn_like(a)
    for ga, gb in zip(torch.autograd.grad(a, feats, grad),
                      torch.autograd.grad(b, feats, grad)):
        torch.testing.assert_close(gb, ga, atol=BACKWARD_TOL,
                                   rtol=BACKWARD_TOL)
    # no parameters of its own: checkpoints of either load into the other
    assert ours.state_dict().keys() == ref.state_dict().keys()


def test_refuses_what_it_does_not_compute():
    with pytest.raises(ValueError, match='roi_layer.type must be "RoIAlign"'):
        SeparableRoIExtractor(
            roi_layer=dict(type='RoIPool', output_size=7), out_channels=8,
            featmap_strides=[4])
    with pytest.raises(ValueError, match='pool_mode="avg"'):
        SeparableRoIExtractor(
            roi_layer=dict(type='RoIAlign', output_size=7, pool_mode='max'),
            out_channels=8, featmap_strides=[4])


@pytest.mark.skipif(not torch.cuda.is_available(),
                    reason='the CUDA path is mmcv\'s kernel: needs a GPU')
def test_cuda_uses_mmcvs_kernel_and_agrees():
    cfg = dict(roi_layer=dict(type='RoIAlign', output_size=7,
                              sampling_ratio=0),
               out_channels=8, featmap_strides=[4])
    ours = SeparableRoIExtractor(**cfg)
    feats = (torch.randn(2, 8, 40, 40),)
    rois = _rois(30, 2, 160, seed=5)
    cpu = ours(feats, rois)
    gpu = ours.cuda()(tuple(f.cuda() for f in feats), rois.cuda())
    torch.testing.assert_close(gpu.cpu(), cpu, atol=1e-4, rtol=1e-4)
