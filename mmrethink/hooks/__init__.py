from .checkpoint_hook import ResumableCheckpointHook
from .curve_hook import CurveHook, find_overfitting_onset
from .divergence_hook import DivergenceError, DivergenceHook
from .preemption_hook import PREEMPTED_EXIT_CODE, PreemptionHook
from .random_state_hook import (RandomStateHook, get_random_state,
                                set_random_state)

__all__ = [
    'ResumableCheckpointHook', 'CurveHook', 'find_overfitting_onset', 'DivergenceHook', 'DivergenceError',
    'PreemptionHook', 'PREEMPTED_EXIT_CODE', 'RandomStateHook',
    'get_random_state', 'set_random_state'
]
