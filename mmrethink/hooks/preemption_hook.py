"""Save a checkpoint when the job is told to stop, then stop."""
import signal
from typing import Dict, Optional, Sequence

import torch
from mmdet.registry import HOOKS
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import CheckpointHook, Hook
from mmengine.logging import print_log

from .curve_hook import is_epoch_based
from ..utils.options import strict_options

#: exit status of a run stopped by :class:`PreemptionHook`: what a shell
#: reports for a process killed by SIGTERM (128 + 15), so job scripts treat
#: the two alike.
PREEMPTED_EXIT_CODE = 143


@HOOKS.register_module()
@strict_options
class PreemptionHook(Hook):
    """On SIGTERM, finish the iteration, save a checkpoint and exit.

    Slurm (``--signal``, or at the time limit and on pre-emption) and
    Kubernetes send SIGTERM some time before they kill a job. By default
    Python dies at once and the iterations since the last checkpoint (up to
    10k in our schedules) are lost. With this hook the run finishes the
    iteration in progress, writes its checkpoint through the config's
    ``CheckpointHook`` (so ``--resume`` finds it as the latest) and exits
    with :data:`PREEMPTED_EXIT_CODE`. A validation due at that iteration is
    not run; the resumed run runs it first (see ``CurveHook``).

    With several processes the ranks agree each iteration (one all-reduce
    of one number), so all of them stop at the same iteration even if the
    signal reached them at different ones. Epoch-based runs cannot resume
    in the middle of an epoch: there the hook exits without saving, and the
    run resumes from its last epoch checkpoint.

    Args:
        signals (Sequence[str]): Names of the signals to catch. Defaults to
            ``('SIGTERM',)``; add ``'SIGUSR1'`` for ``sbatch
            --signal=USR1@120``.
    """

    # after CheckpointHook (VERY_LOW): an interval checkpoint of this
    # iteration is written once, by that hook
    priority = 'LOWEST'

    def __init__(self, signals: Sequence[str] = ('SIGTERM', )) -> None:
        self.signals = []
        for name in signals:
            if not hasattr(signal, name):
                raise ValueError(
                    f'PreemptionHook: unknown signal {name!r} in `signals`')
            self.signals.append(getattr(signal, name))
        self._received: Optional[int] = None
        self._previous: Dict[int, object] = {}

    def _handle(self, signum, frame) -> None:
        self._received = signum

    def before_train(self, runner) -> None:
        """Install the signal handlers."""
        for signum in self.signals:
            self._previous[signum] = signal.signal(signum, self._handle)

    def after_train(self, runner) -> None:
        """Put the previous handlers back."""
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def _stop_requested(self) -> bool:
        received = self._received is not None
        if get_world_size() == 1:
            return received
        flag = torch.tensor([int(received)])
        all_reduce(flag, op='sum')
        return bool(flag.item())

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        """Save and exit if a signal arrived on any rank."""
        if not self._stop_requested():
            return
        name = (signal.Signals(self._received).name
                if self._received is not None else 'a signal on another rank')
        step = runner.iter + 1
        if is_epoch_based(runner.train_loop):
            print_log(
                f'PreemptionHook: {name} at iteration {step}; epoch-based '
                'runs resume from their last epoch checkpoint, exiting '
                'without saving', logger='current', level=30)
            raise SystemExit(PREEMPTED_EXIT_CODE)
        checkpoint_hook = next(
            (h for h in runner.hooks if isinstance(h, CheckpointHook)), None)
        if checkpoint_hook is None:
            raise RuntimeError(
                'PreemptionHook needs a CheckpointHook in default_hooks')
        filename = checkpoint_hook.filename_tmpl.format(step)
        last = runner.message_hub.get_info('last_ckpt') or ''
        if not last.endswith(filename):
            checkpoint_hook._save_checkpoint(runner)
        print_log(
            f'PreemptionHook: {name}: saved {filename} at iteration {step}; '
            'exiting. Continue with tools/train.py CONFIG --resume',
            logger='current', level=30)
        raise SystemExit(PREEMPTED_EXIT_CODE)
