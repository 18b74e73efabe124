"""Kill-and-resume: a run killed (SIGKILL) or told to stop (SIGTERM) and
resumed ends exactly where an uninterrupted run ends.

The toy config, 12 iterations at batch 2, validation and checkpoints every
4 iterations, a warm-up of 6 iterations and lr drops at 9 and 11 (so the
schedule is checked on both sides of the interruption). The signal comes at
iteration 6, between the checkpoints of 4 and 8.

Tolerance: none. On CPU every operation of the toy model is deterministic
(two uninterrupted runs give the same weights, bit for bit), so anything
short of equality would hide a resume bug. ``test_without_random_state_hook``
shows what the equality needs: without ``RandomStateHook`` (mmengine's own
resume) the model's random stream restarts and the resumed run drifts.
"""
import json
import os
import os.path as osp
import textwrap

import pytest

from conftest import ROOT, TOY_CONFIG, call_python, toy_data_options
from mmrethink.hooks import PREEMPTED_EXIT_CODE

HOOKS = ("dict(type='CurveHook'), dict(type='DivergenceHook'), "
         "dict(type='PreemptionHook'), dict(type='RandomStateHook'), "
         "dict(type='TraceHook')")


def _config(tmp_path, name, hooks=HOOKS, extra_hook=None, val_interval=4):
    hooks = hooks + (f', {extra_hook}' if extra_hook else '')
    path = tmp_path / f'{name}.py'
    path.write_text(textwrap.dedent(f'''
        _base_ = {TOY_CONFIG!r}
        custom_imports = dict(imports=['mmrethink', 'trace_run'],
                              allow_failed_imports=False)
        custom_hooks = [{hooks}]
        train_dataloader = dict(batch_size=2)
        train_cfg = dict(max_iters=12, val_interval={val_interval})
        param_scheduler = [
            dict(type='LinearLR', start_factor=1.0 / 3, by_epoch=False,
                 begin=0, end=6),
            dict(type='MultiStepLR', by_epoch=False, begin=0, end=12,
                 milestones=[9, 11], gamma=0.1)]
        default_hooks = dict(checkpoint=dict(interval=4, max_keep_ckpts=5))
        # keep every box, so that validation has detections to score
        model = dict(test_cfg=dict(rcnn=dict(score_thr=0.0)))
    '''))
    return str(path)


def _train(config, work_dir, toy_data, resume=False):
    env = dict(os.environ, PYTHONPATH=osp.join(ROOT, 'tests', 'helpers'))
    args = [osp.join(ROOT, 'tools', 'train.py'), config, '--work-dir',
            str(work_dir)] + (['--resume'] if resume else [])
    proc = call_python(args + ['--cfg-options', *toy_data_options(toy_data)],
                       env=env, timeout=600)
    return proc.returncode, proc.stdout


def _run(config, work_dir, toy_data, resume=False):
    code, out = _train(config, work_dir, toy_data, resume)
    assert code == 0, out[-6000:]


def _read(work_dir):
    trace = [json.loads(line)
             for line in open(osp.join(work_dir, 'trace.jsonl'))]
    curve = [json.loads(line)
             for line in open(osp.join(work_dir, 'curve.jsonl'))]
    with open(osp.join(work_dir, 'weights.txt')) as f:
        weights = f.read()
    return trace, curve, weights


@pytest.fixture(scope='module')
def reference(toy_data, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('reference')
    work = tmp / 'work'
    _run(_config(tmp, 'plain'), work, toy_data)
    return _read(work)


def _check_resumed(work, reference, restart_from):
    ref_trace, ref_curve, ref_weights = reference
    trace, curve, weights = _read(work)
    # the interrupted run did 1..6; the resumed one restarts after the
    # checkpoint it resumed from and goes on to 12
    iters = [t['iter'] for t in trace]
    assert iters == list(range(1, 7)) + list(range(restart_from + 1, 13))
    resumed = trace[6:]
    assert len({t['pid'] for t in resumed}) == 1
    by_iter = {t['iter']: t for t in ref_trace}
    for t in trace:
        # the lr schedule continues at the right iteration (warm-up until 6,
        # drops at 9 and 11), and every loss is the uninterrupted one's
        assert t['lr'] == by_iter[t['iter']]['lr'], t
        assert t['loss'] == by_iter[t['iter']]['loss'], t
    # milestones 9 and 11 count finished iterations: iterations 10 and 12
    # are the first at each lower lr
    assert [t['lr'] for t in ref_trace][8:] == pytest.approx(
        [0.005, 0.005 * 0.1, 0.005 * 0.1, 0.005 * 0.01])
    # no curve point lost or repeated, every metric equal
    assert [p['iter'] for p in curve] == [4, 8, 12]
    assert curve == ref_curve
    assert weights == ref_weights


def test_sigkill_between_checkpoints_then_resume(toy_data, tmp_path,
                                                 reference):
    work = tmp_path / 'work'
    killer = ("dict(type='SignalAtHook', iteration=6, "
              "signal_name='SIGKILL')")
    code, out = _train(_config(tmp_path, 'kill', extra_hook=killer), work,
                       toy_data)
    assert code == -9, out[-3000:]
    assert sorted(f for f in os.listdir(work) if f.endswith('.pth')) == \
        ['iter_4.pth']
    _run(_config(tmp_path, 'plain'), work, toy_data, resume=True)
    _check_resumed(work, reference, restart_from=4)


def test_sigterm_saves_the_current_iteration_then_resume(
        toy_data, tmp_path, reference):
    work = tmp_path / 'work'
    term = "dict(type='SignalAtHook', iteration=6, signal_name='SIGTERM')"
    code, out = _train(_config(tmp_path, 'term', extra_hook=term), work,
                       toy_data)
    assert code == PREEMPTED_EXIT_CODE, out[-3000:]
    assert 'PreemptionHook: SIGTERM: saved iter_6.pth at iteration 6' in out
    # mmengine alone dies at the signal: only iter_4.pth would exist
    assert sorted(f for f in os.listdir(work) if f.endswith('.pth')) == \
        ['iter_4.pth', 'iter_6.pth']
    with open(work / 'last_checkpoint') as f:
        assert f.read().endswith('iter_6.pth')
    _run(_config(tmp_path, 'plain'), work, toy_data, resume=True)
    # nothing is redone: the resumed run starts at iteration 7
    _check_resumed(work, reference, restart_from=6)


def test_without_random_state_hook_resume_drifts(toy_data, tmp_path):
    """mmengine's own resume: the model's random stream restarts."""
    hooks = HOOKS.replace("dict(type='RandomStateHook'), ", '')
    killer = ("dict(type='SignalAtHook', iteration=6, "
              "signal_name='SIGKILL')")
    _run(_config(tmp_path, 'plain', hooks), tmp_path / 'ref', toy_data)
    _train(_config(tmp_path, 'kill', hooks, killer), tmp_path / 'work',
           toy_data)
    _run(_config(tmp_path, 'plain', hooks), tmp_path / 'work', toy_data,
         resume=True)
    ref_trace, _, ref_weights = _read(tmp_path / 'ref')
    trace, _, weights = _read(tmp_path / 'work')
    by_iter = {t['iter']: t['loss'] for t in ref_trace}
    assert any(t['loss'] != by_iter[t['iter']] for t in trace[6:])
    assert weights != ref_weights


def test_validating_more_often_does_not_change_training(toy_data, tmp_path,
                                                        reference):
    """RandomStateHook gives validation its own random streams."""
    work = tmp_path / 'work'
    _run(_config(tmp_path, 'dense', val_interval=2), work, toy_data)
    trace, curve, weights = _read(work)
    assert [p['iter'] for p in curve] == [2, 4, 6, 8, 10, 12]
    assert [t['loss'] for t in trace] == [t['loss'] for t in reference[0]]
    assert weights == reference[2]
