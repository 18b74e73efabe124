"""A work dir's checkpoints: ``last_checkpoint`` (read and written here
only) and the checkpoint a resumed run continues from."""
import os
import os.path as osp
import re
import zipfile
from typing import List, Optional

from mmengine.logging import print_log

from .fileio import atomic_write

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


def fork_checkpoint(src: str, dst: str, max_iters: int,
                    milestones: List[int], gamma: float = 0.1) -> None:
    """Start a shorter schedule from a long run's checkpoint (the paper's
    Fig. 1).

    Schedules of the paper's rule share their iterations up to their own
    first lr drop: the lr is the same there whatever the length. So a
    checkpoint of the long run written at a shorter schedule's first drop
    *is* that schedule's state there, but for the schedule itself. The copy
    ``dst`` gets the short schedule's ``milestones`` and ``max_iters`` in
    its ``MultiStepLR`` state, and the drop the short schedule takes at
    that very iteration applied to the optimizer's lr (the scheduler steps
    before a checkpoint is written). Resuming ``dst`` with the short
    schedule's config then trains exactly that schedule (our resumes are
    exact); ``tests/test_toy_reproduction.py`` compares with a run of it.

    Args:
        src (str): A checkpoint of ours (plain data) of the long run.
        dst (str): Where the fork is written.
        max_iters (int): The short schedule's length.
        milestones (list[int]): Its lr drops.
        gamma (float): Its lr factor at a drop. Defaults to 0.1.
    """
    import io

    import torch
    ckpt = torch.load(src, map_location='cpu', weights_only=True)
    step = ckpt['meta']['iter']
    for state in ckpt.get('param_schedulers', []):
        if 'milestones' not in state:
            continue
        before = {m for m in state['milestones'] if m <= step}
        state['milestones'] = {m: 1 for m in milestones}
        state['end'] = max_iters
        newly = [m for m in milestones if m <= step and m not in before]
        if any(m < step for m in newly):
            raise ValueError(
                f'{src} is of iteration {step}, after the lr drop at '
                f'{min(newly)} of the schedule to fork: fork at or before '
                'its first drop')
        for group in ckpt['optimizer']['param_groups']:
            group['lr'] *= gamma**len(newly)
        # mmengine writes a checkpoint again after the validation that found
        # a new best: its curve then holds this iteration's point, whose lr
        # (the lr after this step) is the short schedule's
        records = (ckpt.get('curve_hook') or {}).get('records') or []
        if records and records[-1]['iter'] == step:
            records[-1]['lr'] *= gamma**len(newly)
    buf = io.BytesIO()
    torch.save(ckpt, buf)
    atomic_write(buf.getvalue(), dst)
