"""The results record ``results/<config stem>.json``: one JSON object, the
fields of :class:`ResultRecord`, read and written here only, as that typed
structure. ``tools/publish.py`` writes
records; ``tools/gather_results.py`` builds the README tables and
``metafile.yml`` from them; ``tools/demo.py`` and ``tools/reproduce_toy.py``
read them.
"""
import dataclasses
import glob
import json
import os.path as osp
from typing import Dict, List, Optional

from ..fileio import atomic_write


@dataclasses.dataclass
class ResultRecord:
    """The published result of one config's run.

    Args:
        config (str): The config's file name without ``.py``.
        box_ap, box_ap50, box_ap75 (float, optional): Box AP, AP50, AP75 in
            % (one decimal) at the published iteration.
        mask_ap, mask_ap50, mask_ap75 (float, optional): The same for
            masks (None for a box-only model).
        iterations (int): The iteration of the published weights and AP.
        max_iters, max_epochs (int, optional): The run's schedule.
        gpus (int, optional): Training processes.
        batch_per_gpu (int): Images per process and iteration.
        sec_per_iter (float, optional): Mean seconds per iteration.
        memory_gb (float, optional): Peak GPU memory.
        versions (dict): Package versions of the run.
        commit (str, optional): This repository's commit.
        date (str): ``YYYYMMDD`` of publishing.
        checkpoint, log, curve (str): Published file names.
        curve_box_ap (list): ``[iteration, box AP %]`` at each validation.
        keypoint_ap, keypoint_ap50, keypoint_ap75 (float, optional): COCO
            keypoint AP (OKS) of a keypoint model; None otherwise (and in
            records written before keypoint models existed, which lack
            the fields).
        train_images (int, optional): Annotated training images the run
            drew from (its subset's size, or the whole set's).
        instances_per_class (float, optional): Annotated training
            instances per class in those images.
        milestones (list, optional): The iterations of its lr drops.
        (The last three: toy study runs; None in other records and in
        records written before they existed.)
    """
    config: str
    box_ap: Optional[float]
    box_ap50: Optional[float]
    box_ap75: Optional[float]
    mask_ap: Optional[float]
    mask_ap50: Optional[float]
    mask_ap75: Optional[float]
    iterations: int
    max_iters: Optional[int]
    max_epochs: Optional[int]
    gpus: Optional[int]
    batch_per_gpu: int
    sec_per_iter: Optional[float]
    memory_gb: Optional[float]
    versions: Dict[str, str]
    commit: Optional[str]
    date: str
    checkpoint: str
    log: str
    curve: str
    curve_box_ap: List[List[float]]
    keypoint_ap: Optional[float] = None
    keypoint_ap50: Optional[float] = None
    keypoint_ap75: Optional[float] = None
    train_images: Optional[int] = None
    instances_per_class: Optional[float] = None
    milestones: Optional[List[int]] = None

    def to_json(self) -> str:
        """The record as the file holds it."""
        return json.dumps(dataclasses.asdict(self), indent=2,
                          sort_keys=True) + '\n'

    @classmethod
    def from_dict(cls, data: dict, source: str) -> 'ResultRecord':
        """A record from its JSON object.

        Raises:
            ValueError: naming ``source`` and the fields missing, unknown or
                of the wrong type.
        """
        return typed_from_dict(cls, data, source, 'a results record')


def typed_from_dict(cls, data, source: str, what: str):
    """``cls(**data)`` for a dataclass ``cls`` read from a JSON file, every
    field checked against its annotation (int, float, str, list, dict and
    their Optional).

    Raises:
        ValueError: naming ``source`` and the fields missing, unknown or of
            the wrong type (``what``: the kind of file expected).
    """
    if not isinstance(data, dict):
        raise ValueError(f'{source}: expected a JSON object, got '
                         f'{type(data).__name__}')
    fields = {f.name: f for f in dataclasses.fields(cls)}
    missing = sorted(
        name for name, f in fields.items() if name not in data
        and f.default is dataclasses.MISSING)
    unknown = sorted(set(data) - set(fields))
    if missing or unknown:
        raise ValueError(
            f'{source}: not {what}: missing {missing}, unknown {unknown} '
            f'(expected the fields of {cls.__module__}.{cls.__name__})')
    wrong = [name for name, value in data.items()
             if not _fits(value, fields[name].type)]
    if wrong:
        raise ValueError(
            f'{source}: fields of the wrong type: ' + ', '.join(
                f'{n}={data[n]!r} (expected '
                f'{_type_name(fields[n].type)})' for n in wrong))
    return cls(**data)


_NUMBER = (int, float)


def _fits(value, annotation) -> bool:
    optional = getattr(annotation, '__args__', None) and type(None) in \
        annotation.__args__
    if value is None:
        return bool(optional)
    base = annotation.__args__[0] if optional else annotation
    origin = getattr(base, '__origin__', base)
    if origin is float:
        return isinstance(value, _NUMBER) and not isinstance(value, bool)
    if origin is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, origin)


def _type_name(annotation) -> str:
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace('typing.', '')


def write_record(results_dir: str, record: ResultRecord,
                 replace: bool = False) -> str:
    """Write ``record`` as ``<results_dir>/<record.config>.json``.

    Raises:
        FileExistsError: if the config has a record of another checkpoint
            and ``replace`` is not set (the tables show one run per
            config; replacing it is a decision).
    """
    path = osp.join(results_dir, f'{record.config}.json')
    old = read_record(results_dir, record.config)
    if old is not None and old.checkpoint != record.checkpoint \
            and not replace:
        raise FileExistsError(
            f'{path} records {old.checkpoint}, published {old.date}; pass '
            f'--replace to make {record.checkpoint} the one the tables show '
            '(the earlier files stay where they were published)')
    atomic_write(record.to_json(), path)
    return path


def read_record(results_dir: str, stem: str) -> Optional[ResultRecord]:
    """The record of config ``stem``, or None if it has none.

    Raises:
        ValueError: naming the file, if it is not JSON or not a record, or
            the record of another config.
    """
    path = osp.join(results_dir, f'{stem}.json')
    if not osp.isfile(path):
        return None
    with open(path) as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as err:
            raise ValueError(f'{path}: not JSON ({err})') from None
    record = ResultRecord.from_dict(data, path)
    if record.config != stem:
        raise ValueError(f'{path}: "config" is {record.config!r}, expected '
                         f'{stem!r}')
    return record


def read_records(results_dir: str) -> Dict[str, ResultRecord]:
    """Every record of ``results_dir``, by config stem."""
    stems = sorted(osp.splitext(osp.basename(p))[0]
                   for p in glob.glob(osp.join(results_dir, '*.json')))
    return {stem: read_record(results_dir, stem) for stem in stems}
