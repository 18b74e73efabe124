"""Stop a diverging run before it writes a bad checkpoint."""
import math
from typing import Optional

import torch
from mmdet.registry import HOOKS
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook


class DivergenceError(RuntimeError):
    """Raised when a training loss is NaN or infinite."""


@HOOKS.register_module()
class DivergenceHook(Hook):
    """Stop training when a loss becomes NaN or infinite, on any rank.

    Training from scratch can diverge early. This hook checks every loss of
    every iteration and raises :class:`DivergenceError` naming the
    iteration and the losses. With several processes the ranks agree first
    (one all-reduce of one number per iteration): a NaN on one rank reaches
    every rank's weights through the gradient all-reduce, even where the
    local loss is finite, so every rank stops. It runs before the
    checkpoint hook (which has a lower priority), so the checkpoint of a
    diverged iteration is never written and the last good one stays the
    latest.
    """

    priority = 'HIGHEST'

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        """Check this iteration's losses on every rank."""
        bad = {}
        for key, value in (outputs or {}).items():
            if 'loss' not in key:
                continue
            number = float(value.detach() if hasattr(value, 'detach')
                           else value)
            if not math.isfinite(number):
                bad[key] = number
        ranks = int(len(bad) > 0)
        if get_world_size() > 1:
            flag = torch.tensor([int(ranks)])
            all_reduce(flag, op='sum')
            ranks = int(flag.item())
        if ranks:
            where = (', '.join(f'{k}={v}' for k, v in bad.items())
                     if bad else 'a finite loss here, but not on every '
                     'rank')
            raise DivergenceError(
                f'training diverged at iteration {runner.iter + 1} '
                f'({ranks} rank(s) with a NaN/inf loss): {where}; the last '
                'good checkpoint is the latest one in '
                f'{runner.work_dir} (lower the lr or lengthen the warm-up)')
