"""The toy study's method: a shorter schedule forked from a long run at its
first lr drop is that schedule, bit for bit; the in-tree study configs are
what the study derives; and tools/reproduce_toy.py runs end to end (tiny
sizes and lengths)."""
import filecmp
import json
import os.path as osp
import re
import textwrap
from pathlib import Path

import pytest

from conftest import (ROOT, TOY_CONFIG, run_python, run_tool_main,
                      toy_data_options)
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
    tree = osp.join(ROOT, 'configs', 'toy', 'scenes')
    written = sorted(p.name for p in tmp_path.glob('*.py'))
    # 3 sizes x 2 arms x 4 lengths, the shapes-pretrained arm's 4 lengths,
    # 2 keypoint arms x 3 lengths
    assert len(written) == 34
    match, mismatch, errors = filecmp.cmpfiles(tree, str(tmp_path), written,
                                               shallow=False)
    assert (mismatch, errors) == ([], []) and len(match) == 34
    assert sorted(p.name for p in Path(tree).glob('*.py')) == written


def test_reproduce_toy_end_to_end(tmp_path):
    """The study's driver end to end at a tiny size (its main in this
    process; every training it starts is a command line of its own, two
    lanes side by side, as in the study): records with the study's fields,
    the report with bootstrap intervals and the mean-pose baseline, the
    figures; a second call continues instead of training again."""
    work, results, figures = (tmp_path / 'work', tmp_path / 'results',
                              tmp_path / 'figures')
    args = ['--work-dir', work, '--data-dir', tmp_path / 'data',
            '--results-dir', results, '--figures', figures, '--sizes', 16,
            '--lengths', 12, 24, '--interval', 8, '--keypoint-lengths', 12,
            24, '--keypoint-interval', 8, '--num-train', 20, '--num-val', 8,
            '--keypoint-num-train', 12, '--keypoint-num-val', 8,
            '--pretrain-images', 200, '--pretrain-epochs', 1]
    out = run_tool_main('reproduce_toy', args)
    stems = sorted(p.stem for p in results.glob('*.json'))
    # scratch, pretrained, pretrained on the shapes' "ImageNet", 2 keypoint
    # arms: 2 lengths each
    assert len(stems) == 10, stems
    for stem in stems:
        record = json.loads((results / f'{stem}.json').read_text())
        length = int(stem.split('_1xb4-')[1].split('it_')[0])
        assert record['iterations'] == length, stem
        assert record['milestones'] == short_schedule(length)[1]
        assert record['train_images'] == (12 if 'figures' in stem else 16)
        assert record['instances_per_class'] > 0
        assert record['commit'], stem
        for key in ('log', 'curve'):  # the text files go with the records
            assert (results / 'logs' / record[key]).is_file()
    for name in ('fig1', 'gap', 'keypoints'):
        assert (figures / f'{name}.png').read_bytes()[:4] == b'\x89PNG'
    table = (figures / 'study.md').read_text()
    assert table.count('| scratch |') == 1, table
    assert '| pretrained-shapes |' in table
    assert re.search(r'^\| 16 \| \d+ \| [-+][\d.]+ \| \[[-+][\d.]+, '
                     r'[-+][\d.]+\] \| (yes|no) \|', table, re.M), table
    gaps = json.loads((figures / 'gaps.json').read_text())
    assert gaps['16']['interval']['samples'] == 1000
    baseline = json.loads((figures / 'keypoint_baseline.json').read_text())
    assert all(v['mean_pose'] is not None for v in baseline.values())
    assert 'size 16: ' in out and 'total:' in out
    # a rerun continues: nothing trains again, the report is the same
    again = run_tool_main('reproduce_toy', args)
    assert '\n+ ' not in '\n' + again, again
    assert (figures / 'study.md').read_text() == table
    # a later session: the records, no checkpoints (another work dir); the
    # intervals and baselines computed when the runs ran are kept
    later = args[:]
    later[later.index('--work-dir') + 1] = tmp_path / 'elsewhere'
    run_tool_main('reproduce_toy', later + ['--report'])
    assert (figures / 'study.md').read_text() == table
    assert json.loads((figures / 'gaps.json').read_text()) == gaps
    assert json.loads((figures / 'keypoint_baseline.json').read_text()) \
        == baseline


def _tool():
    """tools/reproduce_toy.py as a module (tools/ on the path, as
    run_tool_main puts it)."""
    import importlib
    import sys
    tools = osp.join(ROOT, 'tools')
    if tools not in sys.path:
        sys.path.insert(0, tools)
    return importlib.import_module('reproduce_toy')


def test_the_rules():
    study = _tool()
    lengths = (3072, 6144, 12288, 24576)
    flat = study.judge({3072: 20., 6144: 30., 12288: 34., 24576: 34.5},
                       lengths)
    assert flat == dict(best=34.5, best_length=24576, last_gain=0.5,
                        flattened=True)
    rising = study.judge({3072: 20., 6144: 30., 12288: 34., 24576: 36.},
                         lengths)
    assert (rising['flattened'], rising['last_gain']) == (False, 2.0)
    falling = study.judge({3072: 20., 6144: 25., 12288: 24., 24576: 22.},
                          lengths)  # overfitting: the best is not the last
    assert (falling['best'], falling['best_length'],
            falling['flattened']) == (25., 6144, True)
    arms = dict(scratch=rising, pretrained=dict(
        aps={3072: 30., 24576: 36.5}, best=36.5))
    rising['aps'] = {3072: 20., 24576: 36.}
    v = study.verdicts(arms, lengths)
    assert (v['gap'], v['caught_up'], v['lead_at_shortest'],
            v['readable']) == (0.5, True, 10.0, True)
    arms['pretrained']['aps'][3072] = 24.  # no head start to catch up on
    assert study.verdicts(arms, lengths)['readable'] is False
    arms['pretrained'].update(best=75., aps={3072: 40.})
    rising.update(best=71.)  # a ceiling, not a catch-up
    assert study.verdicts(arms, lengths)['readable'] is False


def test_the_papers_points_are_the_paper_results_files():
    """The gap figure's paper points (§5 subsets, Table 1 6x) are the
    numbers of configs/rethinking/paper_results.yml."""
    import yaml
    study = _tool()
    with open(osp.join(ROOT, 'configs', 'rethinking',
                       'paper_results.yml')) as f:
        paper = yaml.safe_load(f)
    stems = {'1k': '220k_coco-1k', '3.5k': '220k_coco-3.5k',
             '10k': '220k_coco-10k', '35k': '6x_coco-35k'}
    for name, _, scratch, pretrained in study.PAPER_POINTS:
        if name == '118k':
            s = paper['mask-rcnn_r50-scratch_fpn_gn-all_8xb2-6x_coco']['box']
            p = paper['mask-rcnn_r50_fpn_gn-all_8xb2-6x_coco']['box']
        else:
            (s, ) = [v['box'] for k, v in paper.items() if k.endswith(
                stems[name]) and '-scratch' in k]
            (p, ) = [v['box'] for k, v in paper.items() if '-scratch' not in
                     k and k.endswith(stems[name].replace('220k', '60k')
                                      .replace('6x', '3x'))]
        assert (scratch, pretrained) == (s, p), name


def test_mean_pose_baseline_places_the_pose_in_each_box(tmp_path):
    study = _tool()
    ann = tmp_path / 'train.json'
    ann.write_text(json.dumps(dict(annotations=[
        dict(bbox=[10, 20, 100, 200], keypoints=[60, 120, 2, 0, 0, 0]),
        dict(bbox=[0, 0, 10, 10], keypoints=[3, 1, 1, 9, 9, 2])])))
    pose = study.mean_pose(str(ann))
    # keypoint 0 seen twice (0.5, 0.5) and (0.3, 0.1); keypoint 1 once
    assert pose.ravel().tolist() == pytest.approx([0.4, 0.3, 0.9, 0.9])
