"""What tools/train.py and tools/test.py load: the config text mmengine
formats with yapf is formatted once per content, and is exactly mmengine's."""
import copy

import mmengine.config.config as mmengine_config
import pytest
from mmengine.config import Config

from conftest import TOY_CONFIG
from mmrethink.launch import FormattedOnceConfig, load_config


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


def test_a_tool_in_process_returns_its_output_and_fails_as_a_command():
    from mmrethink.launch import call_tool

    def tool(argv):
        print('args', *argv)
        return 0 if argv == ['ok'] else 2

    assert call_tool(tool, ['ok']) == 'args ok\n'
    with pytest.raises(SystemExit, match=r'failed \(2\)[^\n]*\nargs bad'):
        call_tool(tool, ['bad'])
