"""Bootstrap intervals over validation images for COCO box AP and for the
gap between two models evaluated on the same images (the toy study's
rules, docs/toy.md).

COCO's evaluation matches each image's detections to its ground truth
independently of the other images (``COCOeval.evaluate``); only the
accumulation into precision/recall pools the images. So each model is
matched once, and each bootstrap sample re-pools the per-image matches of
a resample of the images (with repetition), exactly as
``COCOeval.accumulate`` pools them: with every image once, the AP is
COCOeval's own (a test checks it to 1e-12). The gap's interval resamples
the *same* images for both models (a paired bootstrap).
"""
import contextlib
import io
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np


class MatchedDetections:
    """One model's detections matched to the ground truth, per category
    and image, at COCO's ten IoU thresholds ("all" areas, 100 per image).

    Args:
        gt (COCO): The ground truth (pycocotools' ``COCO``).
        detections (list): COCO-format results (``image_id``,
            ``category_id``, ``bbox``, ``score``).
        iou_type (str): ``bbox`` (default) or ``segm``.
    """

    def __init__(self, gt, detections: List[dict],
                 iou_type: str = 'bbox') -> None:
        from pycocotools.cocoeval import COCOeval
        self.img_ids = sorted(gt.getImgIds())
        with contextlib.redirect_stdout(io.StringIO()):
            dt = gt.loadRes(detections) if detections else None
            if dt is None:  # nothing detected: no match anywhere
                self._empty(gt)
                return
            ev = COCOeval(gt, dt, iou_type)
            ev.params.imgIds = self.img_ids
            ev.evaluate()
        p = ev.params
        self.rec_thrs = p.recThrs
        self.num_iou = len(p.iouThrs)
        max_det = p.maxDets[-1]
        area_all = p.areaRng.index(p.areaRng[0])
        num_imgs = len(p.imgIds)
        num_areas = len(p.areaRng)
        # per category: per image (scores, matched (T, D), ignored (T, D),
        # the image's non-ignored ground truth count)
        self.per_cat: List[List[Optional[Tuple]]] = []
        for k in range(len(p.catIds)):
            images = []
            for i in range(num_imgs):
                e = ev.evalImgs[k * num_areas * num_imgs + area_all *
                                num_imgs + i]
                if e is None:
                    images.append(None)
                    continue
                images.append((np.asarray(e['dtScores'][:max_det]),
                               e['dtMatches'][:, :max_det] > 0,
                               e['dtIgnore'][:, :max_det].astype(bool),
                               int(np.count_nonzero(
                                   np.asarray(e['gtIgnore']) == 0))))
            self.per_cat.append(images)

    def _empty(self, gt) -> None:
        from pycocotools.cocoeval import Params
        p = Params(iouType='bbox')
        self.rec_thrs, self.num_iou = p.recThrs, len(p.iouThrs)
        self.per_cat = []
        for cat in sorted(gt.getCatIds()):
            images = []
            for img in self.img_ids:
                anns = gt.loadAnns(gt.getAnnIds(imgIds=[img], catIds=[cat],
                                                iscrowd=False))
                n = len(anns)
                images.append(None if n == 0 else (
                    np.zeros(0), np.zeros((self.num_iou, 0), bool),
                    np.zeros((self.num_iou, 0), bool), n))
            self.per_cat.append(images)

    def ap(self, sample: Optional[Sequence[int]] = None) -> float:
        """COCO's AP (mean over IoU 0.50:0.95 and categories) pooled over
        the images at positions ``sample`` (all, once, by default)."""
        if sample is None:
            sample = range(len(self.img_ids))
        precisions = []
        for images in self.per_cat:
            chosen = [images[i] for i in sample if images[i] is not None]
            npig = sum(c[3] for c in chosen)
            if npig == 0:
                continue  # COCOeval leaves such a category out (-1)
            scores = np.concatenate([c[0] for c in chosen])
            order = np.argsort(-scores, kind='mergesort')
            matched = np.concatenate([c[1] for c in chosen], 1)[:, order]
            ignored = np.concatenate([c[2] for c in chosen], 1)[:, order]
            tps = np.cumsum(matched & ~ignored, 1, dtype=float)
            fps = np.cumsum(~matched & ~ignored, 1, dtype=float)
            for t in range(self.num_iou):
                precisions.append(self._precision(tps[t], fps[t], npig))
        return float(np.mean(precisions)) if precisions else float('nan')

    def _precision(self, tp: np.ndarray, fp: np.ndarray, npig: int) -> float:
        """Mean interpolated precision at the recall thresholds, as
        ``COCOeval.accumulate`` computes it."""
        q = np.zeros(len(self.rec_thrs))
        if len(tp):
            rc = tp / npig
            pr = tp / (fp + tp + np.spacing(1))
            pr = np.maximum.accumulate(pr[::-1])[::-1]
            inds = np.searchsorted(rc, self.rec_thrs, side='left')
            valid = inds < len(pr)
            q[valid] = pr[inds[valid]]
        return float(q.mean())


def interval(values: Sequence[float], level: float = 0.95
             ) -> Tuple[float, float]:
    """The percentile interval of bootstrap ``values``."""
    lo, hi = np.percentile(values, [50 * (1 - level), 50 * (1 + level)])
    return float(lo), float(hi)


def gap_interval(a: MatchedDetections, b: MatchedDetections,
                 samples: int = 1000, seed: int = 0,
                 level: float = 0.95) -> Dict[str, float]:
    """``b`` minus ``a`` in box AP (points of %), with its paired
    bootstrap interval over the validation images.

    Returns:
        dict: ``gap`` (on all images), ``low``, ``high``, ``samples``.
    """
    if a.img_ids != b.img_ids:
        raise ValueError('the two models were evaluated on different '
                         'images: a paired bootstrap needs the same ones')
    rng = np.random.default_rng(seed)
    n = len(a.img_ids)
    gaps = []
    for _ in range(samples):
        sample = rng.integers(n, size=n)
        gaps.append(100 * (b.ap(sample) - a.ap(sample)))
    low, high = interval(gaps, level)
    return dict(gap=100 * (b.ap() - a.ap()), low=low, high=high,
                samples=samples)
