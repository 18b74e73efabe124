"""Checkpoints load with torch.load(weights_only=True) kept on: mmengine's own
globals are allowed, a pickle payload is refused and never runs."""
import os
import os.path as osp
import pickle

import pytest
import torch
from mmengine.logging import HistoryBuffer

import mmrethink  # noqa: F401  (registers the safe globals)
from mmrethink.utils.checkpoint import history_buffer_getattr


class _Payload:
    """Unpickling this runs a shell command that creates a file."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f'touch {self.path}', ))


class _GetattrPayload:
    """Tries to reach HistoryBuffer.__init__.__globals__ through getattr."""

    def __reduce__(self):
        return (getattr, (HistoryBuffer, '__init__'))


def test_payload_checkpoint_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    torch.save(dict(state_dict={}, meta=dict(x=_Payload(str(marker)))), path)
    with pytest.raises(pickle.UnpicklingError, match='system'):
        torch.load(path, weights_only=True)
    assert not marker.exists()


def test_getattr_is_limited_to_history_buffer_statistics(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save(dict(meta=_GetattrPayload()), path)
    with pytest.raises(pickle.UnpicklingError, match='__init__'):
        torch.load(path, weights_only=True)
    assert history_buffer_getattr(HistoryBuffer, 'mean') is HistoryBuffer.mean
    with pytest.raises(pickle.UnpicklingError):
        history_buffer_getattr(os, 'system')


def test_mmengine_checkpoint_with_message_hub_loads(tmp_path):
    buf = HistoryBuffer()
    buf.update(1.5)
    path = tmp_path / 'ok.pth'
    torch.save(dict(message_hub=dict(log_scalars={'loss': buf})), path)
    loaded = torch.load(path, weights_only=True)
    assert loaded['message_hub']['log_scalars']['loss'].mean() == 1.5


def test_resume_from_a_payload_fails_clearly(toy_data, tmp_path):
    import subprocess
    import sys
    from conftest import ROOT, TOY_CONFIG, toy_data_options
    marker = tmp_path / 'pwned'
    path = tmp_path / 'iter_1.pth'
    torch.save(dict(state_dict={}, meta=dict(x=_Payload(str(marker)))), path)
    proc = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools', 'train.py'), TOY_CONFIG,
         '--work-dir', str(tmp_path / 'w'), '--resume', str(path),
         '--cfg-options', *toy_data_options(toy_data)],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0
    assert 'Weights only load failed' in proc.stderr
    assert not marker.exists()
