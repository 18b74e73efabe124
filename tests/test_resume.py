"""What exact resumes rest on (the kill-and-resume runs themselves are
tests/test_faults_outside.py's, stopped from outside): without
RandomStateHook a resumed run drifts from the uninterrupted one, and
validating more often changes nothing of training.

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
import signal
import subprocess
import sys
import textwrap

import pytest

from conftest import (ROOT, TOY_CONFIG, launch_env, run_tool_main,
                      toy_data_options)

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
    env = launch_env()
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


def test_without_random_state_hook_resume_drifts(toy_data, tmp_path):
    """Without RandomStateHook the model's random stream after a resume is
    not the uninterrupted run's."""
    hooks = HOOKS.replace("dict(type='RandomStateHook'), ", '')
    stop = ("dict(type='SignalAtHook', iteration=6, signal_name='SIGKILL')")
    # launched as the runs it is compared with (on a GPU machine too: no
    # CUDA for any of them)
    status, out = _launch(_config(tmp_path, 'ref', 0, hooks),
                          tmp_path / 'ref', toy_data)
    assert status == 0, out[-4000:]
    status, out = _launch(_config(tmp_path, 'kill', 0, hooks, stop),
                          tmp_path / 'work', toy_data)
    # killed after iteration 6: its last checkpoint is iteration 4's
    assert status == -signal.SIGKILL, out[-4000:]
    assert [f for f in _checkpoints(tmp_path / 'work')
            if f.startswith('iter_')] == ['iter_4.pth']
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
