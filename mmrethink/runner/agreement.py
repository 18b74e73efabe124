"""What the ranks agree on after each training iteration, in one
collective.

Several things must stop every rank at the same iteration or none: a stop
signal that reached one rank (:mod:`mmrethink.runner.preemption`), a NaN
loss on one rank (``DivergenceHook``). Each would cost an all-reduce per
iteration of its own, a few milliseconds of latency across nodes; one
all-reduce of a vector carries them all.
"""
from typing import Callable, Dict, List, Optional

import torch
from mmengine.dist import all_reduce, get_world_size


def sum_over_ranks(flags: List[int]) -> List[int]:
    """Each flag summed over the ranks: how many raise it (one all-reduce
    with several processes, which every rank calls at the same point)."""
    if get_world_size() == 1:
        return list(flags)
    tensor = torch.tensor(flags, dtype=torch.int64)
    all_reduce(tensor, op='sum')  # mmengine moves it to the backend's device
    return [int(v) for v in tensor.tolist()]


class IterationAgreement:
    """The flags of one training iteration, summed over the ranks once.

    Each party registers a flag with :meth:`add` before training: a name
    and a function of the iteration's outputs (the losses) that says
    whether this rank raises it. The first :meth:`count` of an iteration,
    on every rank at the same point (the hooks run in the same order on
    every rank), computes every flag and runs the one all-reduce; later
    calls for that iteration return the same counts, so every rank decides
    on the same numbers.
    """

    def __init__(self) -> None:
        self._flags: Dict[str, Callable[[Optional[dict]], bool]] = {}
        self._iteration: Optional[int] = None
        self._counts: Dict[str, int] = {}
        #: all-reduces run so far (one per iteration that asked)
        self.collectives = 0

    def add(self, name: str,
            raised: Callable[[Optional[dict]], bool]) -> None:
        """Register flag ``name``, raised on this rank when
        ``raised(outputs)`` is true."""
        if name in self._flags:
            raise ValueError(f'flag {name!r} is registered twice')
        self._flags[name] = raised

    def count(self, iteration: int,
              outputs: Optional[dict] = None) -> Dict[str, int]:
        """How many ranks raise each flag at ``iteration``."""
        if iteration != self._iteration:
            names = sorted(self._flags)
            local = [int(bool(self._flags[n](outputs))) for n in names]
            if get_world_size() > 1:
                self.collectives += 1
            self._iteration = iteration
            self._counts = dict(zip(names, sum_over_ranks(local)))
        return self._counts
