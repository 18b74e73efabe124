"""One writer per work dir: the lock refuses a second holder while the
first lives, names it, and is taken over once its holder is gone (on this
host: its process ended; from another host: its heartbeat stopped), by
exactly one of several runs at once. The launches that meet it are in
tests/test_faults_outside.py."""
import importlib.util
import json
import os
import os.path as osp
import socket
import subprocess
import sys
import time

import pytest

from conftest import ROOT

MODULE = osp.join(ROOT, 'mmrethink', 'runner', 'work_dir_lock.py')


def _module():
    """The lock module alone (stdlib only), as the racing processes below
    load it, without the package's imports."""
    spec = importlib.util.spec_from_file_location('work_dir_lock', MODULE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lock_module = _module()
WorkDirLock, WorkDirBusy = lock_module.WorkDirLock, lock_module.WorkDirBusy


def _holder(work, **fields):
    path = work / lock_module.LOCK_FILE
    path.write_text(json.dumps(dict(
        dict(host=socket.gethostname(), machine=lock_module._machine(),
             pid=os.getpid(), start=None,
             since='2026-12-05T10:00:00+00:00', token='theirs'), **fields)))
    return path


def test_a_live_holder_is_named_and_keeps_the_dir(tmp_path):
    first = WorkDirLock(str(tmp_path))
    first.acquire()
    with pytest.raises(WorkDirBusy) as err:
        WorkDirLock(str(tmp_path)).acquire()
    text = str(err.value)
    held = json.loads((tmp_path / lock_module.LOCK_FILE).read_text())
    assert f'host {socket.gethostname()}, pid {os.getpid()}, since ' \
           f'{held["since"]}' in text
    assert str(tmp_path) in text and 'another --work-dir' in text
    first.release()
    assert not (tmp_path / lock_module.LOCK_FILE).exists()
    second = WorkDirLock(str(tmp_path))
    second.acquire()  # free again
    second.release()


def test_a_holder_whose_process_ended_is_taken_over(tmp_path):
    ended = subprocess.run([sys.executable, '-c', 'import os; '
                            'print(os.getpid())'], capture_output=True,
                           text=True)
    _holder(tmp_path, pid=int(ended.stdout))
    lock = WorkDirLock(str(tmp_path))
    lock.acquire()
    assert json.loads((tmp_path / lock_module.LOCK_FILE).read_text())[
        'token'] == lock.token
    lock.release()


def test_a_reused_pid_is_not_the_holder(tmp_path):
    """The holder's pid now belongs to another process (ours): its start
    time tells them apart."""
    _holder(tmp_path, start='1')
    lock = WorkDirLock(str(tmp_path))
    lock.acquire()
    lock.release()
    _holder(tmp_path, start=lock_module._process_start(os.getpid()))
    with pytest.raises(WorkDirBusy):
        WorkDirLock(str(tmp_path)).acquire()


def test_a_zombie_holder_is_gone(tmp_path):
    """Killed but not reaped (where no init reaps it): not a holder."""
    zombie = subprocess.Popen([sys.executable, '-c', 'pass'])
    deadline = time.time() + 30
    while lock_module._stat(zombie.pid)[0] != 'Z' and time.time() < deadline:
        time.sleep(0.01)
    assert lock_module._stat(zombie.pid)[0] == 'Z'
    _holder(tmp_path, pid=zombie.pid,
            start=lock_module._process_start(zombie.pid))
    lock = WorkDirLock(str(tmp_path))
    lock.acquire()
    lock.release()
    zombie.wait()


def test_a_holder_of_the_same_name_in_another_pid_namespace(tmp_path):
    """A container that shares the host's name but not its pids: its pid
    means nothing here, so its heartbeat decides."""
    ended = subprocess.run([sys.executable, '-c', 'import os; '
                            'print(os.getpid())'], capture_output=True,
                           text=True)
    _holder(tmp_path, pid=int(ended.stdout),
            machine=lock_module._machine() + '-other-namespace')
    with pytest.raises(WorkDirBusy):  # its heartbeat is fresh
        WorkDirLock(str(tmp_path)).acquire()


def test_another_hosts_holder_is_judged_by_its_heartbeat(tmp_path):
    path = _holder(tmp_path, host='elsewhere', machine='elsewhere/boot/ns',
                   pid=1)
    with pytest.raises(WorkDirBusy, match='host elsewhere, pid 1, .*last '
                       'heartbeat'):
        WorkDirLock(str(tmp_path), stale_after=60).acquire()
    old = time.time() - 61
    os.utime(path, (old, old))
    lock = WorkDirLock(str(tmp_path), stale_after=60)
    lock.acquire()
    lock.release()


def test_the_holder_beats_and_releases_only_its_own(tmp_path):
    lock = WorkDirLock(str(tmp_path), heartbeat=0.05)
    lock.acquire()
    path = tmp_path / lock_module.LOCK_FILE
    old = time.time() - 1000
    os.utime(path, (old, old))
    deadline = time.time() + 5
    while path.stat().st_mtime < old + 500 and time.time() < deadline:
        time.sleep(0.05)
    assert path.stat().st_mtime > old + 500  # the heartbeat refreshed it
    # taken over meanwhile (its heartbeat judged stale elsewhere): the
    # release leaves the new holder's lock alone
    _holder(tmp_path, token='new holder')
    lock.release()
    assert json.loads(path.read_text())['token'] == 'new holder'


RACER = '''
import importlib.util, sys, time
spec = importlib.util.spec_from_file_location('work_dir_lock', {module!r})
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
lock = m.WorkDirLock({work!r})
while time.time() < {start}:
    time.sleep(0.001)
try:
    lock.acquire()
except m.WorkDirBusy:
    print('busy')
else:
    print('held')
    time.sleep(2)  # alive while the others try
    lock.release()
'''


def test_of_runs_taking_over_at_once_exactly_one_holds(tmp_path):
    _holder(tmp_path, pid=2**22 + 1)  # a pid no process has: stale
    start = time.time() + 1.5
    procs = [subprocess.Popen(
        [sys.executable, '-c', RACER.format(module=MODULE,
                                            work=str(tmp_path),
                                            start=start)],
        stdout=subprocess.PIPE, text=True) for _ in range(4)]
    outcomes = sorted(p.communicate(timeout=60)[0].strip() for p in procs)
    assert outcomes == ['busy', 'busy', 'busy', 'held']
    assert not list(tmp_path.glob('*.takeover'))
