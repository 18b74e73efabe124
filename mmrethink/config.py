"""mmrethink's configs: where they are, in a checkout or an installed
wheel, and reading one (the ``mmrethink::`` prefix)."""
import contextlib
import os
import os.path as osp
from typing import Iterator, List, Optional

# the mmrethink package folder
_PACKAGE_DIR = osp.dirname(osp.abspath(__file__))


def config_dir() -> str:
    """Return the absolute path of mmrethink's ``configs`` folder.

    The wheel carries the configs under ``mmrethink/.mim/configs`` (where
    mmengine looks for a package's configs); in a checkout that path is a
    link to the top-level ``configs/`` folder.

    Raises:
        FileNotFoundError: if the installation carries no configs.
    """
    path = osp.join(_PACKAGE_DIR, '.mim', 'configs')
    if not osp.isdir(path):
        raise FileNotFoundError(
            f'mmrethink has no configs at {path}: the installation is '
            'incomplete (reinstall mmrethink with `pip install .`).')
    return osp.realpath(path)


def get_config_path(name: str) -> str:
    """Return the absolute path of one config.

    Args:
        name (str): Path relative to the ``configs`` folder, with or without
            the ``.py`` suffix, e.g.
            ``'rethinking/mask-rcnn_r50-scratch_fpn_gn-all_8xb2-6x_coco'``.
            A leading ``mmrethink::`` is accepted.

    Returns:
        str: Absolute path of the config file.

    Raises:
        FileNotFoundError: if no such config exists; the message lists the
            configs with the same file name in other folders, if any.
    """
    if name.startswith('mmrethink::'):
        name = name[len('mmrethink::'):]
    if not name.endswith('.py'):
        name += '.py'
    root = config_dir()
    path = osp.normpath(osp.join(root, name))
    if not path.startswith(root + os.sep) or not osp.isfile(path):
        same_name = [c for c in list_configs()
                     if osp.basename(c) == osp.basename(name)]
        hint = f' Did you mean: {", ".join(same_name)}?' if same_name else ''
        raise FileNotFoundError(
            f'mmrethink has no config {name!r} under {root}.{hint} '
            'See mmrethink.list_configs().')
    return path


def list_configs(include_bases: bool = False) -> List[str]:
    """List the configs shipped with mmrethink.

    Args:
        include_bases (bool): Whether to list the files under ``_base_``
            too. Defaults to False.

    Returns:
        list[str]: Paths relative to :func:`config_dir`, sorted.
    """
    root = config_dir()
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != '__pycache__' and (
            include_bases or d != '_base_')]
        for filename in filenames:
            if filename.endswith('.py'):
                found.append(osp.relpath(osp.join(dirpath, filename), root))
    return sorted(found)


@contextlib.contextmanager
def config_prefix() -> Iterator[None]:
    """Let mmengine's config loader resolve ``mmrethink::`` inside the block.

    mmengine resolves ``pkg::path`` only for the packages it knows; this
    adds mmrethink while a config of ours is read (:func:`read_config`, so
    our tools take ``_base_ = 'mmrethink::...'``) and takes it out again: a
    process that imports mmrethink sees mmengine's table unchanged. Under
    mmdet's own tools, inherit by path instead (the README, "Inheriting our
    configs").
    """
    from .internals import package_prefix
    with package_prefix('mmrethink'):
        yield


def read_config(path: str):
    """``Config.fromfile(path)`` with the ``mmrethink::`` prefix
    (:func:`config_prefix`), each external metafile parsed once per process
    (:func:`mmrethink.internals.metafiles_parsed_once`): the same config,
    faster when a process reads several."""
    from mmengine.config import Config

    from .internals import metafiles_parsed_once
    with config_prefix(), metafiles_parsed_once():
        return Config.fromfile(path)


def main(argv: Optional[List[str]] = None) -> None:
    """``python -m mmrethink.config [NAME]``: print a config's path,
    or list the configs."""
    import argparse
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument('name', nargs='?', help='config name, e.g. '
                        'rethinking/mask-rcnn_r50-scratch_fpn_gn-all_8xb2-6x_coco')
    args = parser.parse_args(argv)
    if args.name:
        print(get_config_path(args.name))
    else:
        print('\n'.join(list_configs()))


if __name__ == '__main__':
    main()
