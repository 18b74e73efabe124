from .checkpoint_hook import ResumableCheckpointHook
from .curve_hook import CurveHook
from .divergence_hook import DivergenceError, DivergenceHook
from .random_state_hook import RandomStateHook

__all__ = [
    'ResumableCheckpointHook', 'CurveHook',
    'DivergenceHook', 'DivergenceError', 'RandomStateHook'
]
