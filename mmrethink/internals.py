"""Every private API of mmengine, mmdet and torch that mmrethink relies on,
in this one place.

No other module of ours reads or writes an underscored attribute of
another package, or a module table that package does not export: each
need has a function here, with what it assumes written next to it.
``tests/test_internals.py`` exercises every function against the installed
versions (mmengine 0.10.x, mmdet 3.3, torch 2.x) and fails when one of them
changes what we rely on; the fix then lands here and nowhere else.

- config reading: :func:`metafiles_parsed_once` (``mmengine.config.utils.
  load``), :func:`package_prefix` (``MODULE2PACKAGE``), :func:`config_items`
  (``Config._cfg_dict``), :func:`formats_code` / :func:`code_formatting`
  (``Config._format_python_code``);
- checkpoint reading: :func:`checkpoint_schemes` /
  :func:`set_checkpoint_schemes` (``CheckpointLoader._schemes``);
- the runner's resume state: :func:`is_resuming`, :func:`resume_source`,
  :func:`set_resume_source` (``Runner._resume``, ``Runner._load_from``) and
  :func:`adopt_seed` (``Runner._randomness_cfg``);
- the train loop's resume: :func:`replays_trained_batches` (how
  ``IterBasedTrainLoop.run`` positions its data iterator);
- data loader workers: :func:`shutdown_workers` (torch's
  ``DataLoader._iterator`` and ``_shutdown_workers``);
- mmdet's COCO metric: :func:`with_globals` (a function's code object run
  over other module globals);
- mmengine's ``HistoryBuffer`` in checkpoints:
  :func:`history_buffer_statistics` (``HistoryBuffer._statistics_methods``).

Protected methods we override in subclasses, as mmengine's own subclasses
do (tested here too): ``InfiniteSampler._infinite_indices``
(``datasets/subset.py``) and ``CheckpointHook._save_checkpoint_with_step``
(``hooks/checkpoint_hook.py``).
"""
import contextlib
import functools
import os
import os.path as osp
import types
from collections import OrderedDict
from typing import Callable, Iterator, Optional

# --- config reading ----------------------------------------------------

#: (metafile path, mtime, size) -> its parsed content, for this process
_METAFILES: dict = {}


@contextlib.contextmanager
def metafiles_parsed_once() -> Iterator[None]:
    """While a config loads, parse each external package's metafile once.

    For every ``mmdet::`` base, mmengine reads mmdet's ``model-index.yml``
    and all of the ~100 ``metafile.yml`` it lists, to look the base up
    among mmdet's model configs (where a ``_base_/`` file never is): about
    0.15 s per base, three to six bases per config, again for each config
    a tool reads. The files do not change while a process reads them, so a
    cache keyed by path, modification time and size returns what parsing
    would.

    Assumes: ``mmengine.config.utils.load`` is the name that
    ``_get_cfg_metainfo`` calls (mmengine 0.10.x). It is replaced only for
    the duration of the block and restored after it.
    """
    from mmengine.config import utils as config_utils
    parse = config_utils.load

    def load(file, *args, **kwargs):
        if args or kwargs or not (isinstance(file, str)
                                  and file.endswith('.yml')):
            return parse(file, *args, **kwargs)
        stat = os.stat(file)
        key = (osp.abspath(file), stat.st_mtime_ns, stat.st_size)
        if key not in _METAFILES:
            _METAFILES[key] = parse(file)
        return _METAFILES[key]

    config_utils.load = load
    try:
        yield
    finally:
        config_utils.load = parse


@contextlib.contextmanager
def package_prefix(package: str) -> Iterator[None]:
    """Let mmengine's config loader resolve ``<package>::`` inside the
    block.

    Assumes: mmengine resolves ``pkg::path`` only for the packages of
    ``mmengine.config.utils.MODULE2PACKAGE`` (0.10.x). The entry is added
    for the block and taken out again (if it was not there before).
    """
    from mmengine.config import utils as config_utils
    table = config_utils.MODULE2PACKAGE
    added = package not in table
    if added:
        table[package] = package
    try:
        yield
    finally:
        if added:
            table.pop(package, None)


def config_items(cfg) -> dict:
    """Everything a loaded ``Config`` holds, as plain dicts, including the
    names its file imports (``Config.to_dict`` leaves those out).
    Assumes: ``Config._cfg_dict``."""
    return cfg._cfg_dict.to_dict()


def formats_code(cfg) -> bool:
    """Whether ``cfg.pretty_text`` runs yapf over the text.
    Assumes: ``Config._format_python_code``."""
    return bool(cfg._format_python_code)


@contextlib.contextmanager
def code_formatting(cfg, enabled: bool) -> Iterator[None]:
    """Inside the block, ``cfg.pretty_text`` formats (or not) with yapf."""
    before = cfg._format_python_code
    object.__setattr__(cfg, '_format_python_code', enabled)
    try:
        yield
    finally:
        object.__setattr__(cfg, '_format_python_code', before)


# --- checkpoint reading ------------------------------------------------


def checkpoint_schemes() -> 'OrderedDict[str, Callable]':
    """A copy of mmengine's prefix -> reader table of ``CheckpointLoader``.

    Assumes: ``CheckpointLoader._schemes``, an ordered dict looked up
    longest prefix first (mmengine 0.10.x).
    """
    from mmengine.runner.checkpoint import CheckpointLoader
    return OrderedDict(CheckpointLoader._schemes)


def set_checkpoint_schemes(table: dict) -> None:
    """Make ``table`` mmengine's prefix -> reader table (longest prefix
    first, as ``CheckpointLoader.register_scheme`` keeps it)."""
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader._schemes = OrderedDict(
        sorted(table.items(), key=lambda t: t[0], reverse=True))


# --- the runner's resume state -----------------------------------------


def is_resuming(runner) -> bool:
    """Whether the runner was told to resume (``resume=True``, mmdet's and
    our ``--resume``). Assumes: ``Runner._resume``."""
    return bool(runner._resume)


def resume_source(runner) -> Optional[str]:
    """The checkpoint the runner will load (``load_from``), or None.
    Assumes: ``Runner._load_from``, read by ``Runner.load_or_resume``."""
    return runner._load_from


def set_resume_source(runner, path: Optional[str]) -> None:
    """Make ``path`` the checkpoint ``Runner.load_or_resume`` loads (with
    ``resume=True`` it resumes from it instead of looking for
    ``last_checkpoint``). Assumes: ``Runner._load_from``."""
    runner._load_from = path


def adopt_seed(runner, seed: int) -> None:
    """Re-seed the runner with ``seed`` (a resumed checkpoint's), as
    ``Runner.resume`` would do later, so that what is built before the
    resume gets it.

    Assumes: ``Runner._randomness_cfg`` holds the ``randomness`` arguments
    and ``Runner.resume`` compares the checkpoint's seed with its
    ``'seed'`` (so it does not re-seed a second time).
    """
    runner._randomness_cfg.update(seed=seed)
    runner.set_randomness(**runner._randomness_cfg)


# --- the train loop's resume ------------------------------------------


@functools.lru_cache(maxsize=None)
def replays_trained_batches() -> bool:
    """Whether mmengine's ``IterBasedTrainLoop.run`` of this installation
    positions a resumed run's data by calling ``next`` on
    ``self.dataloader_iterator`` once per trained batch before training
    (mmengine 0.10.x does; its main branch has dropped it).

    Read from the method's source: the loop's public behaviour gives no
    other way to know it before the calls happen.
    """
    import inspect

    from mmengine.runner import IterBasedTrainLoop
    source = inspect.getsource(IterBasedTrainLoop.run)
    return ('for _ in range(self._iter)' in source
            and 'next(self.dataloader_iterator)' in source)


# --- data loader workers -----------------------------------------------


def shutdown_workers(owner) -> None:
    """Let the workers of a data loader (its persistent iterator) or of a
    loader iterator finish, the way torch ends them: a sentinel to each,
    then join. Nothing happens when there are none.

    Assumes: a ``DataLoader`` keeps its persistent iterator as
    ``_iterator``, and a multi-process iterator ends its workers with
    ``_shutdown_workers()`` (torch 2.x).
    """
    iterator = getattr(owner, '_iterator', owner)
    shutdown = getattr(iterator, '_shutdown_workers', None)
    if shutdown is not None:
        shutdown()


# --- functions over other module globals ------------------------------


def with_globals(function: Callable, **names) -> Callable:
    """``function`` itself (its code object, defaults and closure, not a
    copy of its source), looking ``names`` up where it would read its
    module's globals of those names. The module is not changed.

    Used for mmdet's ``CocoMetric.compute_metrics``, which reads
    ``COCOeval`` as a module global and takes no argument for it.
    Assumes: that it does (mmdet 3.x).
    """
    missing = [n for n in names if n not in function.__code__.co_names]
    if missing:
        raise AttributeError(
            f'{function.__qualname__} does not read the global(s) '
            f'{missing}: mmrethink.internals.with_globals needs updating '
            'for this version')
    namespace = dict(function.__globals__, **names)
    bound = types.FunctionType(function.__code__, namespace,
                               function.__name__, function.__defaults__,
                               function.__closure__)
    bound.__kwdefaults__ = function.__kwdefaults__
    bound.__doc__ = function.__doc__
    bound.__qualname__ = function.__qualname__
    return bound


# --- mmengine's HistoryBuffer in checkpoints ---------------------------


def history_buffer_statistics() -> frozenset:
    """Names of the statistics methods registered on mmengine's
    ``HistoryBuffer`` (a pickled buffer refers to them by name).
    Assumes: ``HistoryBuffer._statistics_methods``."""
    from mmengine.logging import HistoryBuffer
    return frozenset(HistoryBuffer._statistics_methods)
