"""Published results: the weights-only checkpoint and the record
``results/<config stem>.json`` (read and written here only).

A training checkpoint also holds the optimizer, the message hub and the
schedulers' state. The published file keeps ``state_dict`` and a small
``meta`` (dataset classes, iteration, software versions), loads with
``torch.load(weights_only=True)``, and is named
``<config stem>_<YYYYMMDD>-<sha256[:8]>.pth`` after its own content.

A record is one JSON object: ``config`` (the stem), box/mask AP, AP50, AP75
(in %), ``iterations``, ``max_iters`` / ``max_epochs``, ``gpus``,
``batch_per_gpu``, ``sec_per_iter``, ``memory_gb``, ``versions``,
``commit``, ``date``, the published ``checkpoint``, ``log`` and ``curve``
file names, and ``curve_box_ap`` (``[iteration, box AP]`` at each
validation). ``tools/publish.py`` writes records; ``tools/gather_results.py``
builds the README tables and ``metafile.yml`` from them.
"""
import datetime
import glob
import hashlib
import io
import json
import os.path as osp
from typing import Dict, Optional

import torch

from .fileio import atomic_write, write_once
from .safe_load import load_checkpoint_file

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
    from mmrethink import __version__
    ckpt = load_checkpoint_file(src, map_location='cpu')
    if 'state_dict' not in ckpt:
        raise KeyError(f'{src}: no state_dict; not an mmengine checkpoint')
    meta = {k: v for k, v in ckpt.get('meta', {}).items() if k in KEEP_META}
    meta['mmrethink_version'] = __version__
    buf = io.BytesIO()
    torch.save(dict(state_dict=ckpt['state_dict'], meta=meta), buf)
    data = buf.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    date = date or datetime.datetime.now(datetime.timezone.utc).strftime(
        '%Y%m%d')
    out = osp.join(out_dir, f'{stem}_{date}-{sha[:8]}.pth')
    write_once(data, out)
    return out


def write_record(results_dir: str, record: dict,
                 replace: bool = False) -> str:
    """Write ``record`` as ``<results_dir>/<record['config']>.json``.

    Raises:
        FileExistsError: if the config has a record of another checkpoint
            and ``replace`` is not set (the tables show one run per
            config; replacing it is a decision).
    """
    path = osp.join(results_dir, f'{record["config"]}.json')
    old = read_record(results_dir, record['config'])
    if old is not None and old.get('checkpoint') != record['checkpoint'] \
            and not replace:
        raise FileExistsError(
            f'{path} records {old.get("checkpoint")}, published '
            f'{old.get("date")}; pass --replace to make '
            f'{record["checkpoint"]} the one the tables show (the earlier '
            'files stay where they were published)')
    atomic_write(json.dumps(record, indent=2, sort_keys=True) + '\n', path)
    return path


def read_record(results_dir: str, stem: str) -> Optional[dict]:
    """The record of config ``stem``, or None if it has none."""
    path = osp.join(results_dir, f'{stem}.json')
    if not osp.isfile(path):
        return None
    with open(path) as f:
        record = json.load(f)
    if record.get('config') != stem:
        raise KeyError(f'{path}: "config" is {record.get("config")!r}, '
                       f'expected {stem!r}')
    return record


def read_records(results_dir: str) -> Dict[str, dict]:
    """Every record of ``results_dir``, by config stem."""
    stems = sorted(osp.splitext(osp.basename(p))[0]
                   for p in glob.glob(osp.join(results_dir, '*.json')))
    return {stem: read_record(results_dir, stem) for stem in stems}
