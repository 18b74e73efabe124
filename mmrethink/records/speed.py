"""The training speed and memory of the experiments table's models:
``results/speed/train.json``, read and written here only, as the typed
:class:`TrainSpeed`.

``benchmarks/gpu_speed.py`` measures it on one GPU (every distinct model of
the table, 2 images per GPU, fp32 and AMP) and writes it;
:mod:`mmrethink.records.tables` fills the table's ``Mem (GB)`` and
``Train s/iter`` columns from it, by :func:`model_key`.
"""
import dataclasses
import json
import os.path as osp
from typing import Dict, List, Optional

from ..fileio import atomic_write
from .results import typed_from_dict

#: the file, relative to a results folder
SPEED_FILE = osp.join('speed', 'train.json')
#: the precisions measured, in the order the table shows them
PRECISIONS = ('fp32', 'amp')


@dataclasses.dataclass
class TrainSpeed:
    """One measurement of the table's models on one device.

    Args:
        device (str): The GPU's name (``torch.cuda.get_device_name``).
        torch (str): torch's version.
        date (str): ``YYYYMMDD`` of the measurement.
        commit (str, optional): This repository's commit.
        images_per_gpu (int): Images per iteration (the configs' 2).
        input_hw (list): ``[height, width]`` of the synthetic input.
        iterations (int): Timed iterations per model and precision.
        models (dict): :func:`model_key` -> precision (``fp32``, ``amp``)
            -> ``{"sec_per_iter": float, "memory_gb": float}`` (peak
            ``torch.cuda.max_memory_allocated``; None where not measured).
    """
    device: str
    torch: str
    date: str
    commit: Optional[str]
    images_per_gpu: int
    input_hw: List[int]
    iterations: int
    models: Dict[str, Dict[str, Dict[str, Optional[float]]]]

    def cell(self, key: str, field: str, digits: int) -> Optional[str]:
        """``fp32 / AMP`` of ``field`` for model ``key``; None if the model
        was not measured."""
        model = self.models.get(key)
        if model is None:
            return None
        values = [model.get(p, {}).get(field) for p in PRECISIONS]
        return ' / '.join('-' if v is None else f'{v:.{digits}f}'
                          for v in values)


def model_key(detector: str, backbone: str, norm: str) -> str:
    """The speed record's name of a table row's model: what the row's
    ``Model``, ``Backbone`` and ``Norm`` columns say, test-time
    augmentation aside (it changes inference only)."""
    return f'{detector.replace(" + TTA", "")} {backbone} {norm}'


def _check(speed: TrainSpeed, source: str) -> TrainSpeed:
    for key, model in speed.models.items():
        if not isinstance(model, dict) or set(model) - set(PRECISIONS):
            raise ValueError(
                f'{source}: models.{key} must map precisions out of '
                f'{list(PRECISIONS)}, got {model!r}')
        for precision, values in model.items():
            if not isinstance(values, dict) or set(values) != {
                    'sec_per_iter', 'memory_gb'} or not all(
                        v is None or isinstance(v, (int, float))
                        for v in values.values()):
                raise ValueError(
                    f'{source}: models.{key}.{precision} must be '
                    '{"sec_per_iter": number, "memory_gb": number or null},'
                    f' got {values!r}')
    return speed


def read_speed(results_dir: str) -> Optional[TrainSpeed]:
    """The measurement in ``results_dir``, or None if there is none.

    Raises:
        ValueError: naming the file and what is wrong in it.
    """
    path = osp.join(results_dir, SPEED_FILE)
    if not osp.isfile(path):
        return None
    with open(path) as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as err:
            raise ValueError(f'{path}: not JSON ({err})') from None
    return _check(typed_from_dict(TrainSpeed, data, path,
                                  'a training speed record'), path)


def write_speed(results_dir: str, speed: TrainSpeed) -> str:
    """Write ``speed`` as ``<results_dir>/speed/train.json``; returns the
    path."""
    path = osp.join(results_dir, SPEED_FILE)
    _check(speed, path)
    atomic_write(json.dumps(dataclasses.asdict(speed), indent=2,
                            sort_keys=True) + '\n', path)
    return path
