"""Checkpoints that load with ``torch.load(weights_only=True)``, and nothing
that widens what it admits.

torch >= 2.6 loads with ``weights_only=True``: its unpickler admits tensors,
plain containers and the globals on an allow-list. mmengine 0.10.7 puts its
message hub in every checkpoint: ``HistoryBuffer`` objects holding numpy
arrays, which that list does not hold, so mmengine cannot resume its own
files. Adding numpy's pickling helpers to the list, as one is tempted to,
opens a hole: numpy's C unpickling code trusts its input. A crafted file can
build an object dtype with its flags cleared (``dtype('O8')`` and a BUILD
that rewrites its state) and hand eight bytes of its own to
``numpy.core.multiarray.scalar``, which then reads them as a ``PyObject*``:
a crash, or any live object of the loading process.

So mmrethink never puts numpy's own unpickling code on the allow-list. The
design has two parts, each safe without the other:

1. **Our checkpoints hold no numpy and no mmengine objects.**
   :func:`to_plain` (called by our ``CheckpointHook`` just before it saves)
   turns each ``HistoryBuffer`` into a tagged dict of tensors, numpy arrays
   into tagged tensors and numpy scalars into Python numbers;
   :func:`from_plain` (after a load, before mmengine reads the message hub)
   turns them back. Such a file loads with stock torch under numpy 1 or 2,
   with no allow-list at all.

2. **Older files** (ours from before, or any mmengine 0.10 run) are read by
   :func:`load_checkpoint_file`, which mmengine uses for every local
   checkpoint of our runs (inside
   :func:`mmrethink.checkpoint.loading.checkpoint_loading`: our
   tools, or a script's explicit opt-in; never process-wide). It runs
   ``torch.load(weights_only=True)`` inside
   ``torch.serialization.safe_globals(...)``, so the allow-list exists for
   the duration of that one load only: ``torch.load`` anywhere else in the
   process (torch.hub, downloads, users' own code) admits exactly what stock
   torch admits. The names on that scoped list are numpy's and mmengine's
   (``numpy.dtype``, ``numpy[._]core.multiarray._reconstruct`` and
   ``.scalar``, ``numpy.ndarray``,
   ``mmengine.logging.history_buffer.HistoryBuffer``, ``builtins.getattr``,
   ``builtins.bytes``)
   but the objects behind them are stand-ins defined here:

   - the dtype stand-in accepts only the numeric and bool dtypes
     (:data:`NUMERIC_DTYPES`) with the state numpy writes for them (no
     fields, no sub-arrays, no flags), and records them: no numpy descriptor
     is ever created from, or modified by, the file;
   - ``_reconstruct`` and ``ndarray`` give inert records; the BUILD that
     follows checks the shape (at most 32 non-negative dimensions) and that
     the raw bytes are exactly ``size * itemsize`` long, so an array never
     takes more memory than its bytes take in the file;
   - ``scalar`` checks dtype and length and builds the number with
     ``np.frombuffer``;
   - the ``HistoryBuffer`` stand-in accepts its three fields only;
   - ``getattr`` resolves ``HistoryBuffer``'s statistics methods only;
   - ``bytes`` gives ``b''`` only (how protocol 2 writes empty data).

   After ``torch.load`` returns, :func:`materialize` builds the real numpy
   arrays (``np.frombuffer`` of the checked bytes, copied) and
   ``HistoryBuffer`` objects (its public constructor) from the records.
   Anything else in the file is refused by torch as before.

Refusals raise :class:`CheckpointRefusedError` naming the file and what it
asked for; no code from the file runs and no numpy internals see its bytes.
"""
import os.path as osp
import pickle
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np
import torch

#: numpy's names (as ``dtype.__reduce__`` writes them) of the dtypes a
#: checkpoint may hold: bool, integers, floats and complex numbers.
NUMERIC_DTYPES = frozenset({
    'b1', 'i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'u8', 'f2', 'f4', 'f8',
    'c8', 'c16'
})
#: the most dimensions an array in a checkpoint may have (numpy's own limit
#: is 64; our arrays have one or two)
MAX_NDIM = 32
#: keys of a ``HistoryBuffer``'s state in mmengine 0.10 (its
#: ``__getstate__`` adds ``statistics_methods``: ``getattr(HistoryBuffer,
#: name)`` for each statistic, which a load does not need)
HISTORY_BUFFER_FIELDS = frozenset({'max_length', '_log_history',
                                   '_count_history', 'statistics_methods'})
_TAG = '__mmrethink__'


class CheckpointRefusedError(pickle.UnpicklingError):
    """A checkpoint asks for something a safe load does not admit."""


def _refuse(message: str):
    raise CheckpointRefusedError(f'checkpoint refused: {message}')


# --- stand-ins, active only inside load_checkpoint_file --------------------
class _DTypeRecord:
    """Stand-in for ``numpy.dtype`` while a checkpoint is read: a checked
    record of a numeric dtype, never a numpy descriptor."""

    def __init__(self, spec=None, align=False, copy=False) -> None:
        if not isinstance(spec, str) or spec not in NUMERIC_DTYPES:
            _refuse(f'it asks for numpy dtype {spec!r}; only numeric and '
                    f'bool dtypes are admitted ({", ".join(sorted(NUMERIC_DTYPES))})')
        if align not in (False, 0) or copy not in (True, False, 0, 1) or \
                not all(isinstance(v, (bool, int)) for v in (align, copy)):
            _refuse(f'numpy dtype {spec!r} with align={align!r}, '
                    f'copy={copy!r}')
        self.spec = spec
        self.byteorder = '|' if spec in ('b1', 'i1', 'u1') else '<'

    def __setstate__(self, state) -> None:
        if not hasattr(self, 'spec'):
            _refuse('a numpy dtype created without its name')
        # numpy writes (3, byteorder, None, None, None, -1, -1, 0) for these
        # dtypes: no sub-array, names, fields, size, alignment or flags
        expected_order = ('|', ) if self.byteorder == '|' else ('<', '>', '=')
        if not (isinstance(state, tuple) and len(state) == 8
                and state[0] == 3 and state[1] in expected_order
                and state[2:] == (None, None, None, -1, -1, 0)
                and type(state[0]) is int
                and all(type(v) is int for v in state[5:])):
            _refuse(f'numpy dtype {self.spec!r} with state {state!r}; only '
                    'the plain state numpy writes for numeric dtypes is '
                    'admitted (no fields, sub-arrays or flags)')
        self.byteorder = state[1]

    def build(self) -> np.dtype:
        """numpy's own dtype for the record."""
        if not hasattr(self, 'spec'):
            _refuse('a numpy dtype created without its name')
        dtype = np.dtype(self.spec)
        if self.byteorder in ('<', '>'):
            dtype = dtype.newbyteorder(self.byteorder)
        return dtype


class _NDArrayName:
    """Stand-in for ``numpy.ndarray``: only ``_reconstruct`` may name it;
    creating it is refused (numpy's constructor allocates what it is
    told)."""

    def __new__(cls, *args, **kwargs):
        _refuse('it calls numpy.ndarray directly; only arrays pickled by '
                'numpy (_reconstruct + state) are admitted')


class _ArrayRecord:
    """What ``_reconstruct`` gives: an inert record that the BUILD after it
    fills with a checked shape, dtype and raw bytes."""

    def __init__(self) -> None:
        self.shape: Optional[Tuple[int, ...]] = None

    def __setstate__(self, state) -> None:
        if not (isinstance(state, tuple) and len(state) == 5):
            _refuse(f'numpy array state {_short(state)}')
        version, shape, dtype, fortran, raw = state
        if version != 1 or type(version) is not int:
            _refuse(f'numpy array state version {version!r}')
        if not isinstance(dtype, _DTypeRecord) or not hasattr(dtype, 'spec'):
            _refuse(f'numpy array with dtype {_short(dtype)}')
        if not (isinstance(shape, tuple) and len(shape) <= MAX_NDIM and all(
                type(d) is int and 0 <= d for d in shape)):
            _refuse(f'numpy array shape {_short(shape)}; expected at most '
                    f'{MAX_NDIM} non-negative ints')
        if type(fortran) not in (bool, int):
            _refuse(f'numpy array order flag {fortran!r}')
        if isinstance(raw, str):
            raw = raw.encode('latin1')
        if not isinstance(raw, (bytes, bytearray)):
            _refuse(f'numpy array data of type {type(raw).__name__}; '
                    'expected bytes')
        size = 1
        for d in shape:
            size *= d
        itemsize = np.dtype(dtype.spec).itemsize
        if size * itemsize != len(raw):
            _refuse(f'numpy array of shape {shape} and dtype {dtype.spec} '
                    f'needs {size * itemsize} bytes, the file gives '
                    f'{len(raw)}')
        self.shape, self.dtype, self.fortran, self.raw = (shape, dtype,
                                                          bool(fortran),
                                                          bytes(raw))

    def build(self) -> np.ndarray:
        """numpy's own array, copied from the checked bytes."""
        if self.shape is None:
            _refuse('a numpy array without its data')
        flat = np.frombuffer(self.raw, dtype=self.dtype.build())
        return flat.reshape(self.shape,
                            order='F' if self.fortran else 'C').copy()


def _reconstruct(subtype, shape, typecode) -> _ArrayRecord:
    """Stand-in for ``numpy.core.multiarray._reconstruct``."""
    if subtype is not _NDArrayName or shape != (0, ) or typecode != b'b':
        _refuse(f'numpy _reconstruct({_short(subtype)}, {_short(shape)}, '
                f'{_short(typecode)}); only plain ndarrays are admitted')
    return _ArrayRecord()


def _scalar(dtype, data=None):
    """Stand-in for ``numpy.core.multiarray.scalar``: a numeric numpy scalar
    from exactly ``itemsize`` bytes."""
    if not isinstance(dtype, _DTypeRecord):
        _refuse(f'numpy scalar of dtype {_short(dtype)}')
    real = dtype.build()
    # the dtype's own name decides the type: numeric, never object
    if isinstance(data, str):
        data = data.encode('latin1')
    if not isinstance(data, bytes) or len(data) != real.itemsize:
        _refuse(f'numpy scalar of dtype {dtype.spec} with data '
                f'{_short(data)}; expected {real.itemsize} bytes')
    return np.frombuffer(data, dtype=real)[0]


class _HistoryBufferRecord:
    """Stand-in for mmengine's ``HistoryBuffer`` while a checkpoint is
    read: its three fields, checked; :func:`materialize` builds the real
    one."""

    def __setstate__(self, state) -> None:
        if not isinstance(state, dict) or not set(state) <= \
                HISTORY_BUFFER_FIELDS or not all(
                    isinstance(k, str) for k in state):
            _refuse(f'HistoryBuffer state {_short(state)}; expected the '
                    f'fields {sorted(HISTORY_BUFFER_FIELDS)}')
        methods = state.get('statistics_methods', {})
        if not (isinstance(methods, dict) and all(
                isinstance(k, str) and callable(v)
                for k, v in methods.items())):
            _refuse(f'HistoryBuffer statistics_methods {_short(methods)}')
        self.state = state

    def build(self, visit: Callable[[Any], Any]):
        from mmengine.logging import HistoryBuffer
        state = getattr(self, 'state', {})
        max_length = state.get('max_length', 1000000)
        if type(max_length) is not int or max_length < 1:
            _refuse(f'HistoryBuffer max_length {max_length!r}')
        arrays = []
        for key in ('_log_history', '_count_history'):
            value = visit(state.get(key, _empty()))
            if not (isinstance(value, np.ndarray) and value.ndim == 1):
                _refuse(f'HistoryBuffer {key} {_short(value)}; expected a '
                        'one-dimensional numeric array')
            arrays.append(value)
        if len(arrays[0]) != len(arrays[1]):
            _refuse('HistoryBuffer with logs and counts of different '
                    'lengths')
        return HistoryBuffer(arrays[0], arrays[1], max_length)


def _empty() -> np.ndarray:
    return np.zeros(0)


def _history_buffer_getattr(obj, name):
    """Stand-in for ``getattr``: pickled ``HistoryBuffer`` statistics
    methods (``getattr(HistoryBuffer, 'mean')``) and nothing else."""
    from mmengine.logging import HistoryBuffer

    from ..internals import history_buffer_statistics
    allowed = {'min', 'max', 'current', 'mean',
               *history_buffer_statistics()}
    if obj is _HistoryBufferRecord and isinstance(name, str) and \
            name in allowed:
        return getattr(HistoryBuffer, name)
    _refuse(f'it asks for getattr({_short(obj)}, {_short(name)}); only the '
            'statistics methods of mmengine HistoryBuffer are admitted')


def _empty_bytes(*args) -> bytes:
    """Stand-in for ``bytes``, which protocol 2 calls without arguments
    for empty data (an empty array); ``bytes(n)`` would allocate ``n``."""
    if args:
        _refuse(f'it calls bytes{_short(args)}; only bytes() is admitted')
    return b''


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + '...'


def stand_ins() -> List[Tuple[object, str]]:
    """The scoped allow-list: (stand-in, name it answers to) pairs for
    ``torch.serialization.safe_globals``."""
    names = [
        (_DTypeRecord, 'numpy.dtype'),
        (_NDArrayName, 'numpy.ndarray'),
        # the records' own names: BUILD needs their types on the list
        (_ArrayRecord, f'{__name__}._ArrayRecord'),
        (_HistoryBufferRecord,
         'mmengine.logging.history_buffer.HistoryBuffer'),
        (_history_buffer_getattr, 'builtins.getattr'),
        (_empty_bytes, 'builtins.bytes'),
    ]
    # numpy 2 pickles from numpy._core, numpy 1 from numpy.core
    for module in ('numpy._core.multiarray', 'numpy.core.multiarray'):
        names += [(_reconstruct, f'{module}._reconstruct'),
                  (_scalar, f'{module}.scalar')]
    return names


def _walk(obj: Any, convert: Callable[[Any, Callable], Any]) -> Any:
    """Rebuild ``obj``'s dicts, lists, tuples and sets with
    ``convert(x, visit)`` applied to each value first; ``convert`` returns
    ``NotImplemented`` to let ``x`` be walked as it is. Every container and
    converted object is visited once, however often it is shared (a pickle
    can share one tuple at every level of a deep tree) or if it is cyclic.
    """
    memo: Dict[int, Any] = {}

    def visit(x):
        key = id(x)
        if key in memo:
            return memo[key]
        converted = convert(x, visit)
        if converted is not NotImplemented:
            memo[key] = converted
            return converted
        if isinstance(x, dict):
            out = OrderedDict() if isinstance(x, OrderedDict) else {}
            memo[key] = out
            for k, v in x.items():
                out[k] = visit(v)
            return out
        if isinstance(x, list):
            out = []
            memo[key] = out
            out.extend(visit(v) for v in x)
            return out
        if type(x) in (tuple, set, frozenset):
            memo[key] = x  # a cycle through it keeps the original
            memo[key] = type(x)(visit(v) for v in x)
            return memo[key]
        return x

    return visit(obj)


def materialize(obj: Any) -> Any:
    """``obj`` with the records of a safe load replaced by numpy arrays,
    dtypes and ``HistoryBuffer`` objects."""

    def convert(x, visit):
        if isinstance(x, _HistoryBufferRecord):
            return x.build(visit)
        if isinstance(x, (_ArrayRecord, _DTypeRecord)):
            return x.build()
        return NotImplemented

    try:
        return _walk(obj, convert)
    except RecursionError:
        _refuse('containers nested too deeply')


def load_checkpoint_file(filename: str,
                         map_location: Optional[Any] = None,
                         mmap: bool = False) -> Any:
    """``torch.load(filename, weights_only=True)`` that also reads
    mmengine's and numpy's objects through the checked stand-ins of this
    module (scoped to this call).

    Args:
        filename (str): A local checkpoint.
        map_location: As for ``torch.load``.
        mmap (bool): Map the tensors' storage instead of reading it (cheap
            when only the metadata is wanted). Defaults to False.

    Raises:
        FileNotFoundError: if there is no such file.
        CheckpointRefusedError: for a file that asks for anything a safe
            load does not admit, naming the file and what it asked for.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} does not exist')
    with torch.serialization.safe_globals(stand_ins()):
        try:
            checkpoint = torch.load(filename, map_location=map_location,
                                    weights_only=True, mmap=mmap)
        except pickle.UnpicklingError as err:
            raise CheckpointRefusedError(
                f'{filename}: {_reason(err)}. mmrethink loads checkpoints '
                'with torch.load(weights_only=True); besides tensors it '
                'admits numeric numpy arrays and scalars and mmengine '
                'HistoryBuffers, through checked stand-ins (see '
                'mmrethink.checkpoint.safe_load). Do not load this file with '
                'weights_only=False unless you trust where it came '
                'from.') from None
    try:
        return materialize(checkpoint)
    except CheckpointRefusedError as err:
        raise CheckpointRefusedError(f'{filename}: {err}') from None


def _reason(err: Exception) -> str:
    """The unpickler's own words from torch's long message."""
    text = str(err)
    marker = 'WeightsUnpickler error:'
    if marker in text:
        text = text.split(marker, 1)[1]
    boilerplate = ('Weights only load failed', 'Check the documentation',
                   'Please file an issue')
    for paragraph in text.split('\n\n'):
        paragraph = paragraph.strip()
        if paragraph and not paragraph.startswith(boilerplate):
            return ' '.join(paragraph.split())
    return text.strip()


# --- our own files: plain data only ----------------------------------------
def to_plain(obj: Any) -> Any:
    """A copy of ``obj`` with ``HistoryBuffer`` objects, numpy arrays and
    numpy scalars replaced by tagged dicts of tensors and by Python numbers,
    so that stock ``torch.load(weights_only=True)`` reads it."""
    from mmengine.logging import HistoryBuffer

    def convert(x, visit):
        if isinstance(x, HistoryBuffer):
            log, count = x.data
            return {_TAG: 'HistoryBuffer', 'log': _array_to_tensor(log),
                    'count': _array_to_tensor(count),
                    'max_length': int(x.max_length)}
        if isinstance(x, np.ndarray):
            return {_TAG: 'ndarray', 'data': _array_to_tensor(x)}
        if isinstance(x, np.generic):
            return x.item()
        return NotImplemented

    return _walk(obj, convert)


def _array_to_tensor(array: np.ndarray) -> torch.Tensor:
    if array.dtype.kind not in 'biufc':
        raise TypeError(f'cannot save a numpy array of dtype {array.dtype} '
                        'in a checkpoint: only numeric arrays')
    # torch keeps native byte order only; the values are what matters
    native = array.astype(array.dtype.newbyteorder('='), copy=True)
    return torch.from_numpy(np.ascontiguousarray(native))


def from_plain(obj: Any) -> Any:
    """``obj`` with what :func:`to_plain` wrote turned back into
    ``HistoryBuffer`` objects and numpy arrays."""
    from mmengine.logging import HistoryBuffer

    def convert(x, visit):
        if not isinstance(x, dict) or _TAG not in x:
            return NotImplemented
        kind = x[_TAG]
        fields = {'HistoryBuffer': ('log', 'count'), 'ndarray': ('data', )}
        if kind not in fields or not all(
                isinstance(x.get(k), torch.Tensor) for k in fields[kind]):
            raise ValueError(f'checkpoint: malformed {_TAG} entry '
                             f'{_short(x)}')
        if kind == 'ndarray':
            return x['data'].numpy()
        return HistoryBuffer(x['log'].numpy(), x['count'].numpy(),
                             int(x.get('max_length', 1000000)))

    return _walk(obj, convert)


__all__ = [
    'CheckpointRefusedError', 'NUMERIC_DTYPES', 'load_checkpoint_file',
    'materialize', 'stand_ins', 'to_plain',
    'from_plain'
]
