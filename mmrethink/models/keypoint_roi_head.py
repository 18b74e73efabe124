"""mmdet's ``StandardRoIHead`` with a keypoint branch: boxes, masks and
keypoints in one RoI head (Keypoint (Mask) R-CNN, the paper's Fig. 6)."""
from typing import List, Optional, Tuple

import torch
from mmdet.models.roi_heads import StandardRoIHead
from mmdet.models.utils import unpack_gt_instances
from mmdet.registry import MODELS
from mmdet.structures.bbox import bbox2roi
from torch import Tensor


@MODELS.register_module()
class KeypointRoIHead(StandardRoIHead):
    """mmdet's ``StandardRoIHead`` (box and mask branches as mmdet has
    them) plus a keypoint branch.

    Training: the keypoint branch sees the positive RoIs of the box
    branch's sampling that hold at least one visible keypoint of their
    ground truth (Detectron's rule); its features come from
    ``keypoint_roi_extractor`` (14x14 RoIAlign), its loss from
    ``keypoint_head`` (a spatial softmax per keypoint, normalized by the
    visible keypoints of the batch). Inference: the keypoints of every
    detected box, ``pred_instances.keypoints`` ``(N, K, 3)`` (x, y, score)
    in the same pixels as the boxes.

    Args:
        keypoint_roi_extractor (dict): The branch's RoI extractor.
        keypoint_head (dict): A ``KeypointRCNNHead``.
        **kwargs: mmdet's ``StandardRoIHead`` arguments.
    """

    def __init__(self, keypoint_roi_extractor: Optional[dict] = None,
                 keypoint_head: Optional[dict] = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if keypoint_head is not None:
            if keypoint_roi_extractor is None:
                raise ValueError('KeypointRoIHead: keypoint_head needs a '
                                 'keypoint_roi_extractor')
            self.keypoint_roi_extractor = MODELS.build(keypoint_roi_extractor)
            self.keypoint_head = MODELS.build(keypoint_head)
        self._sampling_results = None

    @property
    def with_keypoint(self) -> bool:
        return getattr(self, 'keypoint_head', None) is not None

    # --- training ----------------------------------------------------
    def bbox_loss(self, x, sampling_results):
        """mmdet's; keeps the sampling for the keypoint branch."""
        self._sampling_results = sampling_results
        return super().bbox_loss(x, sampling_results)

    def loss(self, x: Tuple[Tensor], rpn_results_list,
             batch_data_samples) -> dict:
        """mmdet's box and mask losses, then the keypoint loss over the
        same sampled RoIs."""
        losses = super().loss(x, rpn_results_list, batch_data_samples)
        sampling_results, self._sampling_results = \
            self._sampling_results, None
        if self.with_keypoint:
            batch_gt_instances = unpack_gt_instances(batch_data_samples)[0]
            losses['loss_keypoint'] = self.keypoint_loss(
                x, sampling_results, batch_gt_instances)
        return losses

    def keypoint_loss(self, x, sampling_results, batch_gt_instances
                      ) -> Tensor:
        """The keypoint loss of the positive RoIs with a visible keypoint
        inside."""
        rois, points = [], []
        for result, gt in zip(sampling_results, batch_gt_instances):
            if 'keypoints' not in gt:
                raise KeyError(
                    'KeypointRoIHead: the ground truth has no keypoints: use '
                    'LoadKeypointAnnotations and PackKeypointDetInputs in '
                    'the pipeline (mmrethink.datasets.keypoint_transforms)')
            boxes = result.pos_priors
            matched = gt.keypoints[result.pos_assigned_gt_inds]
            inside = _visible_inside(matched, boxes)
            rois.append(boxes[inside])
            points.append(matched[inside])
        rois = bbox2roi(rois)
        points = torch.cat(points)
        if rois.shape[0] == 0:  # keeps every parameter in the graph
            return sum(p.sum() for p in self.keypoint_head.parameters()) * 0
        logits = self._keypoint_forward(x, rois)
        index, valid = self.keypoint_head.get_targets(rois[:, 1:], points)
        return self.keypoint_head.loss(logits, index, valid)

    def _keypoint_forward(self, x, rois: Tensor) -> Tensor:
        feats = self.keypoint_roi_extractor(
            x[:self.keypoint_roi_extractor.num_inputs], rois)
        return self.keypoint_head(feats)

    # --- inference ---------------------------------------------------
    def predict(self, x: Tuple[Tensor], rpn_results_list,
                batch_data_samples, rescale: bool = False) -> List:
        """mmdet's box (and mask) prediction with the keypoints of every
        detected box. Keypoints are decoded on the unscaled boxes, before
        the mask branch rescales them."""
        if not self.with_keypoint:
            return super().predict(x, rpn_results_list, batch_data_samples,
                                   rescale)
        batch_img_metas = [s.metainfo for s in batch_data_samples]
        results_list = self.predict_bbox(
            x, batch_img_metas, rpn_results_list,
            rcnn_test_cfg=self.test_cfg, rescale=False)
        results_list = self.predict_keypoints(x, batch_img_metas,
                                              results_list, rescale)
        if self.with_mask:
            results_list = self.predict_mask(x, batch_img_metas,
                                             results_list, rescale=rescale)
        elif rescale:
            for results, meta in zip(results_list, batch_img_metas):
                results.bboxes = results.bboxes / results.bboxes.new_tensor(
                    meta['scale_factor']).repeat(2)
        return results_list

    def predict_keypoints(self, x, batch_img_metas, results_list,
                          rescale: bool = False) -> List:
        """``keypoints`` of each result's boxes (input pixels, or the
        original image's with ``rescale``); the boxes are not changed."""
        boxes = [r.bboxes for r in results_list]
        rois = bbox2roi(boxes)
        num = self.keypoint_head.num_keypoints
        if rois.shape[0] == 0:
            for r in results_list:
                r.keypoints = r.bboxes.new_zeros(0, num, 3)
            return results_list
        logits = self._keypoint_forward(x, rois)
        per_image = logits.split([len(b) for b in boxes])
        for r, meta, maps in zip(results_list, batch_img_metas, per_image):
            points = self.keypoint_head.decode(maps, r.bboxes)
            if rescale:
                scale = points.new_tensor(meta['scale_factor'])
                points[..., :2] = points[..., :2] / scale
            r.keypoints = points
        return results_list


def _visible_inside(keypoints: Tensor, boxes: Tensor) -> Tensor:
    """Which boxes hold at least one visible keypoint of theirs."""
    x, y, v = keypoints.unbind(-1)
    inside = (x >= boxes[:, 0:1]) & (x <= boxes[:, 2:3]) & \
        (y >= boxes[:, 1:2]) & (y <= boxes[:, 3:4]) & (v > 0)
    return inside.any(dim=1)
