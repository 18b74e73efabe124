"""mmrethink: MMDetection 3.x configs for *Rethinking ImageNet Pre-training*.

Importing the package registers its modules in mmdet's registries (configs
do it through ``custom_imports``), makes mmengine read local checkpoints
through :func:`mmrethink.utils.safe_load.load_checkpoint_file` (safe loading
of mmengine's own files, scoped to each load: torch's global allow-list is
left alone) and teaches mmengine's config loader the ``mmrethink::``
prefix.
"""
from . import fileio  # noqa: F401  (registers the atomic_local backend)
from .config_paths import (config_dir, get_config_path, list_configs,
                           register_config_prefix)
from .datasets.checked_coco import CheckedCocoDataset
from .datasets.subset import InfiniteSubsetSampler, SubsetSampler
from .evaluation import FastCocoMetric
from .hooks import CurveHook
from .utils.safe_load import register_checkpoint_loader
from .version import CONFIG_FORMAT, __version__

register_checkpoint_loader()
register_config_prefix()

__all__ = [
    '__version__', 'CONFIG_FORMAT', 'CheckedCocoDataset', 'config_dir',
    'get_config_path', 'list_configs', 'register_checkpoint_loader',
    'register_config_prefix', 'SubsetSampler', 'InfiniteSubsetSampler',
    'CurveHook', 'FastCocoMetric'
]
