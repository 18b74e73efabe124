"""mmrethink: MMDetection 3.x configs for *Rethinking ImageNet Pre-training*.

Importing the package (configs do it through ``custom_imports``):

- registers its datasets, samplers, transforms, train loop, hooks,
  metrics, models (the VGG backbone and its ImageNet weight initializer,
  the keypoint branch) and the keypoint visualizer in mmdet's registries;
- registers the ``atomic_local`` file backend our checkpoints are written
  with (:mod:`mmrethink.fileio`).

That is all: new names in registries, nothing of mmengine, mmdet or any
other package changed (``tests/test_package.py`` checks it in a process
with a stand-in third-party package). What our runs do differently is
scoped to them:

- :func:`checkpoint_loading`: inside it mmengine reads local checkpoints
  with :func:`mmrethink.checkpoint.safe_load.load_checkpoint_file` (safe
  loading of mmengine's own files) and remote ones (URLs, ``open-mmlab://``,
  ``torchvision://``) with :mod:`mmrethink.checkpoint.remote` (the cache, a
  clear error without network); ``tools/train.py`` and ``tools/test.py``
  run inside it, a script opts in with ``with checkpoint_loading():``;
- :func:`read_config`: a config with the ``mmrethink::`` prefix, as our
  tools read them;
- ``FastCocoMetric`` evaluates with its own COCOeval class, leaving
  mmdet's ``CocoMetric`` as it is.
"""
from .datasets import CheckedCocoDataset, InfiniteSubsetSampler
from .evaluation import FastCocoMetric
from .hooks import (CurveHook, DivergenceHook, RandomStateHook,
                    ResumableCheckpointHook)
from .models import DetVGG, PretrainedVGG
from .runner import ResumableIterBasedTrainLoop
from .visualization import KeypointDetLocalVisualizer
from . import fileio  # noqa: F401  (registers the atomic_local backend)
from .checkpoint.loading import checkpoint_loading
from .config import config_dir, get_config_path, list_configs, read_config
from .version import __version__

__all__ = [
    '__version__', 'CheckedCocoDataset', 'InfiniteSubsetSampler',
    'FastCocoMetric', 'DetVGG', 'PretrainedVGG', 'CurveHook',
    'DivergenceHook', 'RandomStateHook', 'ResumableCheckpointHook',
    'KeypointDetLocalVisualizer',
    'ResumableIterBasedTrainLoop', 'config_dir', 'get_config_path',
    'list_configs', 'checkpoint_loading', 'read_config'
]
