"""Checkpoint I/O of our runs, one concern a module:

- ``safe_load``: checkpoints under ``torch.load(weights_only=True)``, and
  the plain data our checkpoints are written in;
- ``loading``: how mmengine reads checkpoints in our runs (a scope, never
  process-wide);
- ``remote``: URLs and model-zoo names, the download cache;
- ``work_dir``: ``last_checkpoint`` and the checkpoint a run resumes from.
"""
from .loading import checkpoint_loading

__all__ = ['checkpoint_loading']
