from .checkpoint import find_resume_checkpoint
from .options import accepted_options, strict_options

__all__ = [
    'find_resume_checkpoint', 'accepted_options',
    'strict_options'
]
