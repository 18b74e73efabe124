"""mmengine's ``CheckpointHook`` for runs that get stopped and resumed."""
import os.path as osp
from typing import Optional, Sequence

from mmdet.registry import HOOKS
from mmengine.dist import barrier, is_main_process
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log

from ..runner import ResumableIterBasedTrainLoop
from ..utils.checkpoints import write_last_checkpoint
from ..utils.fileio import remove_stale_temporaries
from ..utils.loops import is_epoch_based
from ..utils.safe_load import from_plain, to_plain
from ..utils.signals import (STOP_SIGNALS, StopRequest, block_for_workers,
                             unblock)

#: exit status of a run stopped by a signal after saving: what a shell
#: reports for a process killed by SIGTERM (128 + 15), so that job scripts
#: treat a pre-empted run as one (and requeue it), not as a crash
PREEMPTED_EXIT_CODE = 143


@HOOKS.register_module()
class ResumableCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook``, for runs that are stopped and resumed.

    What it adds to mmengine's hook:

    - **Plain data.** The message hub's ``HistoryBuffer`` objects and numpy
      values are saved as tagged tensors and numbers and turned back after
      a load (:mod:`mmrethink.utils.safe_load`), so our checkpoints load
      with stock ``torch.load(weights_only=True)``.
    - **Pre-emption.** ``signals`` (SIGTERM, and SIGUSR1 for ``sbatch
      --signal``) no longer kill the process: the run finishes the
      iteration in progress (or the validation batch in progress), every
      rank agrees (one all-reduce per iteration), rank 0 writes the
      checkpoint of the current iteration, all ranks wait for that write,
      and each exits with :data:`PREEMPTED_EXIT_CODE`. ``--resume``
      continues at the next iteration; a validation cut short runs first
      (``CurveHook``). Epoch-based runs cannot resume mid-epoch: they exit
      without saving and resume from their last epoch. Data loader workers
      created under this hook ignore the signals, so they do not die
      first (:mod:`mmrethink.utils.signals`).
    - ``last_checkpoint`` is rewritten atomically after each save, and the
      temporary files of writes killed half-way are removed at start.

    Args:
        signals (Sequence[str]): Signals that stop the run with a
            checkpoint. Defaults to ``('SIGTERM', 'SIGUSR1')``.
        **kwargs: mmengine's ``CheckpointHook`` arguments.
    """

    def __init__(self, *args, signals: Sequence[str] = STOP_SIGNALS,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stop = StopRequest(signals)

    # --- what goes into the file ---------------------------------------
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Replace numpy and mmengine objects by plain data."""
        for key in list(checkpoint):
            if key not in ('state_dict', 'optimizer'):  # tensors already
                checkpoint[key] = to_plain(checkpoint[key])

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Turn the plain data back into mmengine's objects."""
        for key in list(checkpoint):
            if key not in ('state_dict', 'optimizer'):
                checkpoint[key] = from_plain(checkpoint[key])

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        super()._save_checkpoint_with_step(runner, step, meta)
        if is_main_process():  # mmengine's own write is not atomic
            write_last_checkpoint(runner.work_dir, self.last_ckpt)

    # --- stopping on a signal ------------------------------------------
    def before_train(self, runner) -> None:
        """Catch the signals; clear the leftovers of killed writes."""
        super().before_train(runner)
        self.stop.install()
        if is_main_process():
            for folder in {runner.work_dir, self.out_dir}:
                if osp.isdir(folder):
                    for path in remove_stale_temporaries(folder):
                        print_log(f'removed {path}, left by a write that '
                                  'was killed', logger='current')

    def after_train(self, runner) -> None:
        """Put the previous signal handlers back."""
        super().after_train(runner)
        self.stop.restore()

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        """Save as mmengine does; then stop if any rank got a signal."""
        super().after_train_iter(runner, batch_idx, data_batch, outputs)
        if self.stop.agreed():
            self._stop(runner, step=runner.iter + 1, during='training')

    def before_val_epoch(self, runner) -> None:
        """Validation's loader workers, created next, ignore the signals
        (our train loop stops them when training ends)."""
        if self._training(runner):
            block_for_workers()

    def before_val_iter(self, runner, batch_idx: int,
                        data_batch=None) -> None:
        """The workers exist now."""
        unblock()

    def after_val_iter(self, runner, batch_idx: int, data_batch=None,
                       outputs=None) -> None:
        """Stop in the middle of validation if any rank got a signal."""
        if self._training(runner) and self.stop.agreed():
            self._stop(runner, step=runner.iter, during='validation')

    @staticmethod
    def _training(runner) -> bool:
        """Whether this validation is part of a training run (with our
        loop, which stops the workers at its end)."""
        return isinstance(runner._train_loop, ResumableIterBasedTrainLoop)

    def after_val(self, runner) -> None:
        """(An empty validation has no iteration to unblock in.)"""
        unblock()

    def _stop(self, runner, step: int, during: str) -> None:
        if is_epoch_based(runner.train_loop):
            print_log(
                f'{self.stop.name} during {during} at iteration {step}: '
                'epoch-based runs resume from their last epoch checkpoint; '
                'exiting without saving', logger='current', level=30)
            raise SystemExit(PREEMPTED_EXIT_CODE)
        filename = self.filename_tmpl.format(step)
        last: Optional[str] = runner.message_hub.get_info('last_ckpt')
        if not (last or '').endswith(filename):
            self._save_checkpoint_with_step(
                runner, step, meta=dict(epoch=runner.epoch, iter=step))
        barrier()  # no rank exits before rank 0 has written the file
        print_log(
            f'{self.stop.name} during {during}: saved {filename} (iteration '
            f'{step}); exiting with {PREEMPTED_EXIT_CODE}. Continue with '
            'tools/train.py CONFIG --resume', logger='current', level=30)
        raise SystemExit(PREEMPTED_EXIT_CODE)
