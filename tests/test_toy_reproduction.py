"""The toy study's method: a shorter schedule forked from a long run at its
first lr drop is that schedule, bit for bit; the in-tree study configs are
what the study derives; and tools/reproduce_toy.py runs end to end (tiny
sizes and lengths)."""
import filecmp
import json
import os.path as osp
import textwrap

import pytest
import torch

from conftest import (ROOT, TOY_CONFIG, call_python, run_python,
                      run_tool_main, toy_data_options)
from mmrethink.schedules import fork_checkpoint
from mmrethink.schedules import short_schedule

pytestmark = pytest.mark.slow


def _config(tmp_path, length):
    max_iters, drops = short_schedule(length)
    path = tmp_path / f'toy_{length}it.py'
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
    """tools/train.py's main in this process (the schedules are what is
    tested here, not the command line)."""
    run_tool_main('train', [config, '--work-dir', work] + (
        ['--resume', resume] if resume else []) + [
        '--cfg-options', *toy_data_options(toy_data)])
    with open(work / 'weights.txt') as f:
        weights = f.read()
    with open(work / 'curve.jsonl') as f:
        curve = [json.loads(line) for line in f]
    return weights, curve


def test_a_fork_at_the_first_drop_is_that_schedule(toy_data, tmp_path):
    # the subset rule: 6 iterations drop at 4 and 5, 12 at 8 and 10
    long_weights, _ = _train(_config(tmp_path, 12), tmp_path / 'long',
                             toy_data)
    one_x, drops = short_schedule(6)
    assert drops == [4, 5]
    fork = tmp_path / 'fork'
    fork.mkdir()
    fork_checkpoint(str(tmp_path / 'long' / 'iter_4.pth'),
                    str(fork / 'iter_4.pth'), one_x, drops)
    forked = _train(_config(tmp_path, 6), fork, toy_data,
                    resume=str(fork / 'iter_4.pth'))
    alone = _train(_config(tmp_path, 6), tmp_path / 'alone', toy_data)
    assert forked == alone  # final weights and every curve point
    assert forked[0] != long_weights
    with pytest.raises(ValueError, match='fork at or before'):
        fork_checkpoint(str(tmp_path / 'long' / 'iter_8.pth'),
                        str(tmp_path / 'late.pth'), one_x, drops)


def test_in_tree_study_configs_are_what_the_study_derives(tmp_path):
    run_python([osp.join(ROOT, 'tools', 'reproduce_toy.py'),
                '--write-configs', str(tmp_path)])
    tree = osp.join(ROOT, 'configs', 'toy', 'study')
    written = sorted(p.name for p in tmp_path.glob('*.py'))
    assert len(written) == 18  # 3 sizes x 2 arms x 3 lengths
    match, mismatch, errors = filecmp.cmpfiles(tree, str(tmp_path), written,
                                               shallow=False)
    assert (mismatch, errors) == ([], []) and len(match) == 18


def test_reproduce_toy_end_to_end(tmp_path):
    """The study's driver end to end at a tiny size (its main in this
    process; every training it starts is a command line of its own, as in
    the study)."""
    work, results, figures = (tmp_path / 'work', tmp_path / 'results',
                              tmp_path / 'figures')
    out = run_tool_main('reproduce_toy', [
        '--work-dir', work, '--data-root', tmp_path / 'data',
        '--results-dir', results, '--figures', figures, '--sizes', 8, 16,
        '--iters', 6, 12, '--num-train', 20, '--num-val', 4,
        '--pretrain-images', 200, '--pretrain-epochs', 1])
    stems = sorted(p.stem for p in results.glob('*.json'))
    assert len(stems) == 8, stems  # 2 sizes x 2 arms x 2 lengths
    for stem in stems:
        record = json.loads((results / f'{stem}.json').read_text())
        length = int(stem.split('_1xb4-')[1].split('it_')[0])
        assert record['iterations'] == length, stem
        for key in ('log', 'curve'):  # the text files go with the records
            assert (results / 'logs' / record[key]).is_file()
    for name in ('toy_fig1', 'toy_less_data', 'toy_gap'):
        assert (figures / f'{name}.png').read_bytes()[:4] == b'\x89PNG'
    table = (figures / 'toy_study.md').read_text()
    assert table.count('| scratch |') == 2 and 'gap' in table
    assert 'size 16: ' in out and 'total:' in out


@pytest.mark.skipif(torch.cuda.is_available(),
                    reason='with a GPU the preset runs (the test below)')
def test_gpu_preset_without_a_gpu_says_so(tmp_path):
    proc = call_python([
        osp.join(ROOT, 'tools', 'reproduce_toy.py'), '--preset', 'gpu',
        '--work-dir', str(tmp_path / 'work'), '--data-root',
        str(tmp_path / 'data'), '--num-train', '20', '--num-val', '8',
        '--sizes', '8', '16', '--iters', '6', '12'])
    assert proc.returncode == 1
    assert '--device cuda: torch sees no GPU here' in proc.stdout


@pytest.mark.skipif(not torch.cuda.is_available(),
                    reason='the GPU preset trains on CUDA: needs a GPU')
def test_gpu_preset_end_to_end_tiny(tmp_path):
    out = run_python([
        osp.join(ROOT, 'tools', 'reproduce_toy.py'), '--preset', 'gpu',
        '--device', 'cuda', '--work-dir', str(tmp_path / 'work'),
        '--data-root', str(tmp_path / 'data'), '--results-dir',
        str(tmp_path / 'results'), '--figures', str(tmp_path / 'figures'),
        '--sizes', '8', '16', '--iters', '6', '12', '--num-train', '20',
        '--num-val', '8', '--pretrain-images', '200', '--pretrain-epochs',
        '1'], timeout=1800)
    assert len(list((tmp_path / 'results').glob('*.json'))) == 8
    assert 'total:' in out
