from .checkpoint_hook import PREEMPTED_EXIT_CODE, ResumableCheckpointHook
from .curve_hook import CurveHook
from .divergence_hook import DivergenceError, DivergenceHook
from .random_state_hook import RandomStateHook

__all__ = [
    'ResumableCheckpointHook', 'PREEMPTED_EXIT_CODE', 'CurveHook',
    'DivergenceHook', 'DivergenceError', 'RandomStateHook'
]
