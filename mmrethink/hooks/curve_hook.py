"""Validation AP against iteration, recorded across resumes (the paper's
Figs. 1, 4, 7 and 8)."""
import os.path as osp
from typing import Dict, List, Optional

from mmdet.registry import HOOKS
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log

from ..internals import is_resuming
from ..records.curves import CURVE_FILE, CurveState, write_curve
from ..runner.loop_info import is_epoch_based, validates_after_this_step
from ..utils.options import check_options


@HOOKS.register_module()
class CurveHook(Hook):
    """Record one point of the learning curve after every validation.

    Each point holds the iteration, the epoch, the learning rate, the
    training losses averaged over the iterations since the previous point,
    and every validation metric; ``best: true`` marks the point with the
    highest ``monitor`` so far. Rank 0 rewrites ``<work_dir>/<filename>``
    atomically after each validation (the format:
    :mod:`mmrethink.records.curves`).

    The points and the running loss sums are saved in every checkpoint and
    restored on resume, so a resumed run continues the same curve. A
    checkpoint written at a validation iteration is saved *before* that
    validation runs; when a run resumes from such a checkpoint, the hook
    evaluates it first, so that point is neither lost nor duplicated.

    Denser validation around the lr drops is the schedule's business
    (``mmrethink.schedules.iter_schedule(dense=...)`` sets mmengine's
    ``train_cfg.dynamic_intervals``); the overfitting onset is found over
    the finished curve (``tools/plot_curves.py --onset``), and stopping
    early is mmengine's ``EarlyStoppingHook``.

    Args:
        monitor (str): Metric that picks the best point. Defaults to
            'coco/bbox_mAP'.
        filename (str): Curve file in the work dir. Defaults to
            'curve.jsonl'.
    """

    priority = 'LOW'

    def __init__(self,
                 monitor: str = 'coco/bbox_mAP',
                 filename: str = CURVE_FILE,
                 **unknown) -> None:
        check_options(self, unknown)
        self.monitor = monitor
        self.filename = filename
        self.records: List[dict] = []
        self._loss_sums: Dict[str, float] = {}
        self._loss_count = 0
        self._pending_val = False
        self._validating = False
        self._in_training = False

    def before_train(self, runner) -> None:
        """Validations from now on are part of training (points)."""
        self._in_training = True

    def after_train(self, runner) -> None:
        """A validation or test after this is not a point of the curve."""
        self._in_training = False

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

    def before_train_epoch(self, runner) -> None:
        """Evaluate a checkpoint that was resumed before its validation
        (once, after every hook's ``before_train``: the checkpoint hook
        must be ready to save the best checkpoint)."""
        if self._pending_val and runner.val_loop is not None:
            print_log(
                f'CurveHook: the checkpoint of iteration {runner.iter} was '
                'saved before its validation; evaluating it now',
                logger='current')
            self._pending_val = False
            runner.val_loop.run()

    def before_val_epoch(self, runner) -> None:
        """Note that this iteration's validation is under way (a
        checkpoint written before it ends must run it again)."""
        self._validating = self._in_training

    def after_val_epoch(self, runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        """Record a point, mark the best one and write the curve."""
        self._validating = False
        if not self._in_training:
            return
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
        record = dict(
            iter=runner.iter,
            epoch=runner.epoch,
            lr=self._current_lr(runner),
            train={k: v / self._loss_count
                   for k, v in self._loss_sums.items()}
            if self._loss_count else {},
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
        values = [r['val'][self.monitor] for r in self.records]
        best = max(range(len(values)), key=lambda i: (values[i], -i))
        for i, point in enumerate(self.records):
            point['best'] = i == best
        if is_main_process():
            write_curve(osp.join(runner.work_dir, self.filename),
                        self.records)

    @staticmethod
    def _current_lr(runner) -> float:
        lrs = runner.optim_wrapper.get_lr()
        values = lrs['lr'] if isinstance(lrs, dict) and 'lr' in lrs else \
            next(iter(lrs.values()))
        return float(values[0])

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep the curve so far, the running loss sums, and whether this
        checkpoint's own validation is still to run."""
        CurveState(records=self.records, loss_sums=self._loss_sums,
                   loss_count=self._loss_count,
                   pending_val=self._validation_due(runner)
                   ).to_checkpoint(checkpoint)

    def _validation_due(self, runner) -> bool:
        """Whether this checkpoint's validation is still to run: the loop
        validates right after it (mmengine saves before the step's
        validation), or it is written in the middle of one (a run stopped
        by a signal)."""
        if self._validating:
            return True
        key = 'epoch' if is_epoch_based(runner.train_loop) else 'iter'
        last = self.records[-1][key] if self.records else None
        return validates_after_this_step(runner, already_done=last)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Restore the curve of a resumed run."""
        state = CurveState.from_checkpoint(checkpoint)
        if state is None or not is_resuming(runner):
            return  # load_from (fine-tuning) starts a new curve
        self.records = state.records
        self._loss_sums = state.loss_sums
        self._loss_count = state.loss_count
        self._pending_val = state.pending_val
