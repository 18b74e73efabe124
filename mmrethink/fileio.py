"""Atomic writes: a crash mid-write never leaves a truncated file behind.

mmengine's ``LocalBackend.put`` opens the target with ``'wb'`` and writes
into it, so a process killed while saving a checkpoint leaves a truncated
``iter_N.pth``. :func:`atomic_write` writes to a temporary file in the same
folder, syncs it to disk and renames it over the target (``os.replace`` is
atomic on POSIX), so readers see the old file or the new one, never half.
The file gets the permissions a plain ``open(path, 'w')`` would give (0666
less the umask), so that others on a shared work dir can read it. The
temporary file of a write killed half-way stays; :func:`remove_stale_
temporaries` (called by our checkpoint hook when a run starts) removes them.

:class:`AtomicLocalBackend` is that, as an mmengine file backend named
``atomic_local``; our runtime config hands it to ``CheckpointHook``::

    default_hooks = dict(checkpoint=dict(
        type='CheckpointHook', backend_args=dict(backend='atomic_local')))
"""
import glob
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import List, Union

from mmengine.fileio import LocalBackend, register_backend

#: the ending of atomic_write's temporary files (``.<name>.<random>`` + it)
TMP_SUFFIX = '.mmrethink-tmp'


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
        dir=folder, prefix=f'.{osp.basename(path)}.', suffix=TMP_SUFFIX)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def write_once(data: Union[bytes, str], path: Union[str, Path]) -> None:
    """:func:`atomic_write`, for files that are published: writing the same
    content again is a no-op, different content is refused.

    Raises:
        FileExistsError: if ``path`` exists with other content.
    """
    if isinstance(data, str):
        data = data.encode('utf-8')
    if osp.exists(path):
        with open(path, 'rb') as f:
            if f.read() == data:
                return
        raise FileExistsError(f'{path} exists with other content; published '
                              'files are never overwritten')
    atomic_write(data, path)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def remove_stale_temporaries(folder: str) -> List[str]:
    """Remove the temporary files that writes killed half-way left in
    ``folder``; return their paths. Call it when no write is running (a run
    starting in its work dir)."""
    stale = glob.glob(osp.join(glob.escape(folder), f'.*{TMP_SUFFIX}'))
    for path in stale:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass
    return stale


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
