"""Atomic writes: a crash mid-write never leaves a truncated file behind.

mmengine's ``LocalBackend.put`` opens the target with ``'wb'`` and writes
into it, so a process killed while saving a checkpoint leaves a truncated
``iter_N.pth``. :func:`atomic_write` writes to a temporary file in the same
folder, syncs it to disk and renames it over the target (``os.replace`` is
atomic on POSIX), so readers see the old file or the new one, never half.

:class:`AtomicLocalBackend` is that, as an mmengine file backend named
``atomic_local``; our runtime config hands it to ``CheckpointHook``::

    default_hooks = dict(checkpoint=dict(
        type='CheckpointHook', backend_args=dict(backend='atomic_local')))
"""
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend


def atomic_write(data: Union[bytes, str], path: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
    """Write ``data`` to ``path`` all at once or not at all.

    Args:
        data (bytes | str): The content; ``str`` is encoded with
            ``encoding``.
        path (str | Path): The target; its folder is created if missing.
        encoding (str): Encoding of ``str`` data. Defaults to 'utf-8'.
    """
    path = os.fspath(path)
    if isinstance(data, str):
        data = data.encode(encoding)
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=folder, prefix=f'.{osp.basename(path)}.', suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


@register_backend('atomic_local')
class AtomicLocalBackend(LocalBackend):
    """mmengine's local backend with atomic ``put`` and ``put_text``."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write bytes to ``filepath`` atomically."""
        atomic_write(obj, filepath)

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        """Write text to ``filepath`` atomically."""
        atomic_write(obj, filepath, encoding=encoding)
