"""Helpers shared by ``tools/train.py`` and ``tools/test.py``."""
import argparse
import os
import os.path as osp
from typing import Optional

from mmengine.config import Config, DictAction

from .config_paths import get_config_path


def resolve_config(config: str) -> str:
    """Return the path of ``config``: a file, or a name of an mmrethink config.

    Args:
        config (str): A path to a config file, or a path relative to
            mmrethink's ``configs`` folder (``mmrethink::`` prefix allowed),
            so that installed users can run ``tools/train.py
            rethinking/mask-rcnn_r50-scratch_fpn_gn-all_8xb2-6x_coco``.

    Raises:
        FileNotFoundError: if neither exists.
    """
    if osp.isfile(config):
        return config
    try:
        return get_config_path(config)
    except FileNotFoundError as err:
        raise FileNotFoundError(
            f'config {config!r} is neither a file (looked in {os.getcwd()}) '
            f'nor an mmrethink config: {err}') from None


def load_config(config: str,
                cfg_options: Optional[dict] = None,
                work_dir: Optional[str] = None) -> Config:
    """Load a config, apply ``--cfg-options`` and set its work dir.

    The work dir is, by priority, ``work_dir``, the config's ``work_dir``,
    then ``work_dirs/<config stem>`` as with mmdet's tools.

    Args:
        config (str): See :func:`resolve_config`.
        cfg_options (dict, optional): ``--cfg-options`` to merge.
        work_dir (str, optional): ``--work-dir``.

    Returns:
        Config: the resolved config.
    """
    path = resolve_config(config)
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(path))[0])
    return cfg


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """``--cfg-options``, ``--launcher`` and ``--local-rank``, as mmdet's
    tools take them."""
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. train_cfg.max_iters=100')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none', help='job launcher')
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_with_common_args(parser: argparse.ArgumentParser):
    """Parse, and export ``LOCAL_RANK`` when the launcher did not."""
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args
