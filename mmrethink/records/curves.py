"""``curve.jsonl``, the learning curve of a run: read and written here only.

One JSON object a line, one line per validation, in iteration order::

    {"iter": 10000, "epoch": 0, "lr": 0.02,
     "train": {"loss": 1.23, ...},         # losses averaged since the last point
     "val": {"coco/bbox_mAP": 0.123, ...}, # every numeric validation metric
     "best": false,                        # the highest ``monitor`` so far
     "no_metrics": true}                   # only when the metric returned none

``CurveHook`` writes it; ``tools/publish.py`` and ``tools/plot_curves.py``
read it.

A checkpoint carries the curve so far as :class:`CurveState` (under
:data:`CHECKPOINT_KEY`), also read and written here only: ``CurveHook``
saves and restores it, a fork of a long run (:mod:`mmrethink.schedules`)
edits it.
"""
import dataclasses
import json
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from ..fileio import atomic_write

#: the curve's file name in a work dir
CURVE_FILE = 'curve.jsonl'


#: where a checkpoint keeps the curve's state
CHECKPOINT_KEY = 'curve_hook'


@dataclasses.dataclass
class CurveState:
    """The curve of a run at a checkpoint, as the checkpoint keeps it.

    Args:
        records (list[dict]): The points so far (the lines of the curve
            file).
        loss_sums (dict[str, float]): Training losses summed since the
            last point.
        loss_count (int): Iterations in those sums.
        pending_val (bool): Whether the checkpoint's own validation is
            still to run (a resumed run runs it first).
    """
    records: List[dict] = dataclasses.field(default_factory=list)
    loss_sums: Dict[str, float] = dataclasses.field(default_factory=dict)
    loss_count: int = 0
    pending_val: bool = False

    @classmethod
    def from_checkpoint(cls, checkpoint: dict) -> Optional['CurveState']:
        """The state a checkpoint holds, or None (no ``CurveHook`` ran).

        Raises:
            ValueError: if the checkpoint's state lacks a field or has one
                this version does not know.
        """
        state = checkpoint.get(CHECKPOINT_KEY)
        if state is None:
            return None
        fields = {f.name for f in dataclasses.fields(cls)}
        if not isinstance(state, dict) or set(state) != fields:
            got = sorted(state) if isinstance(state, dict) else type(state)
            raise ValueError(f'checkpoint[{CHECKPOINT_KEY!r}]: expected the '
                             f'fields {sorted(fields)}, got {got}')
        return cls(records=[dict(r) for r in state['records']],
                   loss_sums=dict(state['loss_sums']),
                   loss_count=int(state['loss_count']),
                   pending_val=bool(state['pending_val']))

    def to_checkpoint(self, checkpoint: dict) -> None:
        """Put this state into ``checkpoint`` (plain data)."""
        checkpoint[CHECKPOINT_KEY] = dataclasses.asdict(self)


def write_curve(path: str, records: Sequence[dict]) -> None:
    """Write the whole curve to ``path``, atomically."""
    atomic_write(''.join(json.dumps(r) + '\n' for r in records), path)


def read_curve(path: str) -> List[dict]:
    """Read a curve file (a work dir's ``curve.jsonl``, or ``path`` itself).

    Raises:
        FileNotFoundError: if there is no such file.
        ValueError: naming the file and line that is not a curve point.
    """
    if osp.isdir(path):
        path = osp.join(path, CURVE_FILE)
    if not osp.isfile(path):
        raise FileNotFoundError(f'no curve file {path} (CurveHook writes it '
                                'after each validation)')
    records = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f'{path}, line {lineno}: not JSON ({err.msg})'
                                 ) from None
            if not isinstance(record, dict) or not {'iter', 'val'} <= set(
                    record):
                raise ValueError(f'{path}, line {lineno}: expected an object '
                                 'with "iter" and "val"')
            records.append(record)
    return records


def metric_points(records: Sequence[dict],
                  metric: str) -> Tuple[List[int], List[float]]:
    """Iterations and values of ``metric`` over the curve's points."""
    points = [(r['iter'], r['val'][metric]) for r in records
              if metric in r['val']]
    return [p[0] for p in points], [p[1] for p in points]


def best_point(records: Sequence[dict]) -> Optional[dict]:
    """The point marked best, if any."""
    return next((r for r in records if r.get('best')), None)


def find_overfitting_onset(values: Sequence[float], margin: float,
                           patience: int) -> Optional[int]:
    """Index of the first of ``patience`` consecutive values that are all
    more than ``margin`` below the running peak before them, or None.

    Args:
        values (Sequence[float]): The metric, one value per evaluation.
        margin (float): How far below the peak counts as worse.
        patience (int): How many consecutive worse values make an onset.
    """
    if patience < 1 or margin < 0:
        raise ValueError(f'patience must be >= 1 and margin >= 0, got '
                         f'{patience} and {margin}')
    peak = -math.inf
    run = 0
    for i, value in enumerate(values):
        if value < peak - margin:
            run += 1
            if run == patience:
                return i - patience + 1
        else:
            run = 0
        peak = max(peak, value)
    return None
