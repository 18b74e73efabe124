"""Published checkpoints: weights and the metadata needed to use them.

A training checkpoint also holds the optimizer, the message hub and the
schedulers' state. The published file keeps ``state_dict`` and a small
``meta`` (dataset classes, iteration, software versions), loads with
``torch.load(weights_only=True)``, and is named
``<config stem>_<YYYYMMDD>-<sha256[:8]>.pth`` after its own content.
"""
import datetime
import hashlib
import os
import os.path as osp
from typing import Optional

import torch

# no save time: the same weights give the same file, and the same name
KEEP_META = ('dataset_meta', 'iter', 'epoch', 'mmengine_version',
             'mmdet_version')


def publish_checkpoint(src: str, out_dir: str, stem: str,
                       date: Optional[str] = None) -> str:
    """Strip ``src`` to weights + metadata and write it under ``out_dir``.

    Args:
        src (str): A training checkpoint.
        out_dir (str): Folder of the published file.
        stem (str): The config's file name without ``.py``.
        date (str, optional): ``YYYYMMDD``; defaults to today (UTC).

    Returns:
        str: The published file's path.
    """
    import mmrethink
    from mmrethink.utils.safe_load import load_checkpoint_file
    ckpt = load_checkpoint_file(src, map_location='cpu')
    if 'state_dict' not in ckpt:
        raise KeyError(f'{src}: no state_dict; not an mmengine checkpoint')
    meta = {k: v for k, v in ckpt.get('meta', {}).items() if k in KEEP_META}
    meta['mmrethink_version'] = mmrethink.__version__
    os.makedirs(out_dir, exist_ok=True)
    tmp = osp.join(out_dir, f'.{stem}.tmp')
    torch.save(dict(state_dict=ckpt['state_dict'], meta=meta), tmp)
    with open(tmp, 'rb') as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    date = date or datetime.datetime.now(datetime.timezone.utc).strftime(
        '%Y%m%d')
    out = osp.join(out_dir, f'{stem}_{date}-{sha[:8]}.pth')
    os.replace(tmp, out)
    return out
