"""Which checkpoint a run resumes from."""
import os
import os.path as osp
import re
from typing import Optional


def find_resume_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``--resume`` (without a path) continues from.

    It is the one named in ``<work_dir>/last_checkpoint``, which
    ``CheckpointHook`` rewrites after each save. None when that file does
    not exist (nothing saved yet: the run starts from the beginning, so
    that a job script can always pass ``--resume``).

    Raises:
        FileNotFoundError: if ``last_checkpoint`` is empty or names a file
            that is gone; the message lists the checkpoints present. (mmengine
            would try to load an empty path.)
    """
    record = osp.join(work_dir, 'last_checkpoint')
    if not osp.exists(record):
        return None
    with open(record) as f:
        path = f.read().strip()
    if path and osp.isfile(path):
        return path
    present = sorted(
        (f for f in os.listdir(work_dir) if f.endswith('.pth')),
        key=lambda f: [int(n) for n in re.findall(r'\d+', f)] or [-1])
    problem = f'names {path}, which does not exist' if path else 'is empty'
    raise FileNotFoundError(
        f'{record} {problem}; checkpoints in {work_dir}: '
        f'{", ".join(present) or "none"}. Pass one with --resume PATH')
