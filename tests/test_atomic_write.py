"""A crash mid-write leaves the previous checkpoint / curve, never a
truncated one (mmrethink.fileio); written files get the umask's
permissions; ``--resume`` finds the newest checkpoint that loads."""
import os
import os.path as osp

import pytest
import torch

from conftest import ROOT, call_python
from mmrethink.checkpoint.work_dir import (find_resume_checkpoint,
                                           read_last_checkpoint)
from mmrethink.fileio import (TMP_SUFFIX, AtomicLocalBackend,
                              atomic_write, remove_stale_temporaries,
                              write_once)

HELPER = osp.join(ROOT, 'tests', 'helpers', 'crash_mid_write.py')


def _crash_writing(kind, target):
    proc = call_python([HELPER, kind, str(target)], timeout=300)
    assert proc.returncode == -9, proc.stdout[-3000:]


def _old_checkpoint(path):
    torch.save(dict(state_dict=dict(w=torch.zeros(3))), path)
    with open(path, 'rb') as f:
        return f.read()


@pytest.mark.slow
def test_mmengine_backend_leaves_a_truncated_checkpoint(tmp_path):
    """The fault: mmengine's default backend writes in place."""
    target = tmp_path / 'iter_8.pth'
    old = _old_checkpoint(target)
    _crash_writing('mmengine', target)
    with open(target, 'rb') as f:
        assert f.read() != old
    with pytest.raises(RuntimeError):
        torch.load(target, weights_only=True)


@pytest.mark.slow
def test_atomic_backend_keeps_the_previous_checkpoint(tmp_path):
    target = tmp_path / 'iter_8.pth'
    old = _old_checkpoint(target)
    _crash_writing('atomic', target)
    with open(target, 'rb') as f:
        assert f.read() == old
    assert torch.load(target, weights_only=True)['state_dict']['w'].shape \
        == (3, )


@pytest.mark.slow
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
    assert find_resume_checkpoint(str(tmp_path / 'nowhere')) is None
    _old_checkpoint(tmp_path / 'iter_4.pth')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_4.pth'))
    assert find_resume_checkpoint(str(tmp_path)) == str(tmp_path /
                                                        'iter_4.pth')


@pytest.mark.parametrize('content', ['', 'gone/iter_12.pth', 'truncated'])
def test_broken_last_checkpoint_falls_back_to_the_newest_that_loads(
        tmp_path, content):
    _old_checkpoint(tmp_path / 'iter_4.pth')
    data = _old_checkpoint(tmp_path / 'iter_8.pth')
    (tmp_path / 'iter_12.pth').write_bytes(data[:len(data) // 2])  # cut
    (tmp_path / 'best_coco_bbox_mAP_iter_16.pth').write_bytes(data)
    if content == 'truncated':
        content = str(tmp_path / 'iter_12.pth')
    (tmp_path / 'last_checkpoint').write_text(content)
    # not the best checkpoint, not the truncated one: the newest that loads
    proc = call_python(['-c', 'import sys; from mmrethink.checkpoint.work_dir '
                        'import find_resume_checkpoint as find; '
                        'print("->", find(sys.argv[1]))', str(tmp_path)])
    said = proc.stdout
    assert f'-> {tmp_path / "iter_8.pth"}' in said
    assert 'last_checkpoint' in said and 'iter_12.pth' in said  # why


def test_moved_work_dir_finds_its_checkpoint(tmp_path):
    old, new = tmp_path / 'old', tmp_path / 'new'
    new.mkdir()
    _old_checkpoint(new / 'iter_4.pth')
    (new / 'last_checkpoint').write_text(str(old / 'iter_4.pth'))
    assert read_last_checkpoint(str(new)) == str(new / 'iter_4.pth')
    assert find_resume_checkpoint(str(new)) == str(new / 'iter_4.pth')


@pytest.mark.parametrize('umask', [0o022, 0o002, 0o077])
def test_atomic_writes_honour_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        atomic_write(b'x', tmp_path / 'f')
        plain = tmp_path / 'plain'
        plain.write_bytes(b'x')  # what open() gives
    finally:
        os.umask(old)
    assert os.stat(tmp_path / 'f').st_mode & 0o777 == 0o666 & ~umask
    assert os.stat(tmp_path / 'f').st_mode == os.stat(plain).st_mode


def test_stale_temporary_files_are_removed(tmp_path):
    atomic_write(b'x', tmp_path / 'iter_4.pth')
    stale = tmp_path / f'.iter_8.pth.abc123{TMP_SUFFIX}'
    stale.write_bytes(b'half')
    other = tmp_path / '.keep.tmp'  # not ours
    other.write_bytes(b'')
    assert remove_stale_temporaries(str(tmp_path)) == [str(stale)]
    assert sorted(os.listdir(tmp_path)) == ['.keep.tmp', 'iter_4.pth']


def test_published_files_are_never_overwritten(tmp_path):
    write_once('a', tmp_path / 'x.log')
    write_once('a', tmp_path / 'x.log')  # the same content: a no-op
    with pytest.raises(FileExistsError, match='never overwritten'):
        write_once('b', tmp_path / 'x.log')
    assert (tmp_path / 'x.log').read_text() == 'a'
