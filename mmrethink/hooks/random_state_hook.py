"""Resume training's random streams where they stopped."""
import random
from typing import Optional

import numpy as np
import torch
from mmdet.registry import HOOKS
from mmengine.hooks import Hook

from ..utils.options import strict_options


def get_random_state() -> dict:
    """The states of Python's, numpy's and torch's (CPU and CUDA) global
    random generators."""
    return dict(
        python=random.getstate(),
        numpy=np.random.get_state(),
        torch=torch.get_rng_state(),
        cuda=(torch.cuda.get_rng_state_all()
              if torch.cuda.is_available() and torch.cuda.is_initialized()
              else None))


def set_random_state(state: dict) -> None:
    """Restore what :func:`get_random_state` returned (keys it lacks are
    left alone)."""
    if state.get('python') is not None:
        random.setstate(state['python'])
    if state.get('numpy') is not None:
        np.random.set_state(state['numpy'])
    if state.get('torch') is not None:
        torch.set_rng_state(state['torch'])
    if state.get('cuda') is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


@HOOKS.register_module()
@strict_options
class RandomStateHook(Hook):
    """Make a resumed run continue the random streams of the interrupted one.

    mmengine restores weights, optimizer, schedulers and the iteration, and
    replays the data: on resume the train loop draws (and discards) every
    batch already trained on, so the sampler and the data pipeline (numpy
    and Python ``random``, also in workers seeded by ``randomness.seed``)
    continue exactly. What it does not restore is torch's global generator,
    which the model draws from (the RPN and RoI samplers pick anchors and
    proposals with ``torch.randperm``). This hook saves that generator's
    state (CPU and CUDA) in every checkpoint and sets it back right before
    the first iteration after resume, so that, on deterministic hardware, a
    killed and resumed run gives the same weights as an uninterrupted one.

    Validation draws from the generators too (creating a dataloader
    iterator takes a torch seed), so this hook also gives every validation
    its own copy of the streams and puts the training streams back after
    it: how often a run is evaluated (and the extra evaluation of a resumed
    checkpoint) does not change its training.

    With several processes only rank 0 saves checkpoints, so every rank
    resumes with rank 0's torch stream: a valid stream, but not each rank's
    own one, so such runs resume statistically, not bit for bit (neither
    are two uninterrupted GPU runs: CUDA's atomic adds are not
    deterministic).
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._resumed_state: Optional[dict] = None
        self._train_state: Optional[dict] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Save the model's random stream."""
        checkpoint['random_state'] = dict(
            torch=torch.get_rng_state(),
            cuda=(torch.cuda.get_rng_state_all() if torch.cuda.is_available()
                  and torch.cuda.is_initialized() else None))

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep the saved stream for the first iteration after resume."""
        if runner._resume and 'random_state' in checkpoint:
            self._resumed_state = checkpoint['random_state']

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        """Restore the saved stream once the loop has replayed the data."""
        if self._resumed_state is not None:
            set_random_state(self._resumed_state)
            self._resumed_state = None

    def before_val(self, runner) -> None:
        """Set the training streams aside."""
        self._train_state = get_random_state()

    def after_val(self, runner) -> None:
        """Put the training streams back."""
        if self._train_state is not None:
            set_random_state(self._train_state)
            self._train_state = None
