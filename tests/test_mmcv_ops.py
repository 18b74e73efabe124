"""mmcv was built with its compiled ops, and they run on the CPU."""
import torch
from mmcv.ops import RoIAlign, nms


def test_roi_align_forward_backward_on_cpu():
    feat = torch.arange(2 * 3 * 8 * 8, dtype=torch.float32).reshape(
        2, 3, 8, 8).requires_grad_()
    # (batch index, x1, y1, x2, y2)
    rois = torch.tensor([[0, 0., 0., 4., 4.], [1, 2., 2., 7., 7.]])
    op = RoIAlign(output_size=(2, 2), spatial_scale=1.0, sampling_ratio=2,
                  aligned=True)
    out = op(feat, rois)
    assert out.shape == (2, 3, 2, 2)
    # a linear ramp averaged over a box equals the ramp at the box centre:
    # first bin of roi 0 in channel 0 covers x, y in [0, 2] -> centre (0.5,
    # 0.5) after the half-pixel shift of aligned=True
    assert torch.allclose(out[0, 0, 0, 0], torch.tensor(0.5 * 8 + 0.5),
                          atol=1e-4)
    out.sum().backward()
    assert feat.grad is not None
    # every input pixel inside roi 1 receives gradient, none of image 1
    # outside it
    assert feat.grad[1, 0, 3, 3] > 0
    assert feat.grad[1, 0, 0, 0] == 0
    # the gradient of a sum distributes exactly one unit per output element
    assert torch.isclose(feat.grad.sum(), torch.tensor(float(out.numel())))


def test_nms_on_cpu():
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.],
                          [20., 20., 30., 30.]])
    scores = torch.tensor([0.9, 0.8, 0.7])
    dets, keep = nms(boxes, scores, iou_threshold=0.5)
    assert keep.tolist() == [0, 2]
    assert torch.allclose(dets[:, 4], torch.tensor([0.9, 0.7]))
    _, keep_loose = nms(boxes, scores, iou_threshold=0.9)
    assert keep_loose.tolist() == [0, 1, 2]
