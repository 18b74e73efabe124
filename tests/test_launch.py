"""What tools/train.py and tools/test.py load: the config text mmengine
formats with yapf is formatted once per content, and is exactly mmengine's."""
import copy

import mmengine.config.config as mmengine_config
import pytest
from mmengine.config import Config

from conftest import TOY_CONFIG
from mmrethink.utils.launch import FormattedOnceConfig, load_config


def _count_yapf(monkeypatch):
    calls = []
    real = mmengine_config.FormatCode

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(mmengine_config, 'FormatCode', counted)
    return calls


def test_text_is_mmengines_and_formatted_once(monkeypatch, tmp_path):
    options = {'train_cfg.max_iters': 7}
    plain = Config.fromfile(TOY_CONFIG)
    plain.merge_from_dict(options)
    plain.work_dir = str(tmp_path)
    cfg = load_config(TOY_CONFIG, options, str(tmp_path))
    assert isinstance(cfg, FormattedOnceConfig)
    FormattedOnceConfig._formatted.clear()
    calls = _count_yapf(monkeypatch)
    text = cfg.pretty_text
    assert text == plain.pretty_text  # mmengine's own formatting
    assert len(calls) == 2  # ours once, plain's once
    # the runner deep-copies the config, logs it, dumps it and writes it
    # into every checkpoint: one yapf run for all of them
    copied = copy.deepcopy(cfg)
    assert type(copied) is FormattedOnceConfig
    assert copied.pretty_text == text and cfg.pretty_text == text
    assert len(calls) == 2
    # the key is the content: a changed config is formatted anew
    copied.train_cfg.max_iters = 9
    changed = copied.pretty_text
    assert changed != text and 'max_iters=9' in changed
    assert len(calls) == 3
    assert cfg.pretty_text == text
    # and dumps the same file as mmengine
    cfg.dump(str(tmp_path / 'ours.py'))
    plain.dump(str(tmp_path / 'plain.py'))
    assert (tmp_path / 'ours.py').read_text() == \
        (tmp_path / 'plain.py').read_text()


def test_keeps_what_the_loaded_config_knew(tmp_path):
    cfg = load_config(TOY_CONFIG, None, str(tmp_path))
    plain = Config.fromfile(TOY_CONFIG)
    assert cfg.filename == plain.filename
    assert cfg.text == plain.text
    assert cfg.env_variables == plain.env_variables
    assert cfg.to_dict() == dict(plain.to_dict(), work_dir=str(tmp_path))


def test_metafiles_are_parsed_once_and_mmengine_is_restored(monkeypatch):
    """mmengine reads every mmdet metafile for each ``mmdet::`` base;
    ``read_config`` reads them once per process and gives the same config.
    The private names it relies on (mmengine 0.10.x) are checked here, so
    that an mmengine that renames them fails this test, not a user's run."""
    import mmengine.config.utils as config_utils
    from mmrethink.utils import launch
    # mmengine's lookup of an external config calls the module's `load`
    assert 'load' in config_utils._get_cfg_metainfo.__code__.co_names
    parsed = []
    real = config_utils.load

    def counted(file, *args, **kwargs):
        parsed.append(file)
        return real(file, *args, **kwargs)

    monkeypatch.setattr(config_utils, 'load', counted)
    monkeypatch.setattr(launch, '_METAFILES', {})
    plain = Config.fromfile(TOY_CONFIG)
    per_fromfile = len(parsed)
    metafiles = set(parsed)
    # each `mmdet::` base reads the same files again
    assert per_fromfile > len(metafiles) > 10
    parsed.clear()
    first = launch.read_config(TOY_CONFIG)
    assert sorted(parsed) == sorted(metafiles)  # each once
    assert config_utils.load is counted  # restored after the block
    second = launch.read_config(TOY_CONFIG)
    assert len(parsed) == len(metafiles)  # none again
    for cfg in (first, second):
        assert cfg.to_dict() == plain.to_dict()
        assert cfg.text == plain.text
    # an edited metafile is read anew (the key holds its mtime and size)
    parsed.clear()
    monkeypatch.setattr(launch, '_METAFILES', {
        key[:1] + (0, 0): value for key, value in launch._METAFILES.items()})
    launch.read_config(TOY_CONFIG)
    assert sorted(parsed) == sorted(metafiles)


def test_a_tool_in_process_returns_its_output_and_fails_as_a_command():
    from mmrethink.utils.launch import call_tool

    def tool(argv):
        print('args', *argv)
        return 0 if argv == ['ok'] else 2

    assert call_tool(tool, ['ok']) == 'args ok\n'
    with pytest.raises(SystemExit, match=r'failed \(2\)[^\n]*\nargs bad'):
        call_tool(tool, ['bad'])
