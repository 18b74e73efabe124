"""A crash mid-write leaves the previous checkpoint / curve, never a
truncated one (mmrethink.fileio), and ``--resume`` explains a broken
``last_checkpoint`` instead of failing on an empty path."""
import os
import os.path as osp
import pytest
import torch

from conftest import ROOT, call_python
from mmrethink.fileio import AtomicLocalBackend, atomic_write
from mmrethink.utils.checkpoint import find_resume_checkpoint

HELPER = osp.join(ROOT, 'tests', 'helpers', 'crash_mid_write.py')


def _crash_writing(kind, target):
    proc = call_python([HELPER, kind, str(target)], timeout=300)
    assert proc.returncode == -9, proc.stdout[-3000:]


def _old_checkpoint(path):
    torch.save(dict(state_dict=dict(w=torch.zeros(3))), path)
    with open(path, 'rb') as f:
        return f.read()


def test_mmengine_backend_leaves_a_truncated_checkpoint(tmp_path):
    """The fault: mmengine's default backend writes in place."""
    target = tmp_path / 'iter_8.pth'
    old = _old_checkpoint(target)
    _crash_writing('mmengine', target)
    with open(target, 'rb') as f:
        assert f.read() != old
    with pytest.raises(RuntimeError):
        torch.load(target, weights_only=True)


def test_atomic_backend_keeps_the_previous_checkpoint(tmp_path):
    target = tmp_path / 'iter_8.pth'
    old = _old_checkpoint(target)
    _crash_writing('atomic', target)
    with open(target, 'rb') as f:
        assert f.read() == old
    assert torch.load(target, weights_only=True)['state_dict']['w'].shape \
        == (3, )


def test_curve_file_keeps_the_previous_points(tmp_path):
    target = tmp_path / 'curve.jsonl'
    target.write_text('{"iter": 4}\n')
    _crash_writing('curve', target)
    assert target.read_text() == '{"iter": 4}\n'


def test_atomic_write_replaces_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / 'sub' / 'file.bin'
    atomic_write(b'one', target)
    AtomicLocalBackend().put(b'two', target)
    assert target.read_bytes() == b'two'
    AtomicLocalBackend().put_text('three', target)
    assert target.read_text() == 'three'
    assert os.listdir(target.parent) == ['file.bin']


def test_resume_finds_the_latest_checkpoint(tmp_path):
    assert find_resume_checkpoint(str(tmp_path)) is None  # a fresh run
    (tmp_path / 'iter_4.pth').write_bytes(b'x')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_4.pth'))
    assert find_resume_checkpoint(str(tmp_path)) == str(tmp_path /
                                                        'iter_4.pth')


@pytest.mark.parametrize('content', ['', 'gone/iter_8.pth'])
def test_resume_explains_a_broken_last_checkpoint(tmp_path, content):
    (tmp_path / 'iter_4.pth').write_bytes(b'x')
    (tmp_path / 'last_checkpoint').write_text(content)
    with pytest.raises(FileNotFoundError) as err:
        find_resume_checkpoint(str(tmp_path))
    message = str(err.value)
    assert str(tmp_path / 'last_checkpoint') in message
    assert 'iter_4.pth' in message and '--resume PATH' in message
