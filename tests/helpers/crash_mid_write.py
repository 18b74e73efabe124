"""Write a file and die (SIGKILL) halfway through the write.

    python crash_mid_write.py KIND TARGET

KIND: ``mmengine`` saves a checkpoint with mmengine's default backend,
``atomic`` with ours (``backend='atomic_local'``), ``curve`` writes a
learning curve with ``CurveHook``. Every file opened for writing writes the
first half of what it is given, then the process kills itself, as a node
failure would.
"""
import builtins
import os
import signal
import sys


class HalfThenDie:
    """A file whose first ``write`` writes half and kills the process."""

    def __init__(self, f):
        self.f = f

    def write(self, data):
        self.f.write(data[:len(data) // 2])
        self.f.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()

    def __getattr__(self, name):
        return getattr(self.f, name)


def _dying(opener):
    def wrapper(file, mode='r', *args, **kwargs):
        f = opener(file, mode, *args, **kwargs)
        return HalfThenDie(f) if 'w' in mode else f
    return wrapper


def main():
    kind, target = sys.argv[1:]
    import torch
    from mmengine.runner.checkpoint import save_checkpoint

    import mmrethink  # noqa: F401  (registers atomic_local)
    from mmrethink.records.curves import write_curve
    checkpoint = dict(state_dict=dict(w=torch.arange(100000.)))
    builtins.open = _dying(builtins.open)
    os.fdopen = _dying(os.fdopen)
    if kind == 'mmengine':
        save_checkpoint(checkpoint, target)
    elif kind == 'atomic':
        save_checkpoint(checkpoint, target,
                        backend_args=dict(backend='atomic_local'))
    elif kind == 'curve':
        write_curve(target, [dict(iter=i, val={'coco/bbox_mAP': 0.1})
                             for i in range(100)])
    raise SystemExit(f'{kind}: the write finished; it should have died')


if __name__ == '__main__':
    main()
