from .checkpoint import find_resume_checkpoint, register_safe_globals

__all__ = ['find_resume_checkpoint', 'register_safe_globals']
