"""Checkpoints named by URL or model-zoo name: where they are cached, how
they are fetched, and a clear error on machines without network.

Our pretrained configs name ImageNet weights as ``open-mmlab://...`` or
``torchvision://...``; ``load_from`` and ``tools/test.py`` take ``http(s)``
URLs. mmengine downloads them into torch's hub cache
(``<torch.hub.get_dir()>/checkpoints/<file name>``) the first time; on a
firewalled cluster it dies in the middle of building the model with a bare
``URLError``. In our runs these names are read by
:func:`load_remote_checkpoint` instead (mmengine's ``CheckpointLoader``
schemes, inside :func:`mmrethink.checkpoint.loading.
checkpoint_loading`): the cached file if it is there, else a download
(rank 0 first, as mmengine), else a :class:`RemoteCheckpointError` naming
the URL, the cache file, and the two ways out. The file is then read by
:func:`mmrethink.checkpoint.safe_load.load_checkpoint_file`, so remote
checkpoints load as safely as local ones. ``tools/download_weights.py``
fetches every checkpoint our configs name, for copying to such clusters.
"""
import os
import os.path as osp
from typing import Optional
from urllib.parse import urlparse

import torch

#: the prefixes handled here (mmengine's own names for them)
REMOTE_PREFIXES = ('http://', 'https://', 'open-mmlab://', 'openmmlab://',
                   'torchvision://', 'modelzoo://')


class RemoteCheckpointError(RuntimeError):
    """A remote checkpoint that is not cached and cannot be downloaded."""


def checkpoint_url(name: str) -> Optional[str]:
    """The URL a checkpoint name stands for, or None for a local path.

    Raises:
        ValueError: for a model-zoo name mmengine does not know.
    """
    from mmengine.runner.checkpoint import (get_deprecated_model_names,
                                            get_external_models,
                                            get_torchvision_models)
    if name.startswith(('http://', 'https://')):
        return name
    prefix, _, model = name.partition('://')
    if prefix in ('open-mmlab', 'openmmlab'):
        model = get_deprecated_model_names().get(model, model)
        table = get_external_models()
    elif prefix in ('torchvision', 'modelzoo'):
        table = _torchvision_models(get_torchvision_models)
    else:
        return None
    if model not in table:
        raise ValueError(f'{name}: mmengine knows no such model (see '
                         'mmengine/hub/openmmlab.json and torchvision)')
    url = table[model]
    if not url.startswith(('http://', 'https://')):
        raise ValueError(f'{name} is a file of the mmengine home ({url}), '
                         'not a URL')
    return url


def _torchvision_models(get_torchvision_models) -> dict:
    """mmengine's table of torchvision's checkpoints; without torchvision
    installed, the part of it mmengine ships itself (the names of
    torchvision 0.12, e.g. ``resnet50``, ``vgg16``: the ones our configs
    use)."""
    try:
        return get_torchvision_models()
    except ImportError:
        import mmengine
        return mmengine.load(osp.join(mmengine.__path__[0], 'hub',
                                      'torchvision_0.12.json'))


def cache_path(url: str) -> str:
    """Where torch's hub cache keeps the checkpoint of ``url``."""
    return osp.join(torch.hub.get_dir(), 'checkpoints',
                    osp.basename(urlparse(url).path))


def fetch(name: str) -> str:
    """The local file of a remote checkpoint, downloaded into the cache if
    it is not there yet (by this process).

    Raises:
        RemoteCheckpointError: if it is not cached and the download fails.
    """
    url = checkpoint_url(name)
    cached = cache_path(url)
    if osp.isfile(cached):
        return cached
    os.makedirs(osp.dirname(cached), exist_ok=True)
    try:
        torch.hub.download_url_to_file(url, cached, progress=False)
    except Exception as err:  # URLError, HTTPError, socket errors, ...
        what = name if name == url else f'{name} ({url})'
        raise RemoteCheckpointError(
            f'cannot download the checkpoint {what}: {err}. The file it '
            f'looks for is {cached}, and it is not there. Either put the '
            f'file there (copy it from a machine with network; '
            f'"python tools/download_weights.py" there fetches every '
            'checkpoint our configs name), or give a local path instead of '
            'the name: --cfg-options model.backbone.init_cfg.checkpoint='
            f'/path/to/{osp.basename(cached)} (or load_from=... for the '
            'weights of a whole detector)') from None
    return cached


def load_remote_checkpoint(filename: str, map_location=None):
    """mmengine's loader for remote names: fetch (rank 0 first, the others
    then find the file cached), then load it safely."""
    from mmengine.dist import (barrier, broadcast_object_list,
                               get_dist_info)

    from .safe_load import load_checkpoint_file
    rank, world_size = get_dist_info()
    if world_size == 1:
        return load_checkpoint_file(fetch(filename), map_location)
    problem = [None]
    if rank == 0:
        try:
            fetch(filename)
        except RemoteCheckpointError as err:
            problem = [str(err)]
    broadcast_object_list(problem, src=0)
    barrier()
    if problem[0] is not None:
        raise RemoteCheckpointError(problem[0])
    return load_checkpoint_file(fetch(filename), map_location)
