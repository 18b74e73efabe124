"""What the tools share: finding and loading a config for a run, the common
command-line arguments, running a stage inside our checkpoint loading,
and running a light tool's ``main`` in this process."""
import argparse
import contextlib
import io
import os
import os.path as osp
from collections import OrderedDict
from typing import Callable, Optional, Tuple

from mmengine.config import Config, DictAction

from .config import get_config_path, read_config
from .internals import code_formatting, config_items, formats_code


def resolve_config(config: str) -> str:
    """Return the path of ``config``: a file, or a name of an mmrethink config.

    Args:
        config (str): A path to a config file, or a path relative to
            mmrethink's ``configs`` folder (``mmrethink::`` prefix allowed),
            so that installed users can run ``tools/train.py
            rethinking/mask-rcnn_r50-scratch_fpn_gn-all_8xb2-6x_coco``.

    Raises:
        FileNotFoundError: if neither exists.
    """
    if osp.isfile(config):
        return config
    try:
        return get_config_path(config)
    except FileNotFoundError as err:
        raise FileNotFoundError(
            f'config {config!r} is neither a file (looked in {os.getcwd()}) '
            f'nor an mmrethink config: {err}') from None


class FormattedOnceConfig(Config):
    """mmengine's ``Config`` whose ``pretty_text`` runs yapf once per
    distinct config text in this process.

    mmengine formats the whole config with yapf each time it wants the text:
    when the runner logs it, when it dumps it to the work dir, and inside
    every checkpoint it saves (about a second each on a slow CPU). The text
    is a function of the config's content, so a content-keyed cache returns
    exactly what mmengine would compute: the cheap unformatted text is the
    key, yapf's output the value. A config changed after a call gets a new
    key, so nothing stale is returned. The runner keeps the class (it
    deep-copies the config it is given)."""

    #: unformatted text -> formatted text, a few entries per process
    _formatted: 'OrderedDict[str, str]' = OrderedDict()

    @property
    def pretty_text(self) -> str:
        if not formats_code(self):
            return Config.pretty_text.fget(self)
        with code_formatting(self, False):
            key = Config.pretty_text.fget(self)
        cache = FormattedOnceConfig._formatted
        if key not in cache:
            cache[key] = Config.pretty_text.fget(self)
            while len(cache) > 8:
                cache.popitem(last=False)
        cache.move_to_end(key)
        return cache[key]


def load_config(config: str,
                cfg_options: Optional[dict] = None,
                work_dir: Optional[str] = None) -> Config:
    """Load a config, apply ``--cfg-options`` and set its work dir.

    The work dir is, by priority, ``work_dir``, the config's ``work_dir``,
    then ``work_dirs/<config stem>`` as with mmdet's tools.

    Args:
        config (str): See :func:`resolve_config`.
        cfg_options (dict, optional): ``--cfg-options`` to merge.
        work_dir (str, optional): ``--work-dir``.

    Returns:
        Config: the resolved config (a :class:`FormattedOnceConfig`).
    """
    path = resolve_config(config)
    loaded = read_config(path)
    cfg = FormattedOnceConfig(
        config_items(loaded), cfg_text=loaded.text,
        filename=loaded.filename, env_variables=loaded.env_variables)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(path))[0])
    return cfg


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """``--cfg-options``, ``--launcher`` and ``--local-rank``, as mmdet's
    tools take them."""
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. train_cfg.max_iters=100')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none', help='job launcher')
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_with_common_args(parser: argparse.ArgumentParser,
                           argv: Optional[list] = None):
    """Parse ``argv`` (the command line when None), and export
    ``LOCAL_RANK`` when the launcher did not."""
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def run_main(main: Callable[[list], Optional[int]],
             argv: list) -> Tuple[int, str]:
    """Run a tool's ``main(argv)`` in this process: its exit status (0 for
    None, argparse's ``SystemExit`` code) and what it printed (stdout and
    stderr together), as a command line would give them."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            status = main([str(a) for a in argv])
        except SystemExit as err:
            status = err.code
    return status or 0, out.getvalue()


def call_tool(main: Callable[[list], Optional[int]], argv: list,
              log: Optional[str] = None) -> str:
    """Run a tool's ``main(argv)`` in this process (:func:`run_main`): what
    it prints is returned (and appended to ``log``, when given); a non-zero
    status ends this process with the tool's output, as a failed command
    would.

    Tools that drive other tools (``tools/demo.py``,
    ``tools/reproduce_toy.py``) call the light ones (publish, tables,
    plots) through this instead of a new interpreter each: a Python start
    with torch, mmengine and mmdet costs seconds, the work itself less.
    """
    status, text = run_main(main, argv)
    if log is not None:
        with open(log, 'a') as f:
            f.write(text)
    if status:
        name = getattr(main, '__module__', 'tool')
        raise SystemExit(f'failed ({status}): {name} {" ".join(argv)}\n'
                         + '\n'.join(text.splitlines()[-30:]))
    return text


def _unshared_visualizer(cfg: Config) -> None:
    """Give ``cfg``'s visualizer a name no visualizer of this process has.

    mmdet's runtime configs name theirs ``'visualizer'``, and mmengine
    returns the existing instance of a name (``ManagerMixin``): a second
    run in one process (a tool's ``main`` called again, as tests and
    drivers do) would log its scalars into the first run's log folder. A
    first run keeps the config's name."""
    from mmengine.registry import VISUALIZERS
    vis = cfg.get('visualizer')
    if not isinstance(vis, dict) or 'name' not in vis:
        return  # mmengine names it after the run (unique)
    cls = vis.get('type')
    if isinstance(cls, str):
        with VISUALIZERS.switch_scope_and_registry(
                cfg.get('default_scope')) as registry:
            cls = registry.get(cls)
    if not hasattr(cls, 'check_instance_created'):
        return  # mmengine's build reports an unknown type
    name, n = vis['name'], 1
    while cls.check_instance_created(name):
        name, n = f'{vis["name"]}-{n}', n + 1
    vis['name'] = name


def run_stage(cfg: Config, stage: str):
    """Build ``cfg``'s runner (``runner_type`` when the config names one, as
    mmdet's tools do) and run ``stage`` (``'train'`` or ``'test'``), with
    mmengine reading this run's checkpoints the mmrethink way
    (:func:`mmrethink.checkpoint.loading.checkpoint_loading`: for
    this run only). A remote checkpoint that cannot be fetched ends the
    process with one line saying what to do."""
    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner

    from .checkpoint.loading import checkpoint_loading
    from .checkpoint.remote import RemoteCheckpointError
    _unshared_visualizer(cfg)
    with checkpoint_loading():
        runner = (Runner.from_cfg(cfg) if 'runner_type' not in cfg else
                  RUNNERS.build(cfg))
        try:
            return getattr(runner, stage)()
        except RemoteCheckpointError as err:  # no network: what to do
            raise SystemExit(f'error: {err}') from None
