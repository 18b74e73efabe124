"""Download every pretrained checkpoint our configs name, for clusters
without network.

    python tools/download_weights.py [--list] [--configs CONFIG ...]
        [--hub-dir DIR]

Collects the remote names of the configs (every ``init_cfg``'s
``checkpoint`` in the model, and ``load_from``: ``open-mmlab://``,
``torchvision://``, ``http(s)://``; default: every config in
``configs/rethinking``), resolves
them to URLs and downloads each into torch's hub cache
(``<hub dir>/checkpoints/``, where training looks for it; ``--hub-dir`` or
``TORCH_HOME`` to choose another), skipping what is there. Copy that folder
to ``~/.cache/torch/hub/checkpoints/`` on the cluster (or set
``TORCH_HOME`` there). ``--list`` only prints the names, URLs and cache
files.
"""
import argparse
import glob
import os.path as osp
import sys

import torch

from mmrethink.checkpoint.remote import (REMOTE_PREFIXES,
                                         RemoteCheckpointError, cache_path,
                                         checkpoint_url, fetch)
from mmrethink.launch import load_config

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _checkpoints(node):
    """Every ``checkpoint`` value of an ``init_cfg`` anywhere in ``node``."""
    if isinstance(node, dict):
        found = [node['checkpoint']] if isinstance(node.get('checkpoint'),
                                                   str) else []
        return found + [c for v in node.values() for c in _checkpoints(v)]
    if isinstance(node, (list, tuple)):
        return [c for v in node for c in _checkpoints(v)]
    return []


def remote_names(config: str):
    """The remote checkpoint names ``config`` loads: its ``init_cfg``
    checkpoints (backbone, VGG's box head, ...) and ``load_from``."""
    cfg = load_config(config)
    names = _checkpoints(cfg.model.to_dict()) + [cfg.get('load_from')]
    return sorted({n for n in names if n and n.startswith(REMOTE_PREFIXES)})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument('--configs', nargs='+', default=sorted(
        glob.glob(osp.join(ROOT, 'configs', 'rethinking', '*.py'))))
    parser.add_argument('--list', action='store_true',
                        help='print what would be downloaded, and where')
    parser.add_argument('--hub-dir', help="torch's hub folder (default: "
                        '$TORCH_HOME/hub or ~/.cache/torch/hub)')
    args = parser.parse_args(argv)
    if args.hub_dir:
        torch.hub.set_dir(args.hub_dir)
    names = {}
    for config in args.configs:
        for name in remote_names(config):
            names.setdefault(name, []).append(osp.basename(config))
    failed = 0
    for name, configs in sorted(names.items()):
        url = checkpoint_url(name)
        cached = cache_path(url)
        state = 'cached' if osp.isfile(cached) else 'missing'
        if not args.list and state == 'missing':
            try:
                fetch(name)
                state = 'downloaded'
            except RemoteCheckpointError as err:
                state, failed = f'FAILED: {err}', failed + 1
        print(f'{name}\n  url: {url}\n  file: {cached}\n  {state} '
              f'({len(configs)} configs)')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
