"""Safe checkpoint loading: our files hold plain data, older mmengine files
load through checked stand-ins, and files crafted as an attacker would are
refused without crashing the loader.

Crafted files are hand-written pickles (the opcodes torch.save writes) in
torch's zip format; every load of one runs in a subprocess, so that a crash
shows as an exit status instead of taking the test run down.
"""
import io
import os.path as osp
import struct
import zipfile

import numpy as np
import pytest
import torch
from conftest import ROOT, TOY_CONFIG, call_python, toy_data_options
from mmengine.logging import HistoryBuffer

from mmrethink.checkpoint.safe_load import (CheckpointRefusedError, from_plain,
                                            load_checkpoint_file, to_plain)

NP2 = 'numpy._core.multiarray'
NP1 = 'numpy.core.multiarray'


# --- a tiny pickle writer (protocol 2, as torch.save) ------------------------
def g(module, name):
    return b'c' + module.encode() + b'\n' + name.encode() + b'\n'


def s(text):
    data = text.encode('utf-8')
    return b'X' + struct.pack('<I', len(data)) + data


def i(n):
    return b'J' + struct.pack('<i', n)


def tup(*items):
    return b'(' + b''.join(items) + b't'


def raw(data):
    """bytes, the way protocol 2 writes them: _codecs.encode(str, latin1)"""
    return g('_codecs', 'encode') + tup(s(data.decode('latin1')),
                                        s('latin1')) + b'R'


def call(func, *args):
    return func + tup(*args) + b'R'


NONE, TRUE, FALSE = b'N', b'\x88', b'\x89'


def dtype(spec, state=None, align=FALSE):
    state = state if state is not None else tup(
        i(3), s('|' if spec in ('b1', 'i1', 'u1') else '<'), NONE, NONE,
        NONE, i(-1), i(-1), i(0))
    return call(g('numpy', 'dtype'), s(spec), align, TRUE) + state + b'b'


def array(spec, shape, data, dtype_bytes=None, module=NP2):
    return (call(g(module, '_reconstruct'), g('numpy', 'ndarray'),
                 tup(i(0)), raw(b'b'))
            + tup(i(1), tup(*[i(d) for d in shape]),
                  dtype_bytes or dtype(spec), FALSE, raw(data)) + b'b')


def scalar(dtype_bytes, data, module=NP2):
    return call(g(module, 'scalar'), dtype_bytes, raw(data))


def history_buffer(state_items):
    hb = g('mmengine.logging.history_buffer', 'HistoryBuffer') + b')\x81'
    return hb + b'}(' + b''.join(state_items) + b'ub'


def pickle_bytes(body):
    return b'\x80\x02' + body + b'.'


def write_checkpoint(path, body):
    """A torch zip file whose data.pkl is ``body``."""
    buf = io.BytesIO()
    torch.save({}, buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_STORED) as z:
        for name in src.namelist():
            z.writestr(name, pickle_bytes(body)
                       if name.endswith('/data.pkl') else src.read(name))


def rename_numpy_module(path, old, new):
    """Rewrite a torch file's pickle to name numpy's helpers as ``new``
    (numpy 1 writes numpy.core.multiarray, numpy 2 numpy._core.multiarray).
    """
    src = zipfile.ZipFile(path)
    entries = {n: src.read(n) for n in src.namelist()}
    src.close()
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_STORED) as z:
        for name, data in entries.items():
            if name.endswith('/data.pkl'):
                data = data.replace(f'{old}\n'.encode(), f'{new}\n'.encode())
            z.writestr(name, data)


#: the issue's forged file: an object dtype with its flags cleared by a
#: BUILD, and eight bytes of the file's own read as a PyObject*
FORGED = scalar(
    dtype('O8', tup(i(3), s('|'), NONE, NONE, NONE, i(-1), i(-1), i(0))),
    b'\x41' * 8)

def crafted(marker):
    """name -> pickle of each crafted file (``marker``: the file a payload
    would create)."""
    return {
        'object scalar, flags cleared (numpy 2 names)': FORGED,
        'object scalar, numpy 1 names': scalar(
            dtype('O8', tup(i(3), s('|'), NONE, NONE, NONE, i(-1), i(-1),
                            i(0))), b'\x41' * 8, module=NP1),
        'datetime dtype': scalar(dtype('M8'), b'\0' * 8),
        'void dtype': scalar(dtype('V8'), b'\0' * 8),
        'bytes dtype': scalar(dtype('S8'), b'\0' * 8),
        'unicode dtype': scalar(dtype('U2'), b'\0' * 8),
        'float dtype with flags set': scalar(
            dtype('f8', tup(i(3), s('<'), NONE, NONE, NONE, i(-1), i(-1),
                            i(63))), b'\0' * 8),
        'float dtype with fields': scalar(
            dtype('f8', tup(i(3), s('|'), NONE, tup(s('a')),
                            b'}' + s('a') + tup(NONE, i(0)) + b's', i(8), i(1),
                            i(0))), b'\0' * 8),
        'aligned dtype': scalar(dtype('f8', align=TRUE), b'\0' * 8),
        'dtype built without its name': scalar(
            g('numpy', 'dtype') + b')\x81' + tup(i(3), s('<'), NONE, NONE, NONE,
                                                 i(-1), i(-1), i(0)) + b'b',
            b'\0' * 8),
        'scalar of the wrong length': scalar(dtype('f8'), b'\0' * 3),
        'object array': (
            call(g(NP2, '_reconstruct'), g('numpy', 'ndarray'), tup(i(0)),
                 raw(b'b'))
            + tup(i(1), tup(i(1)), dtype('O8'), FALSE, b']' + i(1) + b'a')
            + b'b'),
        'array larger than its data (allocation bomb)': array(
            'f8', (10**9, ), b'\0' * 8),
        'array with a negative dimension': array('f8', (-1, ), b''),
        'array with 40 dimensions': array('f8', (1, ) * 40, b'\0' * 8),
        'array with list data': (
            call(g(NP2, '_reconstruct'), g('numpy', 'ndarray'), tup(i(0)),
                 raw(b'b'))
            + tup(i(1), tup(i(1)), dtype('f8'), FALSE, b']' + i(1) + b'a')
            + b'b'),
        'ndarray called directly (allocation bomb)': call(
            g('numpy', 'ndarray'), tup(i(10**9)), s('f8')),
        'ndarray created with NEWOBJ': g('numpy', 'ndarray') + tup(
            tup(i(10**9)), s('O')) + b'\x81',
        '_reconstruct of another type': call(
            g(NP2, '_reconstruct'), g('mmengine.logging.history_buffer',
                                      'HistoryBuffer'), tup(i(0)), raw(b'b')),
        'getattr beyond HistoryBuffer statistics': call(
            g('builtins', 'getattr'),
            g('mmengine.logging.history_buffer', 'HistoryBuffer'),
            s('__init__')),
        'getattr on numpy': call(g('builtins', 'getattr'), g('numpy', 'dtype'),
                                 s('mro')),
        'HistoryBuffer with an unknown field': history_buffer(
            [s('__class__'), i(1)]),
        'HistoryBuffer with text as history': history_buffer(
            [s('_log_history'), s('x'), s('_count_history'), s('x')]),
        'numpy dtype class global': call(g('numpy.dtypes', 'ObjectDType')),
        'os.system': call(g('os', 'system'), s(f'touch {marker}')),
        'posix.system': call(g('posix', 'system'), s(f'touch {marker}')),
    }

#: loads every crafted file in one process and says what became of each;
#: a crash shows as the process's exit status after the last printed name
LOADER = r'''
import sys
import mmrethink  # what every config imports
from mmrethink.checkpoint.safe_load import (CheckpointRefusedError,
                                            load_checkpoint_file)
for path in sys.argv[1:]:
    print('LOADING', path, flush=True)
    try:
        load_checkpoint_file(path)
    except CheckpointRefusedError as err:
        print('REFUSED', str(err).splitlines()[0][:300], flush=True)
    else:
        print('LOADED', path, flush=True)
'''


def test_crafted_files_are_refused_without_crashing(tmp_path):
    marker = tmp_path / 'pwned'
    files = crafted(marker)
    paths = []
    for n, (name, body) in enumerate(files.items()):
        path = tmp_path / f'crafted_{n}.pth'
        write_checkpoint(path, body)
        paths.append(str(path))
    proc = call_python(['-c', LOADER, *paths], timeout=300)
    assert proc.returncode == 0, (
        f'the loader died with status {proc.returncode}:\n'
        f'{proc.stdout[-3000:]}')
    lines = [ln for ln in proc.stdout.splitlines()
             if ln.startswith(('REFUSED', 'LOADED'))]
    for name, line in zip(files, lines):
        assert line.startswith('REFUSED checkpoint refused') or \
            line.startswith('REFUSED ' + str(tmp_path)), (name, line)
        assert 'LOADED' not in line, name
    assert len(lines) == len(files), proc.stdout[-3000:]
    assert not marker.exists()
    refusals = dict(zip(files, lines))
    assert "numpy dtype 'O8'" in refusals[
        'object scalar, flags cleared (numpy 2 names)']
    assert 'needs 8000000000 bytes' in refusals[
        'array larger than its data (allocation bomb)']


def test_forged_file_after_import_mmrethink_is_refused_by_torch(tmp_path):
    """The issue's reproduction: importing mmrethink no longer widens
    torch.load anywhere in the process."""
    path = tmp_path / 'forged.pth'
    write_checkpoint(path, FORGED)
    proc = call_python(['-c', 'import sys, mmrethink, torch; '
                        'torch.load(sys.argv[1], weights_only=True)',
                        str(path)])
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert 'Unsupported global' in proc.stdout


@pytest.mark.slow
def test_forged_file_through_the_tools(toy_data, tmp_path):
    path = tmp_path / 'forged.pth'
    write_checkpoint(path, FORGED)
    options = ['--cfg-options', *toy_data_options(toy_data)]
    test = call_python([osp.join(ROOT, 'tools', 'test.py'), TOY_CONFIG,
                        str(path), '--work-dir', str(tmp_path / 't'),
                        *options], timeout=600)
    train = call_python([osp.join(ROOT, 'tools', 'train.py'), TOY_CONFIG,
                         '--work-dir', str(tmp_path / 'w'), '--resume',
                         str(path), *options], timeout=600)
    for proc in (test, train):
        assert proc.returncode == 1, proc.stdout[-3000:]
        assert 'CheckpointRefusedError' in proc.stdout
        assert "numpy dtype 'O8'" in proc.stdout


def _legacy_state():
    """What mmengine 0.10 (without our hook) puts in a checkpoint."""
    buf = HistoryBuffer()
    for v in (1.5, 2.5, 4.0):
        buf.update(v)
    return dict(
        meta=dict(iter=3, seed=7),
        state_dict={'w': torch.arange(4.)},
        message_hub=dict(
            log_scalars={'train/loss': buf},
            runtime_info={'eta': np.float64(12.5), 'count': np.int64(3),
                          'flag': np.bool_(True)},
            resumed_keys={'train/loss': True}),
        arrays=dict(
            f32=np.arange(6, dtype=np.float32).reshape(2, 3),
            fortran=np.asfortranarray(np.arange(6.).reshape(2, 3)),
            big_endian=np.arange(3, dtype='>i4'),
            empty=np.zeros((0, 4)),
            boolean=np.array([True, False]),
            complex=np.array([1 + 2j])))


def _check_legacy(loaded):
    expected = _legacy_state()
    buf = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buf, HistoryBuffer)
    np.testing.assert_array_equal(buf.data[0], [1.5, 2.5, 4.0])
    assert buf.mean() == pytest.approx(8 / 3)
    info = loaded['message_hub']['runtime_info']
    assert info['eta'] == 12.5 and type(info['eta']) is np.float64
    assert info['count'] == 3 and info['flag']
    for key, value in expected['arrays'].items():
        got = loaded['arrays'][key]
        assert type(got) is np.ndarray and got.dtype == value.dtype, key
        np.testing.assert_array_equal(got, value)
        assert got.flags.writeable
    assert torch.equal(loaded['state_dict']['w'], torch.arange(4.))


@pytest.mark.parametrize('names', ['numpy 2', 'numpy 1'])
def test_mmengine_checkpoint_with_numpy_loads(tmp_path, names):
    path = tmp_path / 'legacy.pth'
    torch.save(_legacy_state(), path)
    if names == 'numpy 1':
        rename_numpy_module(path, NP2, NP1)
        with zipfile.ZipFile(path) as z:
            pkl = [z.read(n) for n in z.namelist() if n.endswith('data.pkl')]
        assert b'numpy.core.multiarray\n' in pkl[0]
        assert b'numpy._core' not in pkl[0]
    _check_legacy(load_checkpoint_file(str(path)))


def test_stock_torch_still_refuses_numpy_after_a_safe_load(tmp_path):
    """The allow-list exists for the duration of one load only."""
    path = tmp_path / 'legacy.pth'
    torch.save(_legacy_state(), path)
    load_checkpoint_file(str(path))
    with pytest.raises(Exception, match='Unsupported global'):
        torch.load(path, weights_only=True)


def test_plain_format_round_trip_loads_with_stock_torch(tmp_path):
    state = _legacy_state()
    path = tmp_path / 'plain.pth'
    torch.save(to_plain(state), path)
    assert torch.serialization.get_unsafe_globals_in_checkpoint(
        str(path)) == []
    loaded = from_plain(torch.load(path, weights_only=True))
    buf = loaded['message_hub']['log_scalars']['train/loss']
    np.testing.assert_array_equal(buf.data[0], [1.5, 2.5, 4.0])
    np.testing.assert_array_equal(loaded['arrays']['fortran'],
                                  state['arrays']['fortran'])
    assert loaded['message_hub']['runtime_info']['eta'] == 12.5


def test_shared_containers_are_walked_once(tmp_path):
    """A pickle may share one tuple at every level of a 64-level tree
    (2**64 paths): the walk after a load visits each object once."""
    node = (np.arange(2.), )
    for _ in range(64):
        node = (node, [node])
    path = tmp_path / 'dag.pth'
    torch.save({'tree': node}, path)
    loaded = load_checkpoint_file(str(path))
    leaf = loaded['tree']
    for _ in range(64):
        assert leaf[1][0] is leaf[0]
        leaf = leaf[0]
    np.testing.assert_array_equal(leaf[0], [0., 1.])
    assert from_plain(to_plain({'tree': node}))['tree'][0] is not None


def test_missing_file_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_checkpoint_file(str(tmp_path / 'nope.pth'))


def test_refusal_is_an_unpickling_error(tmp_path):
    path = tmp_path / 'forged.pth'
    write_checkpoint(path, call(g('os', 'system'), s('true')))
    with pytest.raises(CheckpointRefusedError, match='os.system'):
        load_checkpoint_file(str(path))


@pytest.mark.slow
def test_our_toy_checkpoints_hold_plain_data_only(toy_data, tmp_path):
    """A trained checkpoint of ours: no global beyond torch's own list, so
    stock torch loads it in a process that never imports mmrethink."""
    from conftest import run_python, run_tool_main
    work = tmp_path / 'w'
    run_tool_main('train', [
        TOY_CONFIG, '--work-dir', work, '--cfg-options',
        *toy_data_options(toy_data), 'train_cfg.max_iters=2',
        'train_cfg.val_interval=2', 'default_hooks.checkpoint.interval=2'])
    path = str(work / 'iter_2.pth')
    assert torch.serialization.get_unsafe_globals_in_checkpoint(path) == []
    out = run_python(['-c', 'import sys, torch; c = torch.load(sys.argv[1], '
                      'weights_only=True); print(sorted(c), '
                      '"mmrethink" in sys.modules)', path])
    assert "'message_hub'" in out and out.strip().endswith('False')
