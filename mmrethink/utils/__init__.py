from .checkpoint import find_resume_checkpoint, register_safe_globals
from .options import accepted_options, strict_options

__all__ = [
    'find_resume_checkpoint', 'register_safe_globals', 'accepted_options',
    'strict_options'
]
