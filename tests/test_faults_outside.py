"""Faults sent from outside the run, as schedulers and users send them: a
2-rank run through tools/dist_train.sh with 2 persistent loader workers per
rank and no fixed seed, watched from this (separate) process through its
work dir and stopped by signals to its processes, never by a hook.

- A SIGKILL of the launcher's process group (bash and torchrun; torchrun
  starts each rank in a session of its own) leaves no process of the run
  within seconds, and no checkpoint but the one of the ranks' stop; the
  control without pre-emption (``stop_signals=[]``) shows the ranks
  training on, unattended.
- A second launch into the work dir of a live run exits non-zero, naming
  the holder, while the live run goes on.
"""
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import ROOT, TOY_CONFIG, launch_env, toy_data_options

pytestmark = pytest.mark.slow


def config(tmp_path, name, max_iters=400, extra=''):
    path = tmp_path / f'{name}.py'
    path.write_text(textwrap.dedent(f'''
        _base_ = {TOY_CONFIG!r}
        custom_imports = dict(imports=['mmrethink', 'trace_run'],
                              allow_failed_imports=False)
        custom_hooks = [dict(type='CurveHook'), dict(type='RandomStateHook'),
                        dict(type='TraceHook')]
        loader = dict(batch_size=2, num_workers=2, persistent_workers=True)
        train_dataloader = loader
        val_dataloader = loader
        test_dataloader = loader
        train_cfg = dict(max_iters={max_iters}, val_interval=1000,
                         dynamic_intervals=None)
        default_hooks = dict(checkpoint=dict(interval=4, max_keep_ckpts=-1),
                             logger=dict(interval=1))
        randomness = dict(seed=None)
    ''') + textwrap.dedent(extra))
    return str(path)


def start(cfg, work, toy_data, log, ranks=2):
    """tools/dist_train.sh (``ranks`` processes) or tools/train.py (1) in a
    session of its own, as a job is, its output into ``log``."""
    tool = (['bash', osp.join(ROOT, 'tools', 'dist_train.sh'), cfg,
             str(ranks)] if ranks > 1 else
            [sys.executable, osp.join(ROOT, 'tools', 'train.py'), cfg])
    cmd = tool + ['--work-dir', str(work), '--resume', '--cfg-options',
                  *toy_data_options(toy_data)]
    out = open(log, 'w')
    proc = subprocess.Popen(cmd, env=launch_env(), stdout=out,
                            stderr=subprocess.STDOUT,
                            start_new_session=True)
    proc.log = log
    return proc


def trained(work) -> int:
    """The last iteration rank 0 finished (TraceHook's trace)."""
    try:
        with open(osp.join(work, 'trace.jsonl')) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return 0
    return max((int(re.search(r'"iter": (\d+)', ln).group(1))
                for ln in lines if ln.endswith('}')), default=0)


def wait_for(predicate, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    pytest.fail(f'timed out after {timeout} s waiting for {what}')


def processes_of(work) -> list:
    """Every process whose command line names ``work`` (the launcher, the
    ranks and their loader workers, which are forks of them)."""
    found = []
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            with open(f'/proc/{pid}/cmdline', 'rb') as f:
                cmdline = f.read()
            with open(f'/proc/{pid}/stat') as f:
                state = f.read().rsplit(')', 1)[1].split()[0]
        except OSError:
            continue
        if str(work).encode() in cmdline and state != 'Z':
            found.append(int(pid))
    return found


def checkpoints(work) -> set:
    return {f for f in os.listdir(work) if re.fullmatch(r'iter_\d+\.pth', f)}


def kill_all(work) -> None:
    for pid in processes_of(work):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_a_killed_launcher_leaves_no_rank_and_a_second_run_is_refused(
        toy_data, tmp_path):
    work = tmp_path / 'work'
    run = start(config(tmp_path, 'run'), work, toy_data, tmp_path / 'a.log')
    try:
        wait_for(lambda: trained(work) >= 3, 300, 'training to start')
        # a second run into the live run's work dir (the relaunch a user or
        # a scheduler makes): refused, naming the holder
        second = subprocess.run(
            [sys.executable, osp.join(ROOT, 'tools', 'train.py'),
             config(tmp_path, 'second'), '--work-dir', str(work),
             '--resume', '--cfg-options', *toy_data_options(toy_data)],
            env=launch_env(), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, timeout=300)
        assert second.returncode != 0, second.stdout[-3000:]
        assert re.search(r'is the work dir of a run that is still training '
                         r'\(host \S+, pid \d+, since \S+', second.stdout), \
            second.stdout[-3000:]
        at_refusal = trained(work)
        wait_for(lambda: trained(work) > at_refusal + 2, 120,
                 'the live run to go on')
        assert run.poll() is None

        # SIGKILL to the launcher's process group: bash and torchrun only
        before = checkpoints(work)
        os.killpg(run.pid, signal.SIGKILL)
        killed_at = time.time()
        wait_for(lambda: not processes_of(work), 30,
                 'every process of the run to end')
        print(f'no process of the run {time.time() - killed_at:.1f} s after '
              'the kill')
        # the ranks stopped as on a SIGTERM: one checkpoint, of the
        # iteration they stopped at, and nothing trained after it
        log = ''.join(open(f).read() for f in work.glob('*/*.log'))
        stop = re.findall(r'SIGTERM during training: saved iter_(\d+)\.pth',
                          log)
        assert len(stop) == 1, log[-3000:]
        assert checkpoints(work) - before == {f'iter_{stop[0]}.pth'}
        assert trained(work) == int(stop[0])
        assert not (work / '.mmrethink-lock').exists()  # released
    finally:
        kill_all(work)


def test_control_without_preemption_the_ranks_train_on(toy_data, tmp_path):
    """The same kill with pre-emption switched off (``stop_signals=[]``,
    which also leaves the launcher-death signal unset): the ranks outlive
    their launcher and go on writing checkpoints."""
    work = tmp_path / 'work'
    run = start(config(tmp_path, 'off', extra='''
        train_cfg = dict(stop_signals=[])
    '''), work, toy_data, tmp_path / 'off.log')
    try:
        wait_for(lambda: trained(work) >= 3, 300, 'training to start')
        os.killpg(run.pid, signal.SIGKILL)
        at_kill = trained(work)
        before = checkpoints(work)
        wait_for(lambda: len(checkpoints(work) - before) >= 2, 120,
                 'the orphaned ranks to write checkpoints')
        assert processes_of(work)  # still there
        assert trained(work) > at_kill + 4
    finally:
        kill_all(work)


# --- chaos: stops at random moments, relaunched with --resume each time ----
CHAOS_ITERS = 20
CHAOS = '''
    custom_hooks = [dict(type='CurveHook'), dict(type='RandomStateHook'),
                    dict(type='TraceHook'), dict(type='BallastHook'),
                    dict(type='SlowValidationHook')]
    train_cfg = dict(max_iters=20, val_interval=4)
    param_scheduler = [
        dict(type='LinearLR', start_factor=1.0 / 3, by_epoch=False,
             begin=0, end=6),
        dict(type='MultiStepLR', by_epoch=False, begin=0, end=20,
             milestones=[15, 18], gamma=0.1)]
    # keep every box, so that validation has detections to score
    model = dict(test_cfg=dict(rcnn=dict(score_thr=0.0)))
'''


def chaos_plan(rng):
    """The stops of one chaos run, in order: (what, the iteration after
    which it lands, a delay into the next iteration in seconds). One during
    a validation, one while a checkpoint is written, two after the lr
    drops at 15 and 18."""
    early = rng.randint(2, 3)
    return [('group SIGTERM', early, rng.uniform(0, 0.3)),
            ('group SIGTERM during validation', 4, rng.uniform(0, 0.3)),
            ('SIGKILL during a checkpoint write', 8, 0.0),
            ('launcher group SIGKILL', rng.randint(9, 14),
             rng.uniform(0, 0.3)),
            ('group SIGTERM', rng.randint(15, 16), rng.uniform(0, 0.3)),
            ('SIGKILL of every process', 18, rng.uniform(0, 0.1))]


def process_groups(work) -> set:
    groups = set()
    for pid in processes_of(work):
        try:
            groups.add(os.getpgid(pid))
        except ProcessLookupError:
            pass  # ended meanwhile
    return groups


def stop_run(run, work, what):
    """Send ``what`` from outside; for the write kill, while the
    checkpoint's temporary file exists (the run is stopped with SIGSTOP the
    moment the file shows, the file checked, then killed)."""
    if what.startswith('group SIGTERM'):
        # the job's processes, as slurm and Kubernetes signal them: the
        # launcher's group and each rank's session (torchrun's own)
        for pgid in process_groups(work):
            os.killpg(pgid, signal.SIGTERM)
    elif what == 'launcher group SIGKILL':
        os.killpg(run.pid, signal.SIGKILL)
    elif what == 'SIGKILL of every process':
        kill_all(work)
    else:
        def writing():
            return [f for f in os.listdir(work) if f.startswith('.iter_')]

        # the run's processes once its ranks train, then a tight watch of
        # the folder: the write lasts a fraction of a second
        start_at = trained(work)
        wait_for(lambda: trained(work) > start_at, 300, 'training to resume')
        pids = processes_of(work)
        deadline = time.time() + 300
        while not writing():
            assert time.time() < deadline, 'no checkpoint write'
            time.sleep(0.001)
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        temps = writing()
        assert temps, 'the write ended before the run was stopped'
        final = temps[0][1:].split('.pth.')[0] + '.pth'
        assert final not in os.listdir(work)  # not renamed yet
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        return final


def test_chaos_from_outside_ends_as_the_uninterrupted_run(toy_data,
                                                           tmp_path):
    import random
    chaos_seed = random.randrange(2**31)
    rng = random.Random(chaos_seed)
    plan = chaos_plan(rng)
    print(f'chaos seed {chaos_seed}: {plan}')
    cfg = config(tmp_path, 'chaos', CHAOS_ITERS, CHAOS)
    work = tmp_path / 'work'
    try:
        for n, (what, after, delay) in enumerate(plan):
            if what == 'SIGKILL during a checkpoint write':
                work.mkdir(exist_ok=True)
                (work / '.ballast').touch()  # its next write is slow
            run = start(cfg, work, toy_data, tmp_path / f'{n}.log')
            # this launch's progress: past what the earlier ones trained
            base = trained(work)
            if what.endswith('during validation'):
                wait_for(lambda: 'Iter(val)' in open(run.log).read(), 300,
                         f'the validation after iteration {after}')
                time.sleep(delay)
            elif what != 'SIGKILL during a checkpoint write':
                wait_for(lambda: trained(work) >= max(after, base + 1) or
                         run.poll() is not None, 300, f'iteration {after}')
                time.sleep(delay)
            killed_write = stop_run(run, work, what)
            wait_for(lambda: run.poll() is not None and not processes_of(
                work), 120, f'the run to end after {what}')
            log = open(run.log).read()
            print(f'{what} after iteration {after} (+{delay:.2f} s): '
                  f'exit {run.returncode}, trained {trained(work)}')
            if 'SIGKILL' in what:
                assert run.returncode == -signal.SIGKILL, log[-3000:]
            if what == 'launcher group SIGKILL':  # the ranks stopped
                assert 'SIGTERM during training: saved' in log, log[-3000:]
            if killed_write:
                assert killed_write not in os.listdir(work)
            if 'SIGTERM' in what:
                assert run.returncode == 143, log[-3000:]
                assert 'DataLoader worker' not in log
                during = 'validation' if 'validation' in what else \
                    '(training|validation)'
                assert re.search(rf'SIGTERM during {during}: saved '
                                 r'iter_\d+\.pth', log), log[-3000:]
        run = start(cfg, work, toy_data, tmp_path / 'last.log')
        assert run.wait(timeout=600) == 0, open(run.log).read()[-4000:]
    finally:
        kill_all(work)
    # the killed write left its temporary file, removed at the next start
    assert not [f for f in os.listdir(work) if f.endswith('-tmp')]

    # the uninterrupted run with the seed the first launch drew
    from mmrethink.checkpoint.safe_load import load_checkpoint_file
    seeds = {load_checkpoint_file(str(work / f))['meta']['seed']
             for f in checkpoints(work)}
    assert len(seeds) == 1, seeds
    seed = seeds.pop()
    print(f'the seed the first launch drew: {seed}')
    ref = tmp_path / 'ref'
    plain = config(tmp_path, 'ref', CHAOS_ITERS,
                   CHAOS + f'    randomness = dict(seed={seed})\n')
    run = start(plain, ref, toy_data, tmp_path / 'ref.log')
    assert run.wait(timeout=600) == 0, open(run.log).read()[-4000:]
    for rank in (0, 1):
        suffix = '' if rank == 0 else str(rank)
        assert last_per_iteration(work / f'trace{suffix}.jsonl') == \
            last_per_iteration(ref / f'trace{suffix}.jsonl'), rank
        assert (work / f'weights{suffix}.txt').read_text() == \
            (ref / f'weights{suffix}.txt').read_text(), rank
    curve = (work / 'curve.jsonl').read_text()
    assert curve == (ref / 'curve.jsonl').read_text()
    assert curve.count('\n') == CHAOS_ITERS // 4


def last_per_iteration(path):
    """The last loss and lr logged for each iteration (a SIGKILL repeats
    the iterations after the last checkpoint)."""
    import json
    trace = {}
    with open(path) as f:
        for line in f:
            t = json.loads(line)
            trace[t['iter']] = (t['loss'], t['lr'])
    return trace


# --- the control: pre-emption without the workers' signal mask --------------
@pytest.mark.parametrize('mask', [True, False], ids=['mask', 'no-mask'])
def test_group_sigterm_needs_the_workers_signal_mask(toy_data, tmp_path,
                                                     mask):
    """A group SIGTERM reaches the loader workers too: with our mask they
    never see it and the run saves ``iter_N.pth`` and exits 143; without it
    (``no_worker_mask``, an ablation) they die first and the run ends with
    torch's error and no checkpoint of its stop."""
    imports = "['mmrethink', 'trace_run']" if mask else \
        "['mmrethink', 'trace_run', 'no_worker_mask']"
    cfg = config(tmp_path, 'run', extra=f'''
        custom_imports = dict(imports={imports},
                              allow_failed_imports=False)
    ''')
    work = tmp_path / 'work'
    run = start(cfg, work, toy_data, tmp_path / 'run.log', ranks=1)
    try:
        wait_for(lambda: trained(work) >= 3, 300, 'training to start')
        workers = [p for p in processes_of(work) if p != run.pid]
        assert len(workers) == 2  # the 2 persistent loader workers
        before = checkpoints(work)
        os.killpg(run.pid, signal.SIGTERM)
        run.wait(timeout=120)
    finally:
        kill_all(work)
    log = open(run.log).read()
    stop = trained(work)
    if mask:
        assert run.returncode == 143, log[-3000:]
        assert f'saved iter_{stop}.pth (iteration {stop})' in log
        assert f'iter_{stop}.pth' in checkpoints(work)
        assert 'DataLoader worker' not in log
    else:
        assert run.returncode not in (0, 143), log[-3000:]
        assert 'DataLoader worker' in log, log[-3000:]
        assert 'saved iter_' not in log
        # at most the interval's own checkpoint of the last iteration
        assert checkpoints(work) - before <= {f'iter_{stop}.pth'}
