"""Stop a diverging run before it writes a bad checkpoint."""
import math
from typing import Optional

from mmdet.registry import HOOKS
from mmengine.hooks import Hook

from ..utils.options import strict_options


class DivergenceError(RuntimeError):
    """Raised when a training loss is NaN or infinite."""


@HOOKS.register_module()
@strict_options
class DivergenceHook(Hook):
    """Stop training when a loss becomes NaN or infinite.

    Training from scratch can diverge early. This hook checks every loss of
    every iteration and raises :class:`DivergenceError` naming the
    iteration and the losses. It runs before ``CheckpointHook`` (which has
    the lowest priority), so the checkpoint of a diverged iteration is never
    written and the last good one stays the latest.
    """

    priority = 'HIGHEST'

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        """Check this iteration's losses."""
        bad = {}
        for key, value in (outputs or {}).items():
            if 'loss' not in key:
                continue
            number = float(value.detach() if hasattr(value, 'detach')
                           else value)
            if not math.isfinite(number):
                bad[key] = number
        if bad:
            raise DivergenceError(
                f'training diverged at iteration {runner.iter + 1}: '
                + ', '.join(f'{k}={v}' for k, v in bad.items())
                + '; the last good checkpoint is the latest one in '
                f'{runner.work_dir} (lower the lr or lengthen the warm-up)')
