"""COCO person keypoints: the dataset of the paper's keypoint experiment
(Fig. 6), which mmdet's ``CocoDataset`` cannot give (it drops
``keypoints``)."""
from typing import List, Optional, Sequence

import numpy as np
from mmdet.registry import DATASETS

from .checked_coco import CheckedCocoDataset

#: COCO's 17 person keypoints, in the files' order
COCO_KEYPOINTS = (
    'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
    'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
    'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee',
    'right_knee', 'left_ankle', 'right_ankle')


def flip_indices(names: Sequence[str]) -> List[int]:
    """For each keypoint, the index of its mirror image: ``left_x`` and
    ``right_x`` swap, the others map to themselves.

    Raises:
        ValueError: if a ``left_``/``right_`` name has no partner.
    """
    index = {n: i for i, n in enumerate(names)}
    flipped = []
    for name in names:
        for a, b in (('left_', 'right_'), ('right_', 'left_')):
            if name.startswith(a):
                partner = b + name[len(a):]
                if partner not in index:
                    raise ValueError(f'keypoint {name!r} has no {partner!r} '
                                     f'to swap with when flipped; names: '
                                     f'{list(names)}')
                flipped.append(index[partner])
                break
        else:
            flipped.append(index[name])
    return flipped


def _kept_by_mmdet(ann: dict, img_info: dict, cat_ids) -> bool:
    """Whether mmdet's ``CocoDataset.parse_data_info`` makes an instance of
    ``ann`` (its rules, mmdet 3.3; ``parse_data_info`` below checks that
    the two agree)."""
    if ann.get('ignore', False):
        return False
    x1, y1, w, h = ann['bbox']
    inter_w = max(0, min(x1 + w, img_info['width']) - max(x1, 0))
    inter_h = max(0, min(y1 + h, img_info['height']) - max(y1, 0))
    return (inter_w * inter_h > 0 and ann['area'] > 0 and w >= 1 and h >= 1
            and ann['category_id'] in cat_ids)


@DATASETS.register_module()
class CocoKeypointDataset(CheckedCocoDataset):
    """COCO person keypoints (``person_keypoints_{train,val}2017.json``) as
    mmdet instances: boxes, masks and ``keypoints`` (K x 3: x, y,
    visibility 0/1/2).

    The keypoint names and the skeleton come from the file's person
    category; the flip map from the names (``left_x`` <-> ``right_x``,
    :func:`flip_indices`). They go into ``metainfo``
    (``keypoint_names``, ``skeleton``, ``flip_indices``) and, for the
    transforms, into every sample (``flip_indices``). For training, only
    images with at least ``min_visible_keypoints`` visible keypoints over
    their non-crowd people are kept (Detectron's rule, 1).

    Args:
        num_keypoints (int, optional): The keypoints the model predicts;
            the file must have exactly that many.
        min_visible_keypoints (int): Training images with fewer visible
            keypoints are dropped. Defaults to 1.
        **kwargs: ``CheckedCocoDataset``'s (mmdet's ``CocoDataset``'s).
    """

    METAINFO = dict(classes=('person', ), palette=[(220, 20, 60)])

    def __init__(self, *args, num_keypoints: Optional[int] = None,
                 min_visible_keypoints: int = 1, **kwargs) -> None:
        self.num_keypoints = num_keypoints
        self.min_visible_keypoints = min_visible_keypoints
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Read the file; take the keypoint names, skeleton and flip map
        from its person category."""
        self._keypoint_meta = None
        return super().load_data_list()

    def _read_keypoint_meta(self) -> dict:
        cats = self.coco.load_cats(self.cat_ids)
        names = cats[0].get('keypoints') if cats else None
        if not names:
            raise ValueError(
                f'annotation file {self.ann_file}: category '
                f'{self.metainfo["classes"][0]!r} lists no "keypoints" '
                '(names); expected a COCO person_keypoints_*.json file')
        if self.num_keypoints is not None and len(names) != \
                self.num_keypoints:
            raise ValueError(
                f'annotation file {self.ann_file} has {len(names)} keypoints '
                f'({names}), but the config asks for num_keypoints='
                f'{self.num_keypoints} (the dataset\'s and the keypoint '
                'head\'s num_keypoints must be the file\'s)')
        meta = dict(keypoint_names=tuple(names),
                    skeleton=[list(e) for e in cats[0].get('skeleton', [])],
                    flip_indices=flip_indices(names))
        self._metainfo.update(meta)
        return meta

    def parse_data_info(self, raw_data_info: dict) -> dict:
        """mmdet's instances, each with its ``keypoints``."""
        if self._keypoint_meta is None:
            self._keypoint_meta = self._read_keypoint_meta()
        data_info = super().parse_data_info(raw_data_info)
        num = len(self._keypoint_meta['keypoint_names'])
        img_info = raw_data_info['raw_img_info']
        kept = [a for a in raw_data_info['raw_ann_info']
                if _kept_by_mmdet(a, img_info, self.cat_ids)]
        instances = data_info['instances']
        if len(kept) != len(instances) or any(
                inst['bbox'][:2] != list(ann['bbox'][:2])
                for inst, ann in zip(instances, kept)):
            raise RuntimeError(
                'CocoKeypointDataset: mmdet kept other annotations than its '
                'rules in mmrethink/datasets/coco_keypoints.py say (a newer '
                'mmdet?): keypoints cannot be matched to instances')
        for inst, ann in zip(instances, kept):
            inst['keypoints'] = self._keypoints(ann, img_info, num)
        data_info['flip_indices'] = list(self._keypoint_meta['flip_indices'])
        return data_info

    def _keypoints(self, ann: dict, img_info: dict, num: int) -> list:
        values = ann.get('keypoints')
        if values is None and ann.get('iscrowd', False):
            values = [0] * (3 * num)  # crowds are ignored regions
        if not isinstance(values, list) or len(values) != 3 * num:
            got = (f'{len(values)} values' if isinstance(values, list) else
                   repr(values))
            raise ValueError(
                f'annotation file {self.ann_file}: annotation id '
                f'{ann.get("id")} (image id {img_info.get("img_id")}): '
                f'"keypoints" has {got}; expected {3 * num} (x, y, v for '
                f'each of the {num} keypoints)')
        return np.asarray(values, dtype=np.float32).reshape(num, 3).tolist()

    def filter_data(self) -> List[dict]:
        """mmdet's filter, then (training) the images with fewer than
        ``min_visible_keypoints`` visible keypoints go."""
        data_list = super().filter_data()
        if self.test_mode or self.min_visible_keypoints <= 0:
            return data_list
        return [d for d in data_list if sum(
            sum(1 for p in inst['keypoints'] if p[2] > 0)
            for inst in d['instances'] if not inst['ignore_flag'])
            >= self.min_visible_keypoints]
