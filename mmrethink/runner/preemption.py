"""Pre-emption: a launcher's stop signal ends a training run with a
checkpoint of its current iteration, on every rank, and a status job
scripts requeue on. Everything of it is in this module.

Slurm, Kubernetes and torchrun's agent stop a job by sending SIGTERM (slurm
also the signal of ``--signal``) to every process of it, then SIGKILL some
seconds later. The training processes should finish their iteration, save
and exit; their data loader workers must not die first (a dead worker makes
the trainer raise ``DataLoader worker ... is killed by signal``).

- :class:`Preemption` is the hook our train loop registers for its run
  (``train_cfg.stop_signals``): it catches the signals, asks the ranks
  whether any got one (in the loop's one collective per iteration,
  :class:`~mmrethink.runner.agreement.IterationAgreement`, and after each
  validation batch), has the checkpoint hook save the current iteration,
  waits for that write on every rank and exits with
  :data:`PREEMPTED_EXIT_CODE`.
- :func:`workers_immune` wraps the creation of data loader workers: torch
  installs a handler in each worker that dies on SIGTERM, but a forked
  process inherits its parent's blocked signals, so workers created while
  the signals are blocked never see them. The training process unblocks
  them as soon as the workers exist, and gets a signal that arrived
  meanwhile. Such workers end when their loader is shut down (our train
  loop does it when training ends, however it ends), and
  :func:`die_with_parent` (their ``worker_init_fn``) makes the kernel kill
  them if their training process dies first (an out-of-memory kill, say),
  instead of leaving them behind.
- Under torchrun each rank asks the kernel for a SIGTERM when its launcher
  dies (:meth:`Preemption._stop_with_launcher`): a SIGKILL of the
  launcher's process group then ends the ranks as a pre-emption does, with
  a checkpoint, instead of leaving them training.
"""
import contextlib
import ctypes
import functools
import os
import signal
import sys
from typing import Callable, Dict, Iterator, Optional, Sequence

from mmengine.dist import barrier
from mmengine.hooks import Hook
from mmengine.logging import print_log

from .agreement import sum_over_ranks

#: what launchers send to stop a job: SIGTERM (slurm, Kubernetes, torchrun),
#: SIGUSR1 (``sbatch --signal=USR1@120``)
STOP_SIGNALS = ('SIGTERM', 'SIGUSR1')
#: what data loader workers never react to
WORKER_BLOCKED = frozenset({signal.SIGTERM, signal.SIGUSR1, signal.SIGUSR2,
                            signal.SIGHUP})
#: exit status of a run stopped by a signal after saving: what a shell
#: reports for a process killed by SIGTERM (128 + 15), so that job scripts
#: treat a pre-empted run as one (and requeue it), not as a crash
PREEMPTED_EXIT_CODE = 143
#: (this process, its parent) when mmrethink was imported: a rank's
#: launcher; a parent that differs later has died (a process forked after
#: the import is another process and has no record)
_PARENT_AT_IMPORT = (os.getpid(), os.getppid())


def parse_signals(names: Sequence[str]) -> list:
    """Signal numbers of ``names`` (e.g. ``['SIGTERM', 'SIGUSR1']``).

    Raises:
        ValueError: naming an unknown signal.
    """
    if isinstance(names, str):
        raise ValueError(f'stop_signals={names!r}: expected a list of signal '
                         "names such as ['SIGTERM', 'SIGUSR1']")
    numbers = []
    for name in names:
        if not isinstance(name, str) or not name.startswith('SIG') or \
                not hasattr(signal, name):
            raise ValueError(f'unknown signal {name!r}; expected names such '
                             "as 'SIGTERM' or 'SIGUSR1'")
        numbers.append(getattr(signal, name))
    return numbers


@contextlib.contextmanager
def workers_immune() -> Iterator[None]:
    """Block the stop signals while data loader workers are created in this
    block, so that the workers never receive them."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, WORKER_BLOCKED)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        # (a signal that arrived meanwhile is delivered here)


def parent_death_signal(signum: int) -> bool:
    """Have the kernel send ``signum`` to this process when its parent
    dies (Linux ``prctl(PR_SET_PDEATHSIG)``); False where it cannot."""
    if not sys.platform.startswith('linux'):
        return False
    return ctypes.CDLL(None, use_errno=True).prctl(1, int(signum), 0, 0,
                                                   0) == 0


def _worker_init(inner: Optional[Callable], worker_id: int) -> None:
    parent_death_signal(signal.SIGKILL)  # die with the training process
    if inner is not None:
        inner(worker_id)


def die_with_parent(worker_init_fn: Optional[Callable]) -> Callable:
    """A ``worker_init_fn`` that makes the worker die with its training
    process, then runs ``worker_init_fn`` (mmengine's seeding)."""
    return functools.partial(_worker_init, worker_init_fn)


class Preemption(Hook):
    """Stop a training run on a launcher's signal, with a checkpoint.

    ``signals`` no longer kill the training process: the run finishes the
    iteration in progress (or the validation batch in progress), every rank
    agrees, the checkpoint hook writes the checkpoint of the current
    iteration on rank 0 (unless the interval save just did), all ranks wait
    for that write, and each exits with :data:`PREEMPTED_EXIT_CODE`.
    ``--resume`` continues at the next iteration; a validation cut short
    runs first (``CurveHook``). Validation loader workers created during
    the run ignore the signals (the train loop makes its own workers so and
    stops them all when training ends).

    Our train loop creates and registers it; it is not a config's hook.

    Args:
        signals (Sequence[str]): Signals that stop the run with a
            checkpoint; empty: none (the signals do what they would).
        agreement: The loop's
            :class:`~mmrethink.runner.agreement.IterationAgreement`, which
            carries this process's stop flag to the other ranks.
    """

    priority = 'LOWEST'  # after the checkpoint hook's own save

    def __init__(self, signals: Sequence[str], agreement) -> None:
        self.signals = parse_signals(signals)
        self.received: Optional[int] = None
        self._previous: Dict[int, object] = {}
        self._in_training = False
        self.agreement = agreement
        agreement.add('stop', lambda outputs: self.received is not None)

    @property
    def enabled(self) -> bool:
        return bool(self.signals)

    # --- the signals ---------------------------------------------------
    def _catch(self, signum, frame) -> None:
        self.received = signum

    def before_train(self, runner) -> None:
        """Catch the signals (instead of dying at once); check that there
        is a checkpoint hook to save with."""
        self._in_training = True
        if not self.enabled:
            return
        self._saver(runner)  # fails now, not at the signal
        for signum in self.signals:
            if signum not in self._previous:
                self._previous[signum] = signal.signal(signum, self._catch)
        self._stop_with_launcher()

    def _stop_with_launcher(self) -> None:
        """Under torchrun, a rank whose launcher dies stops as on its stop
        signal: torchrun starts each rank in a session of its own, so a
        SIGKILL of the launcher's process group (a scheduler's, a user's
        ``kill -9``) reaches torchrun but not the ranks, which would train
        on, unattended, writing into the work dir."""
        if 'TORCHELASTIC_RUN_ID' not in os.environ or not self.signals:
            return
        signum = self.signals[0]  # SIGTERM, unless the config chose others
        if parent_death_signal(signum):
            pid, parent = _PARENT_AT_IMPORT
            if pid == os.getpid() and os.getppid() != parent:
                # it died before we asked: the rank has another parent now
                self._catch(signum, None)

    def after_train(self, runner) -> None:
        """Put the previous signal handlers back."""
        self._in_training = False
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    @property
    def name(self) -> str:
        """The signal this process got, or that another rank got one."""
        if self.received is None:
            return 'a stop signal on another rank'
        return signal.Signals(self.received).name

    # --- when to stop --------------------------------------------------
    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        """After the checkpoint hook's save: stop if any rank got a
        signal."""
        if self.enabled and self.agreement.count(runner.iter,
                                                 outputs)['stop']:
            self._stop(runner, step=runner.iter + 1, during='training')

    def before_val_epoch(self, runner) -> None:
        """Validation's loader workers, created next, ignore the signals."""
        if self.enabled and self._in_training:
            signal.pthread_sigmask(signal.SIG_BLOCK, WORKER_BLOCKED)

    def before_val_iter(self, runner, batch_idx: int,
                        data_batch=None) -> None:
        """The workers exist now; a signal that came meanwhile arrives."""
        signal.pthread_sigmask(signal.SIG_UNBLOCK, WORKER_BLOCKED)

    def after_val(self, runner) -> None:
        """(An empty validation has no iteration to unblock in.)"""
        signal.pthread_sigmask(signal.SIG_UNBLOCK, WORKER_BLOCKED)

    def after_val_iter(self, runner, batch_idx: int, data_batch=None,
                       outputs=None) -> None:
        """Stop in the middle of a validation if any rank got a signal."""
        if self.enabled and self._in_training and sum_over_ranks(
                [int(self.received is not None)])[0]:
            self._stop(runner, step=runner.iter, during='validation')

    # --- the stop --------------------------------------------------------
    @staticmethod
    def _saver(runner):
        """The checkpoint hook that writes the stop's checkpoint: the one
        with a ``save_now(runner, step)`` (``ResumableCheckpointHook``)."""
        for hook in runner.hooks:
            if callable(getattr(hook, 'save_now', None)):
                return hook
        raise ValueError(
            'train_cfg.stop_signals needs default_hooks.checkpoint to be a '
            'ResumableCheckpointHook (it writes the checkpoint of the '
            'stop); use it, or set train_cfg.stop_signals=[] to let the '
            'signals end the run without a checkpoint')

    def _stop(self, runner, step: int, during: str) -> None:
        filename = self._saver(runner).save_now(runner, step)
        barrier()  # no rank exits before rank 0 has written the file
        print_log(
            f'{self.name} during {during}: saved {filename} (iteration '
            f'{step}); exiting with {PREEMPTED_EXIT_CODE}. Continue with '
            'tools/train.py CONFIG --resume', logger='current', level=30)
        raise SystemExit(PREEMPTED_EXIT_CODE)
