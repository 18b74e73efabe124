"""The paper's schedule rule, in one place (paper §4).

``Nx`` is ``N * 90k`` iterations at batch 16 and the learning rate drops
x0.1 at ``total - 60k`` and ``total - 20k``, whatever the length. At another
batch size every iteration count scales by ``16 / batch`` (the lr by
``batch / 16``), as Detectron2's 9x at batch 64 does.

The schedule files ``configs/_base_/schedules/iter-*.py`` call these
functions (mmengine's text configs may import), so the rule is written
once::

    _base_ = './iter-schedule.py'
    from mmrethink.schedules import iter_schedule, paper_schedule
    max_iters = 6 * 90000  # 6x: lr x0.1 at 480k and 520k
    train_cfg, param_scheduler = iter_schedule(*paper_schedule(6))

A config that changes ``max_iters`` must restate both ``train_cfg`` and
``param_scheduler`` the same way, or the lr drops stay where they were.

The schedule surgery on checkpoints is here too: :func:`fork_checkpoint`
(a shorter schedule started from a long run, the paper's Fig. 1) and
:func:`move_checkpoint`; nothing else edits a saved scheduler state.
"""
import math
from typing import Dict, List, Optional, Sequence, Tuple

from .fileio import atomic_write
from .records.curves import CurveState

__all__ = [
    'ITERS_PER_X', 'BASE_BATCH', 'WARMUP_ITERS', 'WARMUP_FACTOR', 'TOY_1X',
    'TOY_STUDY_ITERS', 'TOY_STUDY_INTERVAL', 'paper_schedule',
    'toy_schedule', 'toy_study_schedule', 'short_schedule', 'iter_schedule',
    'dense_intervals', 'fork_checkpoint', 'move_checkpoint'
]

ITERS_PER_X = 90000
BASE_BATCH = 16
#: Detectron's linear warm-up (the paper is silent): 500 iterations from a
#: third of the lr
WARMUP_ITERS = 500
WARMUP_FACTOR = 1.0 / 3


def paper_schedule(num_x: float,
                   batch_size: int = BASE_BATCH,
                   iters_per_x: int = ITERS_PER_X) -> Tuple[int, List[int]]:
    """Return ``(max_iters, milestones)`` of an ``Nx`` schedule.

    Args:
        num_x (float): Length in units of 1x, e.g. 6 for 6x.
        batch_size (int): Total batch size. Defaults to 16.
        iters_per_x (int): Iterations of 1x at batch 16. Defaults to 90k.

    Returns:
        tuple[int, list[int]]: total iterations and the two lr drops.
    """
    if num_x <= 0 or batch_size <= 0 or iters_per_x <= 0:
        raise ValueError('num_x, batch_size and iters_per_x must be > 0, got '
                         f'{num_x}, {batch_size}, {iters_per_x}')
    scale = BASE_BATCH / batch_size
    total = round(num_x * iters_per_x * scale)
    drops = [total - round(iters_per_x * 2 / 3 * scale),
             total - round(iters_per_x * 2 / 9 * scale)]
    if drops[0] <= 0:
        raise ValueError(f'{num_x}x is too short for the paper rule: the '
                         f'first lr drop would be at iteration {drops[0]}')
    return total, drops


#: the toy 1x (configs/toy): 12 epochs of the 256 toy training images at
#: batch 4, as the paper's 1x is 12.2 epochs of COCO
TOY_1X = 768


def toy_schedule(num_x: float) -> Tuple[Dict, List[Dict]]:
    """``train_cfg`` and ``param_scheduler`` of the toy ``Nx``: the paper's
    rule in proportion (:func:`paper_schedule` with 1x = :data:`TOY_1X`),
    warm-up over 1/6 of 1x, validation every 1/6 of 1x and every 1/24 of 1x
    within 1/6 of 1x of each lr drop."""
    return iter_schedule(
        *paper_schedule(num_x, iters_per_x=TOY_1X),
        warmup_iters=TOY_1X // 6, val_interval=TOY_1X // 6,
        dense=(TOY_1X // 6, TOY_1X // 24))


#: the toy study's schedule lengths in iterations at batch 4 (make
#: reproduce-toy, docs/toy.md): the same for every data size and both arms,
#: as the paper's subsets share theirs (§5: 220k scratch / 60k pretrained for
#: 10k, 3.5k and 1k images): 1.5, 3 and 6 epochs of the 2048 images, 24,
#: 48 and 96 of the 128
TOY_STUDY_ITERS = (768, 1536, 3072)
#: validation and checkpoint interval of the toy study
TOY_STUDY_INTERVAL = 256


def toy_study_schedule(max_iters: int,
                       interval: int = TOY_STUDY_INTERVAL,
                       warmup_iters: int = TOY_1X // 6
                       ) -> Tuple[Dict, List[Dict]]:
    """``train_cfg`` and ``param_scheduler`` of a toy study run: lr drops
    at 2/3 and 8/9 (:func:`short_schedule`, the rule of our subset configs),
    the toy warm-up (1/6 of the toy 1x), validation every ``interval``
    iterations (none denser: the toy 1x's
    ``dynamic_intervals`` are cleared)."""
    train_cfg, param_scheduler = iter_schedule(
        *short_schedule(max_iters), warmup_iters=warmup_iters,
        val_interval=interval)
    train_cfg['dynamic_intervals'] = None
    return train_cfg, param_scheduler


def short_schedule(max_iters: int) -> Tuple[int, List[int]]:
    """``(max_iters, milestones)`` of a run too short for the paper rule
    (the subsets' 60k and 220k, VOC): drops at 2/3 and 8/9 of training, the
    shape of Detectron's 1x (60k and 80k of 90k). UNVERIFIED: the paper
    does not give these drops."""
    return max_iters, [max_iters * 2 // 3, max_iters * 8 // 9]


def iter_schedule(max_iters: int,
                  milestones: Sequence[int],
                  warmup_iters: int = WARMUP_ITERS,
                  val_interval: Optional[int] = None,
                  dense: Optional[Tuple[int, int]] = None
                  ) -> Tuple[Dict, List[Dict]]:
    """``train_cfg`` and ``param_scheduler`` of an iteration-based run.

    Args:
        max_iters (int): Training iterations.
        milestones (Sequence[int]): Iterations where the lr drops x0.1.
        warmup_iters (int): Linear warm-up from a third of the lr.
            Defaults to 500 (Detectron).
        val_interval (int, optional): Validation interval; None keeps the
            base's.
        dense (tuple[int, int], optional): ``(window, interval)``: validate
            every ``interval`` iterations within ``window`` iterations on
            either side of each lr drop (see :func:`dense_intervals`), so
            that a curve shows the jump at each drop. Needs
            ``val_interval``.

    Returns:
        tuple[dict, list[dict]]: the keys to merge into ``train_cfg``, and
        the full ``param_scheduler`` list.
    """
    train_cfg = dict(max_iters=max_iters)
    if val_interval is not None:
        train_cfg['val_interval'] = val_interval
    if dense is not None:
        if val_interval is None:
            raise ValueError('iter_schedule: dense needs val_interval')
        train_cfg['dynamic_intervals'] = dense_intervals(
            milestones, val_interval, *dense, max_iters=max_iters)
    param_scheduler = [
        dict(type='LinearLR', start_factor=WARMUP_FACTOR, by_epoch=False,
             begin=0, end=warmup_iters),
        dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters,
             milestones=list(milestones), gamma=0.1)
    ]
    return train_cfg, param_scheduler


def dense_intervals(milestones: Sequence[int], val_interval: int,
                    window: int, interval: int,
                    max_iters: Optional[int] = None
                    ) -> List[Tuple[int, int]]:
    """mmengine's ``train_cfg.dynamic_intervals`` for validation every
    ``interval`` iterations within ``window`` of each lr drop, and every
    ``val_interval`` elsewhere.

    Each window ``[drop - window, drop + window]`` is widened to multiples
    of ``val_interval``; windows that overlap or touch are merged, so the
    interval stays dense from the first window's start to the last one's
    end (two drops 13k apart with 10k windows form one dense stretch).

    Returns:
        list[tuple[int, int]]: ``[(iteration, interval), ...]`` in order;
        the loop uses each interval from its iteration on.

    Raises:
        ValueError: if ``interval`` does not divide ``val_interval``.
    """
    if window <= 0 or interval <= 0 or val_interval <= 0:
        raise ValueError('window, interval and val_interval must be > 0, got '
                         f'{window}, {interval}, {val_interval}')
    if val_interval % interval:
        raise ValueError(f'dense interval {interval} must divide the '
                         f'validation interval {val_interval}')
    spans: List[List[int]] = []
    for drop in sorted(milestones):
        start = max(0, (drop - window) // val_interval * val_interval)
        end = math.ceil((drop + window) / val_interval) * val_interval
        if max_iters is not None:
            end = min(end, max_iters)
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    changes: List[Tuple[int, int]] = []
    for start, end in spans:
        changes += [(start, interval), (end, val_interval)]
    return [c for c in changes if max_iters is None or c[0] < max_iters]


def fork_checkpoint(src: str, dst: str, max_iters: int,
                    milestones: List[int], gamma: float = 0.1) -> None:
    """Start a shorter schedule from a long run's checkpoint (the paper's
    Fig. 1).

    Schedules of the paper's rule share their iterations up to their own
    first lr drop: the lr is the same there whatever the length. So a
    checkpoint of the long run written at a shorter schedule's first drop
    *is* that schedule's state there, but for the schedule itself. The copy
    ``dst`` gets the short schedule's ``milestones`` and ``max_iters`` in
    its ``MultiStepLR`` state, and the drop the short schedule takes at
    that very iteration applied to the optimizer's lr (the scheduler steps
    before a checkpoint is written). Resuming ``dst`` with the short
    schedule's config then trains exactly that schedule (our resumes are
    exact); ``tests/test_toy_reproduction.py`` compares with a run of it.

    Args:
        src (str): A checkpoint of ours (plain data) of the long run.
        dst (str): Where the fork is written.
        max_iters (int): The short schedule's length.
        milestones (list[int]): Its lr drops.
        gamma (float): Its lr factor at a drop. Defaults to 0.1.
    """
    ckpt = _read(src)
    step = ckpt['meta']['iter']
    for state in _multistep_states(ckpt):
        before = {m for m in state['milestones'] if m <= step}
        state['milestones'] = {m: 1 for m in milestones}
        state['end'] = max_iters
        newly = [m for m in milestones if m <= step and m not in before]
        if any(m < step for m in newly):
            raise ValueError(
                f'{src} is of iteration {step}, after the lr drop at '
                f'{min(newly)} of the schedule to fork: fork at or before '
                'its first drop')
        for group in ckpt['optimizer']['param_groups']:
            group['lr'] *= gamma**len(newly)
        # mmengine writes a checkpoint again after the validation that found
        # a new best: its curve then holds this iteration's point, whose lr
        # (the lr after this step) is the short schedule's
        curve = CurveState.from_checkpoint(ckpt)
        if curve and curve.records and curve.records[-1]['iter'] == step:
            curve.records[-1]['lr'] *= gamma**len(newly)
            curve.to_checkpoint(ckpt)
    _write(ckpt, dst)


def move_checkpoint(src: str, dst: str, iteration: int) -> None:
    """A copy of checkpoint ``src`` that says it is of ``iteration``: the
    loop, the schedulers and the curve continue from there (its own
    validation done), the weights are ``src``'s. For measuring how a
    resume at ``iteration`` positions the data
    (``benchmarks/resume.py``); not a way to train.
    """
    ckpt = _read(src)
    ckpt['meta']['iter'] = iteration
    for state in ckpt.get('param_schedulers', []):
        state['last_step'] = iteration
    curve = CurveState.from_checkpoint(ckpt)
    if curve is not None:
        curve.pending_val = False
        curve.to_checkpoint(ckpt)
    _write(ckpt, dst)


def _read(path: str) -> dict:
    import torch
    return torch.load(path, map_location='cpu', weights_only=True)


def _write(ckpt: dict, path: str) -> None:
    import io

    import torch
    buf = io.BytesIO()
    torch.save(ckpt, buf)
    atomic_write(buf.getvalue(), path)


def _multistep_states(ckpt: dict) -> List[dict]:
    """The saved states of the checkpoint's step schedulers (MultiStepLR:
    the ones with ``milestones``)."""
    return [s for s in ckpt.get('param_schedulers', [])
            if 'milestones' in s]
