from .curve_hook import CurveHook, find_overfitting_onset

__all__ = ['CurveHook', 'find_overfitting_onset']
