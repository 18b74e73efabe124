"""The commands a run is made of, each a ``main(argv)``: ``train``,
``test`` and ``pretrain_toy_backbone``.

``tools/train.py``, ``tools/test.py`` and ``tools/pretrain_toy_backbone.py``
(what users, ``tools/dist_train.sh``, slurm and ``mim`` launch) are their
command lines; ``python -m mmrethink.commands.train CONFIG ...`` is the same
command for an installed package. Tools that drive a study
(``tools/demo.py``, ``tools/reproduce_toy.py``) launch each training run as
a process of its own through :func:`command_line` — a run is a process, as
users launch it: its registries, signal handlers, loader workers and
threads end with it, and a failed run ends only its process — and never
another tool's file.
"""
import sys
from typing import List


def command_line(name: str, *args) -> List[str]:
    """The command that runs ``mmrethink.commands.<name>`` with ``args`` in
    a new interpreter (this one's), importing the mmrethink this process
    imported: ``-P`` (Python >= 3.11) keeps ``-m`` from putting the working
    directory first on the path, where a checkout's ``mmrethink/`` would
    otherwise shadow the installed package."""
    safe_path = ['-P'] if sys.version_info >= (3, 11) else []
    return [sys.executable, *safe_path, '-m', f'{__name__}.{name}',
            *(str(a) for a in args)]
