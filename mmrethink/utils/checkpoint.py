"""Safe loading of mmengine checkpoints under ``torch.load(weights_only=True)``.

Since torch 2.6, ``torch.load`` defaults to ``weights_only=True`` and refuses
any global it does not know. mmengine 0.10.7 saves a full checkpoint with its
message hub (``HistoryBuffer`` objects holding numpy arrays), so ``load_from``,
``--resume`` and ``tools/test.py`` fail on its own files. Rather than turning
safe loading off, we allow-list exactly the globals such checkpoints hold;
anything else is still refused by torch.
"""
import os
import os.path as osp
import pickle
import re
from typing import List, Optional

import numpy as np
import torch


def safe_globals() -> List[object]:
    """Return the globals an mmengine/mmdet checkpoint may hold.

    Returns:
        list: Classes and functions for
        :func:`torch.serialization.add_safe_globals`.
    """
    from mmengine.logging import HistoryBuffer

    numpy_globals: List[object] = [np.ndarray, np.dtype]
    # numpy 2 moved the pickling helpers to numpy._core; numpy 1 keeps them
    # in numpy.core. Register whichever this numpy pickles with.
    for module_name in ('numpy._core.multiarray', 'numpy.core.multiarray'):
        try:
            module = __import__(module_name, fromlist=['scalar'])
        except ImportError:
            continue
        numpy_globals += [module.scalar, module._reconstruct]
        break
    # dtype classes (numpy >= 1.25), e.g. numpy.dtypes.Float64DType
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        numpy_globals += [
            getattr(dtypes, name) for name in dir(dtypes)
            if name.endswith('DType')
        ]
    return [HistoryBuffer, *numpy_globals,
            (history_buffer_getattr, 'builtins.getattr')]


def history_buffer_getattr(obj: object, name: str) -> object:
    """Stand-in for ``getattr`` while unpickling a checkpoint.

    A pickled ``HistoryBuffer`` stores its statistics methods as
    ``getattr(HistoryBuffer, 'mean')``. Allowing the real ``getattr`` would
    let a crafted file reach any attribute of any allowed object (and from
    there, code); this stand-in resolves those statistics methods only.

    Raises:
        pickle.UnpicklingError: for any other lookup.
    """
    from mmengine.logging import HistoryBuffer

    # the four built-in statistics, plus any registered with
    # HistoryBuffer.register_statistics
    allowed = {'min', 'max', 'current', 'mean',
               *HistoryBuffer._statistics_methods}
    if obj is HistoryBuffer and isinstance(name, str) and name in allowed:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'checkpoint refused: it asks for getattr({obj!r}, {name!r}); only '
        'the statistics methods of mmengine HistoryBuffer are allowed')


def register_safe_globals() -> None:
    """Allow-list the globals of mmengine checkpoints for safe loading."""
    torch.serialization.add_safe_globals(safe_globals())


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
