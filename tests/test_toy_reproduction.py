"""The toy reproduction's Fig. 1 method: a shorter schedule forked from a
long run at its first lr drop is that schedule, bit for bit; and
tools/reproduce_toy.py runs end to end (with a tiny toy 1x)."""
import json
import os.path as osp
import textwrap

import pytest

from conftest import ROOT, TOY_CONFIG, run_python, toy_data_options
from mmrethink.utils.checkpoints import fork_checkpoint
from mmrethink.utils.schedules import paper_schedule

pytestmark = pytest.mark.slow
ONE_X = 12


def _config(tmp_path, num_x):
    max_iters, drops = paper_schedule(num_x, iters_per_x=ONE_X)
    path = tmp_path / f'toy_{num_x}x.py'
    path.write_text(textwrap.dedent(f'''
        _base_ = {TOY_CONFIG!r}
        custom_imports = dict(imports=['mmrethink', 'trace_run'],
                              allow_failed_imports=False)
        custom_hooks = [dict(type='CurveHook'), dict(type='DivergenceHook'),
                        dict(type='RandomStateHook'), dict(type='TraceHook')]
        train_dataloader = dict(batch_size=2)
        train_cfg = dict(max_iters={max_iters}, val_interval=4,
                         dynamic_intervals=None)
        param_scheduler = [
            dict(type='LinearLR', start_factor=1.0 / 3, by_epoch=False,
                 begin=0, end=2),
            dict(type='MultiStepLR', by_epoch=False, begin=0,
                 end={max_iters}, milestones={drops}, gamma=0.1)]
        default_hooks = dict(checkpoint=dict(interval=4))
        model = dict(test_cfg=dict(rcnn=dict(score_thr=0.0)))
    '''))
    return str(path)


def _train(config, work, toy_data, resume=None):
    import os
    env = dict(os.environ, PYTHONPATH=osp.join(ROOT, 'tests', 'helpers'))
    run_python([osp.join(ROOT, 'tools', 'train.py'), config, '--work-dir',
                str(work)] + (['--resume', resume] if resume else []) +
               ['--cfg-options', *toy_data_options(toy_data)], env=env)
    with open(work / 'weights.txt') as f:
        weights = f.read()
    with open(work / 'curve.jsonl') as f:
        curve = [json.loads(line) for line in f]
    return weights, curve


def test_a_fork_at_the_first_drop_is_that_schedule(toy_data, tmp_path):
    # toy 1x = 12 iterations: 1x drops at 4 and 9, 2x at 16 and 21
    long_weights, _ = _train(_config(tmp_path, 2), tmp_path / 'long',
                             toy_data)
    one_x, drops = paper_schedule(1, iters_per_x=ONE_X)
    assert drops == [4, 9]
    fork = tmp_path / 'fork'
    fork.mkdir()
    fork_checkpoint(str(tmp_path / 'long' / 'iter_4.pth'),
                    str(fork / 'iter_4.pth'), one_x, drops)
    forked = _train(_config(tmp_path, 1), fork, toy_data,
                    resume=str(fork / 'iter_4.pth'))
    alone = _train(_config(tmp_path, 1), tmp_path / 'alone', toy_data)
    assert forked == alone  # final weights and every curve point
    assert forked[0] != long_weights
    with pytest.raises(ValueError, match='fork at or before'):
        fork_checkpoint(str(tmp_path / 'long' / 'iter_8.pth'),
                        str(tmp_path / 'late.pth'), one_x, drops)


def test_reproduce_toy_end_to_end(tmp_path):
    work, results, figures = (tmp_path / 'work', tmp_path / 'results',
                              tmp_path / 'figures')
    out = run_python([
        osp.join(ROOT, 'tools', 'reproduce_toy.py'), '--work-dir',
        str(work), '--data-root', str(tmp_path / 'data'), '--results-dir',
        str(results), '--figures', str(figures), '--one-x', '12',
        '--pretrain-images', '300', '--pretrain-epochs', '1'
    ], timeout=1800)
    stems = sorted(p.stem for p in results.glob('*.json'))
    assert len(stems) == 8, stems
    for stem in stems:
        record = json.loads((results / f'{stem}.json').read_text())
        num_x = int(stem.split('toy-')[1].split('x')[0])
        assert record['iterations'] == 12 * num_x, stem
    for name in ('toy_fig1', 'toy_less_data'):
        assert (figures / f'{name}.png').read_bytes()[:4] == b'\x89PNG'
    assert 'total:' in out
