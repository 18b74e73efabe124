"""Publishing: a finished work dir turned into files ready to upload and a
results record (``tools/publish.py`` is its command line).

    python tools/publish.py WORK_DIR [--out-dir publish] [--results-dir results]

From ``WORK_DIR`` (the config mmengine dumped there, ``last_checkpoint``,
the text logs and ``curve.jsonl``) it writes:

- ``<out-dir>/<stem>_<date>-<sha256[:8]>.pth``: the weights and a small
  ``meta`` only (no optimizer or message hub), loadable with
  ``torch.load(weights_only=True)``;
- ``<out-dir>/<stem>_<date>-<sha256[:8]>.log`` (every run's text log,
  resumed runs included, in order) and ``...-<sha256[:8]>.curve.jsonl``,
  named after the weights they go with;
- ``<results-dir>/<stem>.json``: the record ``tools/gather_results.py``
  builds the README tables and ``metafile.yml`` from: box/mask AP (AP,
  AP50, AP75, in %), iterations, GPUs x batch, seconds per iteration, peak
  memory where measured (CUDA only), software versions, the git commit of
  mmrethink, and the file names above.

With the repository's ``results/`` (the default) it then regenerates the
tables (:mod:`mmrethink.records.tables`, ``tools/gather_results.py``), so
one command turns finished work dirs into
the README tables, ``metafile.yml`` and a folder ready to upload.

The AP comes from the last validation in ``curve.jsonl``, and the weights
from the checkpoint of that same iteration (``last_checkpoint``'s, or the
work dir's checkpoint of that iteration; otherwise publishing is refused);
``tools/test.py CONFIG <published .pth>`` reproduces the AP. A work dir
that was moved since its run still finds its checkpoint. Published files
are never overwritten, and a config's record of another checkpoint is
replaced only with ``--replace``.
"""
import argparse
import datetime
import glob
import hashlib
import io
import json
import os.path as osp
import re
import subprocess
import sys
from typing import Optional

import torch
from mmengine.config import Config

from ..checkpoint.safe_load import load_checkpoint_file
from ..checkpoint.work_dir import read_last_checkpoint
from ..fileio import write_once
from .curves import CURVE_FILE, metric_points, read_curve
from .results import ResultRecord, write_record

# no save time: the same weights give the same file, and the same name
KEEP_META = ('dataset_meta', 'iter', 'epoch', 'mmengine_version',
             'mmdet_version')


def publish_checkpoint(src: str, out_dir: str, stem: str,
                       date: Optional[str] = None) -> str:
    """Strip ``src`` to weights + metadata and write it under ``out_dir``:
    ``<stem>_<YYYYMMDD>-<sha256[:8]>.pth``, named after its own content,
    loadable with ``torch.load(weights_only=True)`` (a training checkpoint
    also holds the optimizer, the message hub and the schedulers' state;
    the published file keeps ``state_dict`` and a small ``meta``: dataset
    classes, iteration, software versions).

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
    date = date or _today()
    out = osp.join(out_dir, f'{stem}_{date}-{sha[:8]}.pth')
    write_once(data, out)
    return out


def _today() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y%m%d')


def git_commit(root: str) -> Optional[str]:
    """The commit of the checkout at ``root`` (``-dirty`` when its
    package or configs have changes), or None outside a checkout."""
    try:
        out = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=root,
                             capture_output=True, text=True, check=True)
        dirty = subprocess.run(['git', 'status', '--porcelain', '--',
                                'mmrethink', 'configs'], cwd=root,
                               capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() + ('-dirty' if dirty.strip() else '')


def _versions() -> dict:
    import mmcv
    import mmdet
    import mmengine
    import torch

    import mmrethink
    return dict(torch=torch.__version__, mmcv=mmcv.__version__,
                mmdet=mmdet.__version__, mmengine=mmengine.__version__,
                mmrethink=mmrethink.__version__)


def _train_stats(work_dir: str) -> dict:
    """Seconds per iteration, peak memory and GPU count from the logs."""
    times, memory, gpus = [], [], None
    for scalars in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                             'scalars.json'))):
        with open(scalars) as f:
            for row in map(json.loads, f):
                if 'iter' in row and 'time' in row:
                    times.append(row['time'])
                    if 'memory' in row:
                        memory.append(row['memory'])
    for log in sorted(glob.glob(osp.join(work_dir, '*', '*.log'))):
        with open(log) as f:
            found = re.search(r'GPU number: (\d+)', f.read())
        if found:
            gpus = int(found.group(1))
    return dict(
        sec_per_iter=round(sorted(times)[len(times) // 2], 4)
        if times else None,
        memory_gb=round(max(memory) / 1024, 2) if memory else None,
        gpus=gpus)


def _checkpoint_of(work_dir: str, named: str, point: dict) -> str:
    """The checkpoint of the curve point ``point``: the one
    ``last_checkpoint`` names if it is of that iteration, else the work
    dir's checkpoint of that iteration.

    Raises:
        ValueError: if there is none: the AP and the weights would be of
            different iterations.
    """
    def iteration(path):
        meta = load_checkpoint_file(path, map_location='cpu',
                                    mmap=True).get('meta', {})
        return meta.get('iter')

    found = iteration(named)
    if found == point['iter']:
        return named
    for name in (f'iter_{point["iter"]}.pth', f'epoch_{point["epoch"]}.pth'):
        path = osp.join(work_dir, name)
        if osp.isfile(path) and iteration(path) == point['iter']:
            return path
    raise ValueError(
        f'{work_dir}: the last validation ({CURVE_FILE}) is of iteration '
        f'{point["iter"]}, but {named} is of iteration {found} and the work '
        f'dir has no checkpoint of iteration {point["iter"]}; publishing '
        'would pair the AP of one iteration with the weights of another '
        '(run tools/test.py on the checkpoint, or resume the run to its '
        'end)')


def publish_work_dir(work_dir: str, out_dir: str, results_dir: str,
                     date: Optional[str] = None, replace: bool = False,
                     commit: Optional[str] = None) -> ResultRecord:
    """Publish ``work_dir``; return the record (also written as JSON).

    Args:
        commit (str, optional): The code's commit, for the record
            (:func:`git_commit` of the checkout that ran it).
    """
    configs = glob.glob(osp.join(work_dir, '*.py'))
    if len(configs) != 1:
        raise FileNotFoundError(
            f'{work_dir}: expected the one config mmengine dumps in a work '
            f'dir, found {len(configs)}')
    cfg = Config.fromfile(configs[0])
    stem = osp.splitext(osp.basename(configs[0]))[0]
    checkpoint = read_last_checkpoint(work_dir)
    if not checkpoint:
        raise FileNotFoundError(f'{work_dir}: no last_checkpoint; is the run '
                                'finished?')
    curve = read_curve(work_dir)
    if not curve:
        raise FileNotFoundError(f'{work_dir}: {CURVE_FILE} has no point')
    final = curve[-1]
    checkpoint = _checkpoint_of(work_dir, checkpoint, final)
    date = date or _today()
    published = publish_checkpoint(checkpoint, out_dir, stem, date)
    # the log and curve are named after the weights they go with, and, as
    # the weights, never overwritten
    name = osp.splitext(osp.basename(published))[0]
    log_name = f'{name}.log'
    logs = []
    for log in sorted(glob.glob(osp.join(work_dir, '*', '*.log'))):
        with open(log) as f:
            logs.append(f.read())
    write_once(''.join(logs), osp.join(out_dir, log_name))
    curve_name = f'{name}.curve.jsonl'
    with open(osp.join(work_dir, CURVE_FILE)) as f:
        write_once(f.read(), osp.join(out_dir, curve_name))

    val = final['val']

    def ap(key):
        return round(100 * val[key], 1) if key in val else None

    stats = _train_stats(work_dir)
    loop = cfg.train_cfg
    record = ResultRecord(
        config=stem,
        box_ap=ap('coco/bbox_mAP'), box_ap50=ap('coco/bbox_mAP_50'),
        box_ap75=ap('coco/bbox_mAP_75'), mask_ap=ap('coco/segm_mAP'),
        mask_ap50=ap('coco/segm_mAP_50'), mask_ap75=ap('coco/segm_mAP_75'),
        iterations=final['iter'],
        max_iters=loop.get('max_iters'), max_epochs=loop.get('max_epochs'),
        gpus=stats['gpus'], batch_per_gpu=cfg.train_dataloader.batch_size,
        sec_per_iter=stats['sec_per_iter'], memory_gb=stats['memory_gb'],
        versions=_versions(), commit=commit, date=date,
        checkpoint=osp.basename(published), log=log_name, curve=curve_name,
        curve_box_ap=[[it, round(100 * ap, 1)] for it, ap in zip(
            *metric_points(curve, 'coco/bbox_mAP'))],
        keypoint_ap=ap('coco/keypoints_mAP'),
        keypoint_ap50=ap('coco/keypoints_mAP_50'),
        keypoint_ap75=ap('coco/keypoints_mAP_75'))
    write_record(results_dir, record, replace)
    return record


def main(argv=None, root: Optional[str] = None) -> int:
    """``tools/publish.py``'s command line; ``root``: the checkout (the
    default results folder, the commit)."""
    root = root or '.'
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument('work_dirs', nargs='+')
    parser.add_argument('--out-dir', default='publish')
    parser.add_argument('--results-dir', default=osp.join(root, 'results'))
    parser.add_argument('--date', help='YYYYMMDD (default: today, UTC)')
    parser.add_argument('--base-url', default='publish',
                        help='passed to tools/gather_results.py')
    parser.add_argument('--replace', action='store_true',
                        help='replace a config\'s record of another '
                        'checkpoint (the tables show one run per config)')
    parser.add_argument('--no-gather', action='store_true',
                        help='do not regenerate the README tables and '
                        'metafile (done by default for the repo results/)')
    args = parser.parse_args(argv)
    for work_dir in args.work_dirs:
        try:
            record = publish_work_dir(work_dir, args.out_dir,
                                      args.results_dir, args.date,
                                      args.replace, git_commit(root))
        except (FileNotFoundError, FileExistsError, KeyError,
                ValueError) as err:
            print(f'publish: {err}', file=sys.stderr)
            return 2
        keypoints = ('' if record.keypoint_ap is None else
                     f', keypoint AP {record.keypoint_ap}')
        print(f'{work_dir}: box AP {record.box_ap}, mask AP '
              f'{record.mask_ap}{keypoints} -> '
              f'{args.out_dir}/{record.checkpoint}')
    repo_results = osp.join(root, 'results')
    if not args.no_gather and osp.isdir(repo_results) and osp.samefile(
            args.results_dir, repo_results):
        from .tables import main as gather
        return gather(['--results-dir', args.results_dir, '--base-url',
                       args.base_url], root=root)
    return 0
