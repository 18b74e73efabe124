"""Kill-and-resume as users' runs meet it: two persistent loader workers per
process, signals sent to the whole process group (what slurm, Kubernetes
and torchrun's agent do), SIGKILL, during training, during validation and
while a checkpoint is written; no fixed seed; one process and two through
tools/dist_train.sh. Each run ends exactly where the uninterrupted run with
the same seed ends.

The toy config, 20 iterations at batch 2, validation and checkpoints every
4 iterations, a warm-up of 6 iterations and lr drops at 15 and 18.

Tolerance: none. On CPU every operation of the toy model is deterministic
(two uninterrupted runs give the same weights, bit for bit), so anything
short of equality would hide a resume bug. ``test_without_random_state_hook``
shows what the equality needs.
"""
import json
import os
import os.path as osp
import random
import signal
import subprocess
import sys
import textwrap

import pytest

from conftest import (ROOT, TOY_CONFIG, free_port, run_tool_main,
                      toy_data_options)
from mmrethink.runner import PREEMPTED_EXIT_CODE
from mmrethink.checkpoint.safe_load import load_checkpoint_file

pytestmark = pytest.mark.slow

HOOKS = ("dict(type='CurveHook'), dict(type='DivergenceHook'), "
         "dict(type='RandomStateHook'), dict(type='TraceHook')")


def _config(tmp_path, name, seed='None', hooks=HOOKS, extra_hook=None,
            val_interval=4):
    hooks = hooks + (f', {extra_hook}' if extra_hook else '')
    path = tmp_path / f'{name}.py'
    path.write_text(textwrap.dedent(f'''
        _base_ = {TOY_CONFIG!r}
        custom_imports = dict(imports=['mmrethink', 'trace_run'],
                              allow_failed_imports=False)
        custom_hooks = [{hooks}]
        loader = dict(batch_size=2, num_workers=2, persistent_workers=True)
        train_dataloader = loader
        val_dataloader = loader
        test_dataloader = loader
        train_cfg = dict(max_iters=20, val_interval={val_interval})
        param_scheduler = [
            dict(type='LinearLR', start_factor=1.0 / 3, by_epoch=False,
                 begin=0, end=6),
            dict(type='MultiStepLR', by_epoch=False, begin=0, end=20,
                 milestones=[15, 18], gamma=0.1)]
        default_hooks = dict(checkpoint=dict(interval=4, max_keep_ckpts=10),
                             logger=dict(interval=1))
        randomness = dict(seed={seed})
        # keep every box, so that validation has detections to score
        model = dict(test_cfg=dict(rcnn=dict(score_thr=0.0)))
    '''))
    return str(path)


def _env():
    env = dict(os.environ)
    env['PATH'] = osp.dirname(sys.executable) + os.pathsep + env['PATH']
    env['PYTHONPATH'] = osp.join(ROOT, 'tests', 'helpers')
    env['OMP_NUM_THREADS'] = '1'
    return env


def _launch(config, work_dir, toy_data, resume=False, ranks=1):
    """tools/train.py (or tools/dist_train.sh with ``ranks`` processes) in a
    process group of its own, as a job is; return (status, output)."""
    options = ['--work-dir', str(work_dir)] + (['--resume'] if resume else
                                               [])
    options += ['--cfg-options', *toy_data_options(toy_data)]
    if ranks == 1:
        cmd = [sys.executable, osp.join(ROOT, 'tools', 'train.py'), config]
    else:
        cmd = ['bash', osp.join(ROOT, 'tools', 'dist_train.sh'), config,
               str(ranks)]
    env = dict(_env(), PORT=str(free_port()))
    proc = subprocess.run(cmd + options, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=900,
                          start_new_session=True)
    return proc.returncode, proc.stdout


def _train_here(config, work_dir, toy_data):
    """An uninterrupted single-process run in this process (what a
    comparison is made against, not a launch under test: the same
    ``tools/train.py`` main without a new interpreter's start-up)."""
    run_tool_main('train', [config, '--work-dir', work_dir,
                            '--cfg-options', *toy_data_options(toy_data)])


def _read(work_dir, rank=0):
    """The last loss and lr logged for each iteration, the curve, the final
    weights' digest."""
    suffix = '' if rank == 0 else str(rank)
    trace = {}
    with open(osp.join(work_dir, f'trace{suffix}.jsonl')) as f:
        for line in f:
            t = json.loads(line)
            trace[t['iter']] = (t['loss'], t['lr'])
    with open(osp.join(work_dir, 'curve.jsonl')) as f:
        curve = [json.loads(line) for line in f]
    with open(osp.join(work_dir, f'weights{suffix}.txt')) as f:
        weights = f.read()
    return trace, curve, weights


def _checkpoints(work_dir):
    return sorted(f for f in os.listdir(work_dir) if f.endswith('.pth'))


#: (phase, signal, to the whole group): the ways a run gets stopped
STOPS = [('train', 'SIGTERM', True), ('val', 'SIGTERM', True),
         ('save', 'SIGKILL', True), ('train', 'SIGKILL', True),
         ('val', 'SIGKILL', False)]


def _stop_points(seed):
    """The five stops in a random order, at random iterations (seeded: a
    failure repeats), one after the other in the run."""
    rng = random.Random(seed)
    stops = STOPS[:]
    rng.shuffle(stops)
    points, last = [], 0
    for phase, sig, group in stops:
        # validation and checkpoints happen every 4 iterations: the next
        # one, or one of the next two training iterations
        choices = [i for i in range(last + 1, 21) if phase == 'train'
                   or i % 4 == 0]
        it = rng.choice(choices[:2] if phase == 'train' else choices[:1])
        points.append((it, phase, sig, group))
        last = it
    return points


def _check_stop(status, out, work, point):
    it, phase, sig, group = point
    if sig == 'SIGTERM':
        assert status == PREEMPTED_EXIT_CODE, out[-4000:]
        assert 'DataLoader worker' not in out  # workers did not die first
        assert f'saved iter_{it}.pth (iteration {it})' in out, out[-3000:]
        assert f'iter_{it}.pth' in _checkpoints(work)
    else:
        assert status == -signal.SIGKILL, out[-4000:]
        if phase == 'save':  # killed between the data and the rename
            assert f'iter_{it}.pth' not in _checkpoints(work)
            assert any(f.startswith(f'.iter_{it}.pth.')
                       for f in os.listdir(work))


def _chaos(tmp_path, toy_data, ranks, points, seed='None'):
    work = tmp_path / 'work'
    outs = []
    for n, point in enumerate(points):
        it, phase, sig, group = point
        stop = (f"dict(type='SignalAtHook', iteration={it}, "
                f"signal_name={sig!r}, phase={phase!r}, group={group})")
        status, out = _launch(_config(tmp_path, 'stop', seed,
                                      extra_hook=stop), work, toy_data,
                              resume=True, ranks=ranks)
        _check_stop(status, out, work, point)
        outs.append(out)
    status, out = _launch(_config(tmp_path, 'plain', seed), work, toy_data,
                          resume=True, ranks=ranks)
    assert status == 0, out[-6000:]
    return work, outs + [out]


def test_five_stops_single_process_equal_the_uninterrupted_run(toy_data,
                                                              tmp_path):
    points = _stop_points(seed=3)
    assert sorted(p[1:] for p in points) == sorted(STOPS)
    work, outs = _chaos(tmp_path, toy_data, 1, points)
    # no fixed seed: the first launch drew one, every launch used it (the
    # reference below runs with it)
    seeds = {load_checkpoint_file(str(work / f))['meta']['seed']
             for f in _checkpoints(work)}
    assert len(seeds) == 1
    seed = seeds.pop()
    # resumes skipped the trained batches instead of replaying them
    # (mmengine's loop still logs "Advance dataloader N steps": it asks for
    # them, and ours answers without the loader)
    assert any('skipped' in o and 'trained batches and loaded the next' in o
               and 'indices drawn, no image read' in o for o in outs[1:])
    # a write killed half-way left a temporary file, removed at the next
    # start
    if any(p[1] == 'save' for p in points):
        assert any('left by a write that was killed' in o for o in outs)
    assert not [f for f in os.listdir(work) if f.endswith('-tmp')]

    ref = tmp_path / 'ref'
    _train_here(_config(tmp_path, 'ref', seed), ref, toy_data)
    trace, curve, weights = _read(work)
    ref_trace, ref_curve, ref_weights = _read(ref)
    assert sorted(trace) == list(range(1, 21))
    assert trace == ref_trace  # every loss and lr
    assert [p['iter'] for p in curve] == [4, 8, 12, 16, 20]
    assert curve == ref_curve  # every point, no point lost or repeated
    assert weights == ref_weights


@pytest.mark.skipif(
    __import__('torch').cuda.is_available(),
    reason='two CPU processes (gloo) through tools/dist_train.sh')
def test_stops_of_two_processes_equal_the_uninterrupted_run(toy_data,
                                                           tmp_path):
    points = [(3, 'train', 'SIGTERM', True), (8, 'val', 'SIGTERM', True),
              (10, 'train', 'SIGKILL', True)]
    work, outs = _chaos(tmp_path, toy_data, 2, points, seed=0)
    ref = tmp_path / 'ref'
    status, out = _launch(_config(tmp_path, 'ref', 0), ref, toy_data,
                          ranks=2)
    assert status == 0, out[-6000:]
    for rank in (0, 1):
        trace, curve, weights = _read(work, rank)
        ref_trace, ref_curve, ref_weights = _read(ref, rank)
        assert trace == ref_trace, rank
        assert curve == ref_curve
        assert weights == ref_weights, rank


def test_without_random_state_hook_resume_drifts(toy_data, tmp_path):
    """Without RandomStateHook the model's random stream after a resume is
    not the uninterrupted run's."""
    hooks = HOOKS.replace("dict(type='RandomStateHook'), ", '')
    stop = ("dict(type='SignalAtHook', iteration=6, signal_name='SIGKILL')")
    _train_here(_config(tmp_path, 'ref', 0, hooks), tmp_path / 'ref',
                toy_data)
    _launch(_config(tmp_path, 'kill', 0, hooks, stop), tmp_path / 'work',
            toy_data)
    status, out = _launch(_config(tmp_path, 'plain', 0, hooks),
                          tmp_path / 'work', toy_data, resume=True)
    assert status == 0, out[-4000:]
    ref_trace, _, ref_weights = _read(tmp_path / 'ref')
    trace, _, weights = _read(tmp_path / 'work')
    assert [trace[i] for i in range(1, 5)] == [ref_trace[i]
                                               for i in range(1, 5)]
    assert any(trace[i] != ref_trace[i] for i in range(5, 21))
    assert weights != ref_weights


def test_validating_more_often_does_not_change_training(toy_data,
                                                        tmp_path):
    """Each iteration's random state comes from the seed and the
    iteration, so validation in between changes nothing."""
    _train_here(_config(tmp_path, 'ref', 0), tmp_path / 'ref', toy_data)
    _train_here(_config(tmp_path, 'dense', 0, val_interval=2),
                tmp_path / 'dense', toy_data)
    trace, curve, weights = _read(tmp_path / 'dense')
    ref_trace, _, ref_weights = _read(tmp_path / 'ref')
    assert [p['iter'] for p in curve] == list(range(2, 21, 2))
    assert trace == ref_trace and weights == ref_weights
