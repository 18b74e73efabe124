"""Every training iteration's random state, from the seed and the
iteration."""
from mmdet.registry import HOOKS
from mmengine.dist import get_rank
from mmengine.hooks import Hook

from ..runner.random_streams import derive_seed, seed_everything


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Seed the global generators at the start of every training iteration
    from the run's seed, the rank and the iteration.

    The model draws from torch's global generator (the RPN and RoI
    samplers pick anchors and proposals with ``torch.randperm``). Seeded
    this way, iteration ``i`` on rank ``r`` draws the same numbers whatever
    happened before it: a resumed run continues the uninterrupted one bit
    for bit (on deterministic hardware) with nothing to save in the
    checkpoint, every rank has its own stream, a resume with a different
    number of visible devices works, and validating more or less often
    does not change training. The run's seed is ``runner.seed``: a resumed
    run takes the checkpoint's (mmengine restores it, and our train loop
    adopts it before the data loader is built).

    The training data's augmentation is seeded per sample the same way by
    our train loop (:mod:`mmrethink.runner.random_streams`).
    """

    priority = 'VERY_HIGH'

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        """Seed this iteration's random streams."""
        seed_everything(derive_seed(runner.seed, 'iteration', get_rank(),
                                    runner.iter))
