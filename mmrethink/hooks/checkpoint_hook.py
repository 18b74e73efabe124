"""mmengine's ``CheckpointHook``, writing files that load safely and that
no crash leaves half-written."""
import os.path as osp

from mmdet.registry import HOOKS
from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log

from ..checkpoint.safe_load import from_plain, to_plain
from ..checkpoint.work_dir import write_last_checkpoint
from ..fileio import remove_stale_temporaries


@HOOKS.register_module()
class ResumableCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook``, for runs that are stopped and resumed.

    What it adds to mmengine's hook:

    - **Plain data.** The message hub's ``HistoryBuffer`` objects and numpy
      values are saved as tagged tensors and numbers and turned back after
      a load (:mod:`mmrethink.checkpoint.safe_load`), so our checkpoints
      load with stock ``torch.load(weights_only=True)``.
    - ``last_checkpoint`` is rewritten atomically after each save (the
      checkpoints themselves are atomic with ``backend_args=dict(
      backend='atomic_local')``, as our configs set), and the temporary
      files of writes killed half-way are removed at start.
    - :meth:`save_now`: the checkpoint of the current iteration, on
      request (pre-emption, :mod:`mmrethink.runner.preemption`, which our
      train loop runs).

    Args:
        **kwargs: mmengine's ``CheckpointHook`` arguments.
    """

    def __init__(self, *args, **kwargs) -> None:
        if 'signals' in kwargs:
            raise ValueError(
                'ResumableCheckpointHook(signals=...) moved: the stop signals '
                'are the train loop\'s, train_cfg.stop_signals='
                f'{list(kwargs["signals"])!r} (ResumableIterBasedTrainLoop)')
        super().__init__(*args, **kwargs)

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

    # --- where it goes -------------------------------------------------
    def before_train(self, runner) -> None:
        """mmengine's; then clear the leftovers of killed writes."""
        super().before_train(runner)
        if is_main_process():
            for folder in {runner.work_dir, self.out_dir}:
                if osp.isdir(folder):
                    for path in remove_stale_temporaries(folder):
                        print_log(f'removed {path}, left by a write that '
                                  'was killed', logger='current')

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        super()._save_checkpoint_with_step(runner, step, meta)
        if is_main_process():  # mmengine's own write is not atomic
            write_last_checkpoint(runner.work_dir, self.last_ckpt)

    def save_now(self, runner, step: int) -> str:
        """Save the checkpoint of iteration ``step`` now, as an interval
        save would (keeping ``max_keep_ckpts``, naming it in
        ``last_checkpoint``), unless the latest save already wrote it.
        Every rank calls it; rank 0 writes (mmengine's rule), the others do
        not wait: a caller that exits next waits with a barrier.

        Returns:
            str: The checkpoint's file name.
        """
        filename = self.filename_tmpl.format(step)
        last = runner.message_hub.get_info('last_ckpt') or ''
        if not last.endswith(filename):
            self._save_checkpoint_with_step(
                runner, step, meta=dict(epoch=runner.epoch, iter=step))
        return filename
