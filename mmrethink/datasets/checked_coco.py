"""COCO data that fails early and names the file or key at fault."""
import json
import os
import os.path as osp
from functools import partial
from typing import List, Sequence

from mmdet.datasets import CocoDataset
from mmdet.datasets.api_wrappers import COCO
from mmdet.registry import DATASETS
from mmengine.dist import (broadcast_object_list, get_world_size,
                           is_main_process)

#: keys every COCO annotation file needs (``annotations`` only for training
#: and validation: test-dev files list images alone)
REQUIRED_KEYS = ('images', 'categories')


class CheckedCOCO(COCO):
    """mmdet's COCO API, with errors that name the annotation file.

    Args:
        annotation_file (str): The file to load.
        classes (Sequence[str]): Names the dataset trains on; each must be a
            category of the file (mmdet's ``CocoDataset`` silently drops
            those that are not, and trains with fewer classes).
        require_annotations (bool): Whether ``annotations`` must be
            present.
    """

    def __init__(self,
                 annotation_file: str,
                 classes: Sequence[str] = (),
                 require_annotations: bool = True) -> None:
        if not osp.isfile(annotation_file):
            raise FileNotFoundError(
                f'annotation file {annotation_file} does not exist (the '
                "dataset's data_root + ann_file); README 'Training on COCO' "
                'says where COCO goes (tools/download_coco.sh)')
        try:
            super().__init__(annotation_file)
        except json.JSONDecodeError as err:
            raise ValueError(
                f'annotation file {annotation_file} is not valid JSON: '
                f'{err.msg} at line {err.lineno}, column {err.colno} '
                f'(byte {err.pos}); a truncated download?') from None
        except AssertionError:  # pycocotools: top level is not an object
            raise ValueError(
                f'annotation file {annotation_file}: expected a JSON object '
                'with keys images, annotations and categories') from None
        required = REQUIRED_KEYS + (('annotations', )
                                    if require_annotations else ())
        for key in required:
            value = self.dataset.get(key)
            if not isinstance(value, list):
                found = ('is missing' if key not in self.dataset else
                         f'is a {type(value).__name__}')
                raise ValueError(
                    f'annotation file {annotation_file}: key {key!r} {found}; '
                    'expected a list')
        names = [c.get('name') for c in self.dataset['categories']]
        missing = [c for c in classes if c not in names]
        if missing:
            raise ValueError(
                f'annotation file {annotation_file} has no categories '
                f'{missing}, which metainfo.classes asks for; its '
                f'categories are {names}')


def missing_files(paths: Sequence[str]) -> List[str]:
    """The ``paths`` that do not exist, found by listing each folder once
    (a shared file system answers one directory read much faster than a
    ``stat`` per file)."""
    by_folder = {}
    for path in paths:
        by_folder.setdefault(osp.dirname(path), []).append(path)
    missing = []
    for folder, files in by_folder.items():
        try:
            present = set(os.listdir(folder or '.'))
        except (FileNotFoundError, NotADirectoryError):
            present = set()
        missing += [p for p in files if osp.basename(p) not in present]
    return missing


@DATASETS.register_module()
class CheckedCocoDataset(CocoDataset):
    """mmdet's ``CocoDataset`` that checks its input before training starts.

    What mmdet's dataset does with bad input, and what this one does:

    - annotation file missing: ``FileNotFoundError`` from deep in
      pycocotools; here one naming the file and the config keys.
    - annotation file corrupt (truncated JSON): a bare ``JSONDecodeError``
      without the file's name; here a ``ValueError`` naming file and
      position.
    - ``images`` / ``categories`` / ``annotations`` missing: an empty
      dataset or a ``KeyError`` later; here a ``ValueError`` naming the key.
    - a class of ``metainfo.classes`` not among the file's categories:
      silently dropped; here a ``ValueError`` listing them.
    - an annotation without a needed field: ``KeyError: 'bbox'``; here the
      error names the file, the image id and the annotation id.
    - images missing on disk: found when the loader reaches them, maybe
      days into a run; here all paths are checked at start, once per
      launch: rank 0 lists each image folder once (one directory read
      instead of 118k ``stat`` calls on a shared file system) and tells
      the other ranks (``benchmarks/image_check.py`` measures both ways).
      ``check_images=False`` skips it; non-local backends are not
      checked.
    - an image that cannot be read or decoded: the pipeline's error; here it
      is re-raised naming the image path, id and index.

    Args:
        check_images (bool): Check at start that every image exists.
            Defaults to True.
        **kwargs: mmdet's ``CocoDataset`` arguments.
    """

    def __init__(self, *args, check_images: bool = True, **kwargs) -> None:
        self.check_images = check_images
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Load annotations through :class:`CheckedCOCO`, then check that
        the images exist."""
        self.COCOAPI = partial(
            CheckedCOCO, classes=self.metainfo['classes'],
            require_annotations=not self.test_mode)
        data_list = super().load_data_list()
        if self.check_images and self._local():
            missing = None
            if is_main_process():
                missing = missing_files([d['img_path'] for d in data_list])
            if get_world_size() > 1:
                box = [missing]
                broadcast_object_list(box, src=0)
                missing = box[0]
            if missing:
                raise FileNotFoundError(
                    f'{len(missing)} of the {len(data_list)} images of '
                    f'{self.ann_file} are missing under data_root + '
                    f'data_prefix ({self.data_prefix.get("img")}), e.g. '
                    f'{", ".join(missing[:3])}; check data_prefix, or pass '
                    'check_images=False to find out at load time')
        return data_list

    def _local(self) -> bool:
        backend = (self.backend_args or {}).get('backend', 'local')
        return backend == 'local' and '://' not in str(
            self.data_prefix.get('img', ''))

    def parse_data_info(self, raw_data_info: dict) -> dict:
        """mmdet's parsing, with errors naming the image and annotation."""
        try:
            return super().parse_data_info(raw_data_info)
        except (KeyError, TypeError, ValueError, IndexError) as err:
            image = raw_data_info['raw_img_info']
            anns = [a.get('id') for a in raw_data_info['raw_ann_info']]
            raise ValueError(
                f'annotation file {self.ann_file}: image id '
                f'{image.get("img_id")} ({image.get("file_name")}, '
                f'annotation ids {anns}): {type(err).__name__}: {err}'
            ) from err

    def prepare_data(self, idx: int):
        """Run the pipeline; an error names the image it failed on."""
        try:
            return super().prepare_data(idx)
        except Exception as err:
            info = self.get_data_info(idx)
            raise RuntimeError(
                f'{type(self).__name__}: the pipeline failed on image '
                f'{info.get("img_path")} (img_id {info.get("img_id")}, '
                f'index {idx}): {type(err).__name__}: {err}') from err
