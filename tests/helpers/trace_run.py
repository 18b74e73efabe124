"""Hooks for the kill-and-resume tests.

``TraceHook`` appends each iteration's loss and learning rate to
``<work_dir>/trace.jsonl`` (appending, so an interrupted and a resumed run
leave one file) and a digest of the final weights to ``weights.txt``.
``SignalAtHook`` sends a signal at a chosen point of a run: after a training
iteration, after the first batch of a validation, or in the middle of
writing a checkpoint; to its own process or to its whole process group (as
slurm, Kubernetes and torchrun's agent do), once per work dir.
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
                    pid=os.getpid(), rank=runner.rank)
        name = 'trace.jsonl' if runner.rank == 0 else \
            f'trace{runner.rank}.jsonl'
        with open(osp.join(runner.work_dir, name), 'a') as f:
            f.write(json.dumps(line) + '\n')

    def after_train(self, runner):
        name = 'weights.txt' if runner.rank == 0 else \
            f'weights{runner.rank}.txt'
        with open(osp.join(runner.work_dir, name), 'w') as f:
            f.write(weights_digest(runner.model))


@HOOKS.register_module()
class SignalAtHook(Hook):
    """Send ``signal_name`` at iteration ``iteration``.

    Args:
        phase (str): 'train' (during that training iteration, before its
            forward pass, where a launcher's signal mostly lands), 'val'
            (after the first batch of that
            iteration's validation) or 'save' (while that iteration's
            checkpoint is written: after its data, before the rename).
        group (bool): Signal every process of the job, as slurm and
            Kubernetes do: this process's group (itself and its loader
            workers) and, under torchrun (which starts each rank in a
            group of its own), the launcher's group (the job script and
            torchrun, which then signals the other ranks' groups, as its
            agent does).
        rank (int, optional): Only on this rank.
    """

    priority = 'NORMAL'

    def __init__(self, iteration: int, signal_name: str, phase='train',
                 group=False, rank=None) -> None:
        self.iteration = iteration
        self.signum = getattr(signal, signal_name)
        self.phase = phase
        self.group = group
        self.rank = rank

    def _fire(self, runner):
        marker = osp.join(runner.work_dir,
                          f'.signalled-{self.phase}-{self.iteration}')
        if self.rank not in (None, runner.rank) or osp.exists(marker):
            return
        open(marker, 'w').close()  # once: a resumed run goes on
        if self.group:
            groups = [os.getpgrp()]  # last: a SIGKILL ends this process
            if 'TORCHELASTIC_RUN_ID' in os.environ:
                groups.insert(0, os.getpgid(os.getppid()))
            for group in groups:
                os.killpg(group, self.signum)
        else:
            os.kill(os.getpid(), self.signum)

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if self.phase == 'train' and runner.iter + 1 == self.iteration:
            self._fire(runner)

    def after_val_iter(self, runner, batch_idx, data_batch=None,
                       outputs=None):
        if self.phase == 'val' and runner.iter == self.iteration and \
                batch_idx == 0:
            self._fire(runner)

    def before_save_checkpoint(self, runner, checkpoint):
        if self.phase != 'save' or checkpoint['meta']['iter'] != \
                self.iteration:
            return
        replace = os.replace

        def die_before_rename(src, dst):
            if dst.endswith('.pth'):
                self._fire(runner)
            return replace(src, dst)

        os.replace = die_before_rename


@HOOKS.register_module()
class CountCollectivesHook(Hook):
    """Count the ``torch.distributed.all_reduce`` calls of each training
    iteration, from its ``before_train_iter`` to its ``after_train_iter``
    (this hook's come after every config hook's; our loop's pre-emption,
    registered later, asks the iteration's cached agreement), written to
    ``<work_dir>/collectives<rank>.json`` as ``{iteration: calls}`` after
    each iteration (a run that stops keeps them)."""

    priority = 'LOWEST'

    def before_train(self, runner):
        import torch.distributed as dist
        self.calls = 0
        self.counts = {}
        real = dist.all_reduce

        def counted(*args, **kwargs):
            self.calls += 1
            return real(*args, **kwargs)

        dist.all_reduce = counted

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.calls = 0

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.counts[runner.iter + 1] = self.calls
        with open(osp.join(runner.work_dir,
                           f'collectives{runner.rank}.json'), 'w') as f:
            json.dump(self.counts, f)


@HOOKS.register_module()
class BallastHook(Hook):
    """Make the next checkpoint ``megabytes`` larger once a watcher asks
    for it (a file ``<work_dir>/.ballast``, removed when used), so that its
    write lasts long enough to be killed from outside while the temporary
    file exists. It kills nothing."""

    def __init__(self, megabytes: int = 256) -> None:
        self.megabytes = megabytes

    def before_save_checkpoint(self, runner, checkpoint):
        marker = osp.join(runner.work_dir, '.ballast')
        if not osp.exists(marker):
            return
        os.remove(marker)
        import torch
        checkpoint['ballast'] = torch.zeros(self.megabytes * 2**18)


@HOOKS.register_module()
class SlowValidationHook(Hook):
    """Sleep ``seconds`` after each validation batch, so that a watcher
    outside the run can land a signal inside a validation. It stops
    nothing."""

    def __init__(self, seconds: float = 0.5) -> None:
        self.seconds = seconds

    def after_val_iter(self, runner, batch_idx, data_batch=None,
                       outputs=None):
        import time
        time.sleep(self.seconds)
