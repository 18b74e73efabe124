"""Facts about mmengine's train loops that hooks need."""
import bisect
from typing import Optional

from mmengine.runner import IterBasedTrainLoop


def is_epoch_based(loop) -> bool:
    """Whether a train loop counts epochs (mmengine's iteration-based loop
    also has ``max_epochs``, always 1)."""
    return hasattr(loop, 'max_epochs') and not isinstance(
        loop, IterBasedTrainLoop)


def validates_after_this_step(runner,
                              already_done: Optional[int] = None) -> bool:
    """Whether the loop runs a validation once the current iteration (or
    epoch) is counted, i.e. right after ``after_train_iter`` /
    ``after_train_epoch`` hooks, where mmengine saves checkpoints.

    Args:
        runner: The runner.
        already_done (int, optional): The step whose validation is known to
            have run (it then is not due again).
    """
    loop = runner.train_loop
    if runner.val_loop is None or not hasattr(loop, 'val_begin'):
        return False
    by_epoch = is_epoch_based(loop)
    step = (runner.epoch if by_epoch else runner.iter) + 1
    last = loop.max_epochs if by_epoch else loop.max_iters
    interval = loop.dynamic_intervals[
        bisect.bisect(loop.dynamic_milestones, step + 1) - 1]
    return step >= loop.val_begin and step != already_done and (
        step % interval == 0 or step == last)
