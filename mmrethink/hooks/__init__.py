from .curve_hook import CurveHook, find_overfitting_onset
from .divergence_hook import DivergenceError, DivergenceHook

__all__ = [
    'CurveHook', 'find_overfitting_onset', 'DivergenceHook', 'DivergenceError'
]
