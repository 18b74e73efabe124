"""Validation AP against iteration: recorded, resume-safe, watched for
overfitting (the paper's Figs. 1, 4, 7 and 8)."""
import bisect
import json
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence

from mmdet.registry import HOOKS
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop

from ..fileio import atomic_write
from ..utils.options import strict_options


@HOOKS.register_module()
@strict_options
class CurveHook(Hook):
    """Record one point of the learning curve after every validation.

    Each point holds the iteration, the epoch, the learning rate, the
    training losses averaged over the iterations since the previous point,
    and every validation metric. Points go to ``<work_dir>/<filename>`` as
    JSON lines, rewritten atomically by rank 0 after each validation, with
    ``best: true`` on the point with the highest ``monitor`` value so far.

    The points and the running loss sums are saved in every checkpoint and
    restored on resume, so a resumed run continues the same curve. A
    checkpoint written at a validation iteration is saved *before* that
    validation runs; when a run resumes from such a checkpoint, the hook
    evaluates it first, so that point is neither lost nor duplicated.

    Overfitting onset: once ``monitor`` has stayed more than ``margin``
    below its peak for ``patience`` consecutive evaluations, the hook logs
    the onset (the first of those evaluations) once; with ``early_stop`` it
    also stops training there.

    Denser evaluation around the lr drops: with ``dense_window`` and
    ``dense_interval`` set, validation runs every ``dense_interval``
    iterations within ``dense_window`` iterations on either side of each
    ``MultiStepLR`` milestone (mmengine's dynamic intervals, computed from
    the schedule so no iteration numbers are typed in the config).

    Args:
        monitor (str): Metric for the best point and overfitting.
            Defaults to 'coco/bbox_mAP'.
        filename (str): Curve file in the work dir. Defaults to
            'curve.jsonl'.
        margin (float): Drop below the peak that counts as worse, in the
            metric's units. Defaults to 0.005.
        patience (int): Consecutive worse evaluations that make an onset.
            Defaults to 3.
        early_stop (bool): Stop training at the onset. Defaults to False.
        dense_window (int, optional): Iterations on each side of an lr drop
            to evaluate densely. Defaults to None (off).
        dense_interval (int, optional): Validation interval inside those
            windows; must divide the loop's ``val_interval``.
    """

    priority = 'LOW'

    def __init__(self,
                 monitor: str = 'coco/bbox_mAP',
                 filename: str = 'curve.jsonl',
                 margin: float = 0.005,
                 patience: int = 3,
                 early_stop: bool = False,
                 dense_window: Optional[int] = None,
                 dense_interval: Optional[int] = None) -> None:
        if patience < 1:
            raise ValueError(f'CurveHook: patience must be >= 1, got '
                             f'{patience}')
        if margin < 0:
            raise ValueError(f'CurveHook: margin must be >= 0, got {margin}')
        if (dense_window is None) != (dense_interval is None):
            raise ValueError('CurveHook: set both dense_window and '
                             'dense_interval, or neither')
        self.monitor = monitor
        self.filename = filename
        self.margin = margin
        self.patience = patience
        self.early_stop = early_stop
        self.dense_window = dense_window
        self.dense_interval = dense_interval
        self.records: List[dict] = []
        self.onset: Optional[int] = None
        self._loss_sums: Dict[str, float] = {}
        self._loss_count = 0
        self._pending_val = False

    # --- training losses -------------------------------------------------
    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        """Accumulate this iteration's losses."""
        for key, value in (outputs or {}).items():
            if 'loss' in key:
                if hasattr(value, 'detach'):
                    value = value.detach()
                self._loss_sums[key] = self._loss_sums.get(key, 0.) + float(
                    value)
        self._loss_count += 1

    # --- denser evaluation around the lr drops ---------------------------
    def before_train(self, runner) -> None:
        """Set dense intervals; evaluate a checkpoint resumed before its
        validation."""
        if self.dense_window is not None:
            self._set_dense_intervals(runner)
        if self._pending_val and runner.val_loop is not None:
            print_log(
                f'CurveHook: the checkpoint of iteration {runner.iter} was '
                'saved before its validation; evaluating it now',
                logger='current')
            self._pending_val = False
            runner.val_loop.run()

    def _set_dense_intervals(self, runner) -> None:
        loop = runner.train_loop
        if not hasattr(loop, 'max_iters'):
            raise TypeError('CurveHook: dense_window needs an '
                            'iteration-based train loop')
        milestones = sorted(
            m for s in (runner.param_schedulers or [])
            if type(s).__name__ == 'MultiStepLR' for m in s.milestones)
        if not milestones:
            raise ValueError('CurveHook: dense_window needs a MultiStepLR '
                             'scheduler to find the lr drops')
        base = loop.dynamic_intervals[0]
        if base % self.dense_interval:
            raise ValueError(
                f'CurveHook: dense_interval={self.dense_interval} must '
                f'divide the val_interval={base}')
        segments: Dict[int, int] = {}
        for m in milestones:
            start = max(0, (m - self.dense_window) // base * base)
            end = math.ceil((m + self.dense_window) / base) * base
            segments[start] = self.dense_interval
            segments.setdefault(end, base)
        # a window reaching into the next one keeps the dense interval
        points, intervals = [0], [base]
        for start in sorted(segments):
            interval = segments[start]
            if start == 0:
                intervals[0] = interval
            elif interval != intervals[-1]:
                points.append(start)
                intervals.append(interval)
        loop.dynamic_milestones, loop.dynamic_intervals = points, intervals
        print_log(
            'CurveHook: validation interval by iteration: ' + ', '.join(
                f'from {p}: every {i}' for p, i in zip(points, intervals)),
            logger='current')

    # --- one point after every validation -------------------------------
    def after_val_epoch(self, runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        """Record a point, mark the best, check for overfitting, write."""
        if runner._train_loop is None or isinstance(runner._train_loop,
                                                    dict):
            return  # a plain test/val run, not training
        empty = not metrics
        if empty:
            # mmdet's CocoMetric returns no metrics when the model detected
            # nothing, which early scratch training does: AP is 0 then, and
            # the curve keeps the point instead of losing it
            print_log(
                f'CurveHook: validation at iteration {runner.iter} returned '
                f'no metrics (no detections?); recording {self.monitor}=0',
                logger='current', level=30)
            metrics = {self.monitor: 0.0}
        train_loss = {
            k: v / self._loss_count
            for k, v in self._loss_sums.items()
        } if self._loss_count else {}
        record = dict(
            iter=runner.iter,
            epoch=runner.epoch,
            lr=self._current_lr(runner),
            train=train_loss,
            val={k: float(v) for k, v in metrics.items()
                 if isinstance(v, (int, float))})
        if empty:
            record['no_metrics'] = True
        if self.records and self.records[-1]['iter'] == record['iter']:
            # the final validation of an epoch-based run can coincide
            self.records[-1] = record
        else:
            self.records.append(record)
        self._loss_sums, self._loss_count = {}, 0
        if self.monitor not in record['val']:
            raise KeyError(
                f'CurveHook: monitor={self.monitor!r} is not among the '
                f'validation metrics {sorted(record["val"])}; set '
                'CurveHook(monitor=...) in custom_hooks')
        self._mark_best()
        self._check_overfitting(runner)
        self._write(runner)

    @staticmethod
    def _current_lr(runner) -> float:
        lrs = runner.optim_wrapper.get_lr()
        values = lrs['lr'] if isinstance(lrs, dict) and 'lr' in lrs else \
            next(iter(lrs.values()))
        return float(values[0])

    def _mark_best(self) -> None:
        values = [r['val'][self.monitor] for r in self.records]
        best = max(range(len(values)), key=lambda i: (values[i], -i))
        for i, record in enumerate(self.records):
            record['best'] = i == best

    def _check_overfitting(self, runner) -> None:
        if self.onset is not None:
            return
        onset = find_overfitting_onset(
            [r['val'][self.monitor] for r in self.records], self.margin,
            self.patience)
        if onset is None:
            return
        self.onset = self.records[onset]['iter']
        peak = next(r for r in self.records if r['best'])
        print_log(
            f'CurveHook: overfitting onset at iteration {self.onset}: '
            f'{self.monitor} stayed more than {self.margin} below its peak '
            f'{peak["val"][self.monitor]:.4f} (iteration {peak["iter"]}) for '
            f'{self.patience} evaluations',
            logger='current', level=30)
        if self.early_stop:
            print_log('CurveHook: early_stop=True, stopping training',
                      logger='current', level=30)
            runner.train_loop.stop_training = True

    def _write(self, runner) -> None:
        if not is_main_process():
            return
        atomic_write(
            ''.join(json.dumps(record) + '\n' for record in self.records),
            osp.join(runner.work_dir, self.filename))

    # --- resume ----------------------------------------------------------
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep the curve so far, the running loss sums, and whether this
        checkpoint's own validation is still to run."""
        checkpoint['curve_hook'] = dict(
            records=self.records, onset=self.onset,
            loss_sums=self._loss_sums, loss_count=self._loss_count,
            pending_val=self._validation_due(runner))

    def _validation_due(self, runner) -> bool:
        """Whether the loop validates right after this save.

        mmengine saves in ``after_train_iter`` / ``after_train_epoch``,
        before the loop counts the step and runs that step's validation.
        """
        loop = runner.train_loop
        if runner.val_loop is None or not hasattr(loop, 'val_begin'):
            return False
        by_epoch = is_epoch_based(loop)
        step = (runner.epoch if by_epoch else runner.iter) + 1
        last = loop.max_epochs if by_epoch else loop.max_iters
        interval = loop.dynamic_intervals[
            bisect.bisect(loop.dynamic_milestones, step + 1) - 1]
        key = 'epoch' if by_epoch else 'iter'
        done = bool(self.records) and self.records[-1][key] == step
        return step >= loop.val_begin and not done and (
            step % interval == 0 or step == last)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Restore the curve of a resumed run."""
        state = checkpoint.get('curve_hook')
        if state is None or not runner._resume:
            return  # load_from (fine-tuning) starts a new curve
        self.records = list(state['records'])
        self.onset = state['onset']
        self._loss_sums = dict(state['loss_sums'])
        self._loss_count = state['loss_count']
        self._pending_val = state['pending_val']


def is_epoch_based(loop) -> bool:
    """Whether a train loop counts epochs (mmengine's iteration-based loop
    also has ``max_epochs``, always 1)."""
    return hasattr(loop, 'max_epochs') and not isinstance(
        loop, IterBasedTrainLoop)


def find_overfitting_onset(values: Sequence[float], margin: float,
                           patience: int) -> Optional[int]:
    """Index of the first of ``patience`` consecutive values that are all
    more than ``margin`` below the running peak before them, or None.

    Args:
        values (Sequence[float]): The metric, one value per evaluation.
        margin (float): How far below the peak counts as worse.
        patience (int): How many consecutive worse values make an onset.
    """
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
