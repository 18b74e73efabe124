"""A work dir's checkpoints: ``last_checkpoint`` (read and written here
only) and the checkpoint a resumed run continues from."""
import os
import os.path as osp
import re
import zipfile
from typing import List, Optional

from mmengine.logging import print_log

from ..fileio import atomic_write

#: the file mmengine's CheckpointHook keeps the latest checkpoint's path in
LAST_CHECKPOINT = 'last_checkpoint'
#: interval checkpoints (not best_*.pth): what a run resumes from
_INTERVAL = re.compile(r'^(iter|epoch)_(\d+)\.pth$')


def read_last_checkpoint(work_dir: str) -> Optional[str]:
    """The path ``<work_dir>/last_checkpoint`` names ('' when the file is
    empty), or None when there is no such file. A work dir that was moved
    still finds its checkpoint: when the path named does not exist but a
    file of that name is in ``work_dir``, that file is returned."""
    record = osp.join(work_dir, LAST_CHECKPOINT)
    if not osp.isfile(record):
        return None
    with open(record) as f:
        path = f.read().strip()
    moved = osp.join(work_dir, osp.basename(path))
    if path and not osp.exists(path) and osp.isfile(moved):
        return moved
    return path


def write_last_checkpoint(work_dir: str, path: str) -> None:
    """Name ``path`` in ``<work_dir>/last_checkpoint``, atomically."""
    atomic_write(path, osp.join(work_dir, LAST_CHECKPOINT))


def list_checkpoints(work_dir: str) -> List[str]:
    """The interval checkpoints (``iter_N.pth``, ``epoch_N.pth``) of
    ``work_dir``, newest first."""
    found = [(int(m.group(2)), f) for f in os.listdir(work_dir)
             for m in [_INTERVAL.match(f)] if m]
    return [osp.join(work_dir, f) for _, f in sorted(found, reverse=True)]


def checkpoint_problem(path: str) -> Optional[str]:
    """Why ``path`` cannot be a checkpoint to resume from, or None.

    Cheap: a missing or empty file, or a zip without its central directory
    (a write cut short) or without ``data.pkl``, is caught without reading
    the tensors."""
    if not osp.isfile(path):
        return 'does not exist'
    if osp.getsize(path) == 0:
        return 'is empty'
    try:
        with zipfile.ZipFile(path) as z:
            if not any(n.endswith('data.pkl') for n in z.namelist()):
                return 'is not a torch checkpoint (no data.pkl)'
    except (zipfile.BadZipFile, OSError) as err:
        return f'is truncated or not a torch checkpoint ({err})'
    return None


def find_resume_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``--resume`` (without a path) continues from: the one
    ``last_checkpoint`` names if it loads, else the newest interval
    checkpoint of the work dir that does (with a warning naming both), or
    None when there is none (a fresh start: job scripts can always pass
    ``--resume``)."""
    if not osp.isdir(work_dir):
        return None
    named = read_last_checkpoint(work_dir)
    candidates = ([named] if named else []) + [
        p for p in list_checkpoints(work_dir) if p != named]
    for path in candidates:
        problem = checkpoint_problem(path)
        if problem is None:
            if path != named:
                said = (f'names {named}, which ' + checkpoint_problem(named)
                        if named else 'is missing or empty')
                print_log(
                    f'{osp.join(work_dir, LAST_CHECKPOINT)} {said}; '
                    f'resuming from {path}, the newest checkpoint that '
                    'loads', logger='current', level=30)
            return path
        print_log(f'checkpoint {path} {problem}; trying an older one',
                  logger='current', level=30)
    return None
