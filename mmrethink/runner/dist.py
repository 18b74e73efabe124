"""Multi-process training without GPUs (torch.distributed with gloo).

mmengine 0.10.7's ``launcher='pytorch'`` assumes CUDA: it calls
``torch.cuda.set_device(LOCAL_RANK)`` and wraps the model in DDP with
``device_ids=[LOCAL_RANK]``, both of which fail on a CPU-only torch. On such
a machine :func:`prepare_cpu_launch` initializes the process group itself
with the gloo backend (mmengine then skips its own initialization) and
tells the runner to wrap the model in DDP without device ids. On a machine
with CUDA it does nothing and mmengine's NCCL path is used as is.
"""
import os
import os.path as osp

import torch
import torch.distributed as torch_dist
from mmengine.config import Config


def _uses_syncbn(obj) -> bool:
    if isinstance(obj, dict):
        return obj.get('type') in ('SyncBN', 'MMSyncBN') or any(
            _uses_syncbn(v) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return any(_uses_syncbn(v) for v in obj)
    return False


def check_syncbn_launch(cfg: Config) -> None:
    """Refuse to train a SyncBN model on a single process.

    On one process mmengine turns SyncBN into plain BN over each GPU's few
    images (2 in our configs): the small-batch BN the paper warns about,
    without a word. (On a CPU, SyncBN cannot train at all.)

    Raises:
        ValueError: naming the config and its GroupNorm twin.
    """
    from mmengine.dist import get_world_size
    if not _uses_syncbn(cfg.get('model', {})) or get_world_size() > 1:
        return
    name = osp.basename(cfg.filename or 'this config')
    twin = name.replace('syncbn-all', 'gn-all')
    hint = (f'; or train its GroupNorm twin {twin}, which needs no '
            'large batch' if twin != name else '')
    raise ValueError(
        f'{name}: SyncBN needs several processes (tools/dist_train.sh CONFIG '
        '8): on one, mmengine would silently use per-GPU BatchNorm over '
        f'{cfg.train_dataloader.get("batch_size")} images, the small-batch '
        f'BN the paper warns about{hint}')


def prepare_cpu_launch(cfg: Config, launcher: str) -> bool:
    """Make a multi-process ``launcher`` work on a CPU-only machine.

    Args:
        cfg (Config): The config; its ``env_cfg.dist_cfg.backend`` and
            ``model_wrapper_cfg`` are set for gloo and CPU DDP.
        launcher (str): ``none``, ``pytorch``, ``slurm`` or ``mpi``.

    Returns:
        bool: Whether the CPU path was taken.

    Raises:
        ValueError: for a SyncBN config, which cannot train on CPU.
        KeyError: if the launcher did not set the torch.distributed
            environment (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT).
    """
    if launcher != 'pytorch' or torch.cuda.is_available():
        return False
    if _uses_syncbn(cfg.model.to_dict()):
        raise ValueError(
            f'{cfg.filename}: SyncBN cannot train on CPU (nn.SyncBatchNorm '
            'needs CUDA); run it on GPUs, or use a GN config')
    missing = [k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR',
                           'MASTER_PORT') if k not in os.environ]
    if missing:
        raise KeyError(f'--launcher pytorch: {missing} not set; launch with '
                       'tools/dist_train.sh (torchrun)')
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    cfg.env_cfg.dist_cfg.backend = 'gloo'
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(backend='gloo')
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel', device_ids=None,
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
    return True
