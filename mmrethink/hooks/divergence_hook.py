"""Stop a diverging run before it writes a bad checkpoint."""
import math
from typing import Dict, Optional

from mmdet.registry import HOOKS
from mmengine.hooks import Hook

from ..runner.agreement import sum_over_ranks


class DivergenceError(RuntimeError):
    """Raised when a training loss is NaN or infinite."""


@HOOKS.register_module()
class DivergenceHook(Hook):
    """Stop training when a loss becomes NaN or infinite, on any rank.

    Training from scratch can diverge early. This hook checks every loss of
    every iteration and raises :class:`DivergenceError` naming the
    iteration and the losses. With several processes the ranks agree first
    (under our train loop within its one collective per iteration,
    :mod:`mmrethink.runner.agreement`; under another loop by an all-reduce
    of its own): a NaN on one rank reaches
    every rank's weights through the gradient all-reduce, even where the
    local loss is finite, so every rank stops. It runs before the
    checkpoint hook (which has a lower priority), so the checkpoint of a
    diverged iteration is never written and the last good one stays the
    latest.
    """

    priority = 'HIGHEST'

    def __init__(self) -> None:
        self._agreement = None

    def before_train(self, runner) -> None:
        """Under our train loop, the ranks' agreement rides on the loop's
        one collective per iteration."""
        agreement = getattr(runner.train_loop, 'agreement', None)
        if agreement is not None:
            agreement.add('diverged', lambda outputs: bool(_bad(outputs)))
        self._agreement = agreement

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        """Check this iteration's losses on every rank."""
        bad = _bad(outputs)
        if self._agreement is not None:
            ranks = self._agreement.count(runner.iter, outputs)['diverged']
        else:  # another loop: an all-reduce of our own
            ranks = sum_over_ranks([int(bool(bad))])[0]
        if ranks:
            where = (', '.join(f'{k}={v}' for k, v in bad.items())
                     if bad else 'a finite loss here, but not on every '
                     'rank')
            raise DivergenceError(
                f'training diverged at iteration {runner.iter + 1} '
                f'({ranks} rank(s) with a NaN/inf loss): {where}; the last '
                'good checkpoint is the latest one in '
                f'{runner.work_dir} (lower the lr or lengthen the warm-up)')


def _bad(outputs: Optional[dict]) -> Dict[str, float]:
    """The NaN or infinite losses among ``outputs``."""
    bad = {}
    for key, value in (outputs or {}).items():
        if 'loss' not in key:
            continue
        number = float(value.detach() if hasattr(value, 'detach') else value)
        if not math.isfinite(number):
            bad[key] = number
    return bad
