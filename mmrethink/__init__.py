"""mmrethink: MMDetection 3.x configs for *Rethinking ImageNet Pre-training*.

Importing the package (configs do it through ``custom_imports``):

- registers its datasets, samplers, train loop, hooks, metric, the VGG
  backbone and its ImageNet weight initializer in mmdet's registries;
- registers the ``atomic_local`` file backend our checkpoints are written
  with (:mod:`mmrethink.utils.fileio`);
- makes mmengine read local checkpoints through
  :func:`mmrethink.utils.safe_load.load_checkpoint_file` (safe loading of
  mmengine's own files, scoped to each load: torch's global allow-list is
  left alone), and remote ones (URLs, ``open-mmlab://``,
  ``torchvision://``) through :mod:`mmrethink.utils.remote` (the cache,
  and a clear error where there is no network);
- teaches mmengine's config loader the ``mmrethink::`` prefix.
"""
from .datasets import CheckedCocoDataset, InfiniteSubsetSampler
from .evaluation import FastCocoMetric
from .hooks import (CurveHook, DivergenceHook, RandomStateHook,
                    ResumableCheckpointHook)
from .models import DetVGG, PretrainedVGG
from .runner import ResumableIterBasedTrainLoop
from .utils import fileio  # noqa: F401  (registers the atomic_local backend)
from .utils.config_paths import (config_dir, get_config_path, list_configs,
                                 register_config_prefix)
from .utils.remote import register_remote_loaders
from .utils.safe_load import register_checkpoint_loader
from .version import __version__

register_checkpoint_loader()
register_remote_loaders()
register_config_prefix()

__all__ = [
    '__version__', 'CheckedCocoDataset', 'InfiniteSubsetSampler',
    'FastCocoMetric', 'DetVGG', 'PretrainedVGG', 'CurveHook', 'DivergenceHook', 'RandomStateHook',
    'ResumableCheckpointHook', 'ResumableIterBasedTrainLoop', 'config_dir',
    'get_config_path', 'list_configs'
]
