"""Random streams that are a function of where they are used.

A training run is exactly repeatable, and a resumed run exactly the
uninterrupted one, when every random number it draws depends only on the
run's seed and on *where* it is drawn, not on what was drawn before:

- each training iteration's model randomness (RPN and RoI sampling draw
  from torch's global generator) starts from :func:`derive_seed` ``(seed,
  'iteration', rank, iteration)`` (``RandomStateHook``);
- each training sample's augmentation (flip, scale choice: numpy's and
  Python's global generators in the loader's workers) starts from
  ``(seed, 'sample', rank, batch, slot)`` (``mmrethink.runner``).

Nothing then depends on how many loader workers there are, which worker
loaded what, how often the run was validated, or where it was resumed.
"""
import contextlib
import random
from typing import Iterator

import numpy as np
import torch

_STREAMS = {'iteration': 1, 'sample': 2}


def derive_seed(seed: int, stream: str, *position: int) -> int:
    """A 32-bit seed for one place of one stream of a run."""
    entropy = [int(seed) & 0xFFFFFFFF, _STREAMS[stream],
               *[int(p) for p in position]]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


def seed_everything(seed: int) -> None:
    """Seed Python's, numpy's and torch's (CPU and current CUDA device)
    global generators."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run a block with the global generators seeded from ``seed``, and put
    their previous states back after it."""
    state = (random.getstate(), np.random.get_state(), torch.get_rng_state())
    seed_everything(seed)
    try:
        yield
    finally:
        random.setstate(state[0])
        np.random.set_state(state[1])
        torch.set_rng_state(state[2])
