"""How mmengine reads checkpoints in our runs: for the duration of a block,
never as a side effect of importing mmrethink.

mmengine reads every checkpoint (``load_from``, ``--resume``, ``init_cfg``
weights, ``tools/test.py``) through ``CheckpointLoader``, whose schemes map
a name's prefix to a reader. Inside :func:`checkpoint_loading`, local files
are read by :func:`mmrethink.checkpoint.safe_load.load_checkpoint_file` (safe
loading of mmengine's own files) and remote names by
:func:`mmrethink.checkpoint.remote.load_remote_checkpoint` (the hub cache,
and a clear error without network). Our ``tools/train.py`` and ``tools/test.py``
run the whole run inside it; a script of one's own opts in the same way::

    import mmrethink
    with mmrethink.checkpoint_loading():
        runner.train()

Outside the block, mmengine and every other package in the process read
checkpoints exactly as they would without mmrethink.
"""
import contextlib
from typing import Iterator

from ..internals import checkpoint_schemes, set_checkpoint_schemes


def _load_local(filename: str, map_location=None):
    from .safe_load import load_checkpoint_file
    return load_checkpoint_file(filename, map_location)


@contextlib.contextmanager
def checkpoint_loading() -> Iterator[None]:
    """Read checkpoints the mmrethink way inside the block (see the module).

    On exit each prefix gets back the reader it had before, unless someone
    else registered another one meanwhile (theirs stays); the blocks nest.
    """
    from .remote import REMOTE_PREFIXES, load_remote_checkpoint
    before = dict(checkpoint_schemes())
    ours = {'': _load_local}
    ours.update({p: load_remote_checkpoint for p in REMOTE_PREFIXES})
    set_checkpoint_schemes({**before, **ours})
    try:
        yield
    finally:
        table = dict(checkpoint_schemes())
        for prefix, reader in ours.items():
            if table.get(prefix) is not reader:
                continue  # replaced meanwhile by someone else: theirs
            if prefix in before:
                table[prefix] = before[prefix]
            else:
                del table[prefix]
        set_checkpoint_schemes(table)
