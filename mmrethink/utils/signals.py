"""Stop requests from launchers, and data loader workers that survive them.

Slurm, Kubernetes and torchrun's agent stop a job by sending SIGTERM (slurm
also the signal of ``--signal``) to every process of it, then SIGKILL some
seconds later. The training processes should finish their iteration, save
and exit; their data loader workers must not die first (a dead worker makes
the trainer raise ``DataLoader worker ... is killed by signal``).

- :class:`StopRequest` catches the signals in a training process and lets
  all ranks agree that one of them got one (one all-reduce of one number).
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
"""
import contextlib
import ctypes
import functools
import signal
import sys
from typing import Callable, Dict, Iterator, Optional, Sequence

import torch
from mmengine.dist import all_reduce, get_world_size

#: what launchers send to stop a job: SIGTERM (slurm, Kubernetes, torchrun),
#: SIGUSR1 (``sbatch --signal=USR1@120``)
STOP_SIGNALS = ('SIGTERM', 'SIGUSR1')
#: what data loader workers never react to
WORKER_BLOCKED = frozenset({signal.SIGTERM, signal.SIGUSR1, signal.SIGUSR2,
                            signal.SIGHUP})


def parse_signals(names: Sequence[str]) -> list:
    """Signal numbers of ``names`` (e.g. ``['SIGTERM', 'SIGUSR1']``).

    Raises:
        ValueError: naming an unknown signal.
    """
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


def block_for_workers() -> None:
    """Start a stretch in which workers are created (see
    :func:`workers_immune`); end it with :func:`unblock`."""
    signal.pthread_sigmask(signal.SIG_BLOCK, WORKER_BLOCKED)


def unblock() -> None:
    """End what :func:`block_for_workers` started; a signal that arrived
    meanwhile is delivered now."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, WORKER_BLOCKED)


def _worker_init(inner: Optional[Callable], worker_id: int) -> None:
    if sys.platform.startswith('linux'):
        # prctl(PR_SET_PDEATHSIG, SIGKILL): die with the parent
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0,
                                                0, 0)
    if inner is not None:
        inner(worker_id)


def die_with_parent(worker_init_fn: Optional[Callable]) -> Callable:
    """A ``worker_init_fn`` that makes the worker die with its training
    process, then runs ``worker_init_fn`` (mmengine's seeding)."""
    return functools.partial(_worker_init, worker_init_fn)


class StopRequest:
    """The stop signals of one training process, and the ranks' agreement.

    Args:
        signals (Sequence[str]): Signal names to catch.
    """

    def __init__(self, signals: Sequence[str] = STOP_SIGNALS) -> None:
        self.signals = parse_signals(signals)
        self.received: Optional[int] = None
        self._previous: Dict[int, object] = {}

    def install(self) -> None:
        """Catch the signals (instead of dying at once)."""
        for signum in self.signals:
            if signum not in self._previous:
                self._previous[signum] = signal.signal(signum, self._catch)

    def restore(self) -> None:
        """Put the previous handlers back."""
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def _catch(self, signum, frame) -> None:
        self.received = signum

    @property
    def name(self) -> str:
        """The signal this process got, or that another rank got one."""
        if self.received is None:
            return 'a stop signal on another rank'
        return signal.Signals(self.received).name

    def agreed(self) -> bool:
        """Whether any rank got a stop signal (all ranks must call this at
        the same point: it is a collective with several processes)."""
        got = self.received is not None
        if get_world_size() == 1:
            return got
        flag = torch.tensor([int(got)])
        all_reduce(flag, op='sum')  # mmengine moves it to the backend's device
        return bool(flag.item())
