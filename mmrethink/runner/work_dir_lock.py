"""One writer per work dir: a training run holds its work dir while it
trains, and a second run into it refuses to start, naming the holder.

A second launch into a live run's work dir is what a user or a scheduler
does next after a pre-emption it believes finished, or by a typo: both
runs would write checkpoints and ``last_checkpoint`` into one folder. The
lock is a file, ``<work_dir>/.mmrethink-lock``, that says who holds it::

    {"host": "node07", "pid": 4242, "start": "...", "since": "2026-...",
     "token": "..."}

It holds where ``flock``/``fcntl`` locks may not (NFS without a lock
daemon, Lustre mounted without ``flock``): it is created with
``O_CREAT | O_EXCL``, which NFSv3 and later and Lustre perform atomically
on the server, and the holder refreshes its modification time every
``HEARTBEAT`` seconds. A lock is *stale*, and the next run takes it over,
when its holder is gone: on the same machine (host name, boot and pid
namespace) its process no longer exists, is a zombie, or is another
process with the same pid (the start time differs); elsewhere its
heartbeat is older than ``STALE_AFTER`` seconds. Runs
that find one stale lock at once take turns under a second lock made the
same way (``.mmrethink-lock.takeover``): each removes the stale lock only
if it is still the one it judged stale, then all race to create the lock
as above, and one wins.

Rank 0 takes the lock; the other ranks learn the outcome from it. Our
train loop takes it before it reads a checkpoint and releases it when
training ends, however it ends (a killed run leaves a stale lock, which
the next run takes over).
"""
import datetime
import json
import os
import os.path as osp
import socket
import threading
import time
import uuid
from typing import Optional

LOCK_FILE = '.mmrethink-lock'
#: seconds between the holder's refreshes of the lock's modification time
HEARTBEAT = 30.0
#: a lock of another host whose heartbeat is older than this is stale
STALE_AFTER = 180.0


class WorkDirBusy(RuntimeError):
    """The work dir is held by a live run."""


def _stat(pid: int) -> Optional[list]:
    """The fields of ``/proc/<pid>/stat`` after the command name (which may
    hold spaces): state first; None without such a process or ``/proc``."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()
    except OSError:
        return None


def _process_start(pid: int) -> Optional[str]:
    """The start time of process ``pid`` (clock ticks after boot: field
    22), or None."""
    fields = _stat(pid)
    return None if fields is None else fields[19]


def _machine() -> str:
    """Where pids mean the same processes: the host's name, its boot and
    this pid namespace (containers that share a hostname do not share
    pids)."""
    parts = [socket.gethostname()]
    try:
        with open('/proc/sys/kernel/random/boot_id') as f:
            parts.append(f.read().strip())
        parts.append(str(os.stat('/proc/self/ns/pid').st_ino))
    except OSError:
        pass
    return '/'.join(parts)


def _alive(holder: dict) -> bool:
    """Whether a holder on this machine is a running process (a zombie,
    killed but not reaped, is not)."""
    pid = holder.get('pid')
    if not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: it exists
    fields = _stat(pid)
    if fields is None:
        return True  # no /proc: kill() said it exists
    if fields[0] in ('Z', 'X'):
        return False
    return holder.get('start') in (None, fields[19])


def describe(holder: dict, age: Optional[float] = None) -> str:
    heartbeat = '' if age is None else f', last heartbeat {age:.0f} s ago'
    return (f'host {holder.get("host")}, pid {holder.get("pid")}, since '
            f'{holder.get("since")}{heartbeat}')


class WorkDirLock:
    """The lock of one work dir, taken by :meth:`acquire` and given back by
    :meth:`release`.

    Args:
        work_dir (str): The run's work dir.
        heartbeat (float): Seconds between refreshes. Defaults to
            :data:`HEARTBEAT`.
        stale_after (float): Age of another host's heartbeat after which
            its lock is stale. Defaults to :data:`STALE_AFTER`.
    """

    def __init__(self, work_dir: str, heartbeat: float = HEARTBEAT,
                 stale_after: float = STALE_AFTER) -> None:
        self.path = osp.join(work_dir, LOCK_FILE)
        self.heartbeat, self.stale_after = heartbeat, stale_after
        self.token: Optional[str] = None
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def _me(self) -> dict:
        pid = os.getpid()
        return dict(host=socket.gethostname(), machine=_machine(), pid=pid,
                    start=_process_start(pid),
                    since=datetime.datetime.now().astimezone().isoformat(
                        timespec='seconds'),
                    token=uuid.uuid4().hex)

    def _read(self, path: str) -> Optional[dict]:
        try:
            with open(path) as f:
                return json.load(f)
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {}  # being written, or unreadable: judged by its age

    def _create(self, path: Optional[str] = None) -> Optional[str]:
        """Create ``path`` (the lock) exclusively, holding this process's
        description; its token, or None if it exists."""
        me = self._me()
        try:
            fd = os.open(path or self.path,
                         os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return None
        try:
            with os.fdopen(fd, 'w') as f:
                json.dump(me, f)
                f.flush()
                os.fsync(f.fileno())
        except BaseException:
            os.remove(path or self.path)  # no empty lock left behind
            raise
        return me['token']

    def stale(self, holder: dict, path: Optional[str] = None) -> bool:
        """Whether the lock of ``holder`` may be taken over."""
        if holder.get('machine', holder.get('host')) == _machine():
            return not _alive(holder)
        try:
            age = time.time() - os.stat(path or self.path).st_mtime
        except FileNotFoundError:
            return True
        return age > self.stale_after

    def acquire(self) -> None:
        """Hold the work dir, taking over a stale lock.

        Raises:
            WorkDirBusy: naming the live holder (host, pid, since) and the
                lock file.
        """
        os.makedirs(osp.dirname(self.path), exist_ok=True)
        for _ in range(100):
            self.token = self._create()
            if self.token is not None:
                self._start_heartbeat()
                return
            holder = self._read(self.path)
            if holder is None:
                continue  # released meanwhile: try again
            if not self.stale(holder):
                raise WorkDirBusy(self._busy(holder))
            self._take_over(holder)
        raise WorkDirBusy(f'{self.path}: could not take the lock (other '
                          'runs keep taking it)')

    def _take_over(self, holder: dict) -> None:
        """Remove the stale lock of ``holder``, under a second lock that
        makes the takers of one stale lock take turns: a taker removes the
        lock only if it still is the one judged stale, so that no taker
        removes the lock another has just created."""
        mutex = self.path + '.takeover'
        if self._create(mutex) is None:
            other = self._read(mutex)
            if other is not None and self.stale(other, mutex):
                try:  # a taker that died while taking over
                    os.remove(mutex)
                except FileNotFoundError:
                    pass
            else:
                time.sleep(0.01)
            return
        try:
            if self._read(self.path) == holder:
                os.remove(self.path)
        finally:
            os.remove(mutex)

    def _busy(self, holder: dict) -> str:
        try:
            age = time.time() - os.stat(self.path).st_mtime
        except FileNotFoundError:
            age = None
        return (f'{osp.dirname(self.path)} is the work dir of a run that is '
                f'still training ({describe(holder, age)}; {self.path}). '
                'Wait for it to end, stop it, or give this run another '
                '--work-dir. (A run that is gone leaves a lock the next run '
                'takes over: on its host at once, from another host '
                f'{self.stale_after:.0f} s after its last heartbeat.)')

    def _start_heartbeat(self) -> None:
        def beat():
            warned = False
            while not self._stop.wait(self.heartbeat):
                holder = self._read(self.path)
                if holder and holder.get('token') != self.token:
                    # taken over (this run was judged gone): say so once
                    # and leave the new holder's heartbeat alone
                    if not warned:
                        from mmengine.logging import print_log
                        print_log(f'{self.path}: another run took this '
                                  f'work dir over ({describe(holder)}); '
                                  'this run no longer holds it',
                                  logger='current', level=30)
                        warned = True
                    continue
                try:
                    os.utime(self.path)
                except OSError:
                    pass  # (a passing NFS error: try at the next beat)

        self._stop.clear()
        self._thread = threading.Thread(target=beat, daemon=True,
                                        name='work-dir-lock')
        self._thread.start()

    def release(self) -> None:
        """Give the lock back, if this process still holds it."""
        self._stop.set()
        if self.token is None:
            return
        holder = self._read(self.path)
        if holder and holder.get('token') == self.token:
            try:
                os.remove(self.path)
            except FileNotFoundError:
                pass
        self.token = None


def hold_work_dir(work_dir: str) -> Optional[WorkDirLock]:
    """Rank 0 takes ``work_dir``'s lock (released at exit at the latest);
    every rank ends with the holder's description if it is busy (or the
    error, if the file system refused), none left waiting.

    Returns:
        WorkDirLock: rank 0's lock (None on the other ranks).

    Raises:
        SystemExit: on every rank, naming the live holder.
    """
    import atexit

    from mmengine.dist import broadcast_object_list, get_rank
    lock, message = None, [None]
    if get_rank() == 0:
        lock = WorkDirLock(work_dir)
        try:
            lock.acquire()
            atexit.register(lock.release)
        except Exception as err:  # busy, or the file system said no
            message = [str(err) if isinstance(err, WorkDirBusy) else
                       f'{work_dir}: could not take the work dir\'s lock: '
                       f'{type(err).__name__}: {err}']
    broadcast_object_list(message)
    if message[0] is not None:
        raise SystemExit(f'error: {message[0]}')
    return lock
