"""Hooks for the kill-and-resume tests.

``TraceHook`` appends each iteration's loss and learning rate to
``<work_dir>/trace.jsonl`` (appending, so an interrupted and a resumed run
leave one file) and a digest of the final weights to ``weights.txt``.
``SignalAtHook`` sends a signal to its own process after an iteration.
"""
import hashlib
import json
import os
import os.path as osp
import signal

from mmdet.registry import HOOKS
from mmengine.hooks import Hook


def weights_digest(model) -> str:
    model = getattr(model, 'module', model)
    digest = hashlib.sha256()
    for name, value in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(value.detach().cpu().numpy().tobytes())
    return digest.hexdigest()


@HOOKS.register_module()
class TraceHook(Hook):
    """Record the loss and lr of every iteration, and the final weights."""

    priority = 'HIGHEST'

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        lr = runner.optim_wrapper.get_lr()['lr'][0]
        line = dict(iter=runner.iter + 1, lr=lr,
                    loss=float(outputs['loss'].detach()),
                    pid=os.getpid())
        with open(osp.join(runner.work_dir, 'trace.jsonl'), 'a') as f:
            f.write(json.dumps(line) + '\n')

    def after_train(self, runner):
        with open(osp.join(runner.work_dir, 'weights.txt'), 'w') as f:
            f.write(weights_digest(runner.model))


@HOOKS.register_module()
class SignalAtHook(Hook):
    """Send ``signal_name`` to this process after iteration ``iteration``
    (before the checkpoint and pre-emption hooks see that iteration); with
    ``rank``, only on that rank."""

    priority = 'NORMAL'

    def __init__(self, iteration: int, signal_name: str, rank=None) -> None:
        self.iteration = iteration
        self.signum = getattr(signal, signal_name)
        self.rank = rank

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter + 1 == self.iteration and self.rank in (None,
                                                                runner.rank):
            os.kill(os.getpid(), self.signum)
