"""tools/plot_curves.py: the points of the runs it is given, their lr drops,
and the overfitting onset; its command line in the first test, its main in
this process in the others."""
import csv
import json
import os.path as osp

import pytest

from conftest import ROOT, call_python, call_tool_main

pytestmark = pytest.mark.slow

TOOL = osp.join(ROOT, 'tools', 'plot_curves.py')


def write_curve(work_dir, points, drop_at):
    """A CurveHook file: AP `points[i]` at iteration 10 * (i + 1)."""
    work_dir.mkdir(parents=True)
    with open(work_dir / 'curve.jsonl', 'w') as f:
        for i, ap in enumerate(points):
            it = 10 * (i + 1)
            f.write(json.dumps(dict(
                iter=it, epoch=0, lr=0.02 if it < drop_at else 0.002,
                train={'loss': 1.0}, val={'coco/bbox_mAP': ap})) + '\n')


def plot(*args, command_line=False):
    if command_line:
        return call_python([TOOL, *map(str, args)], timeout=300)
    return call_tool_main('plot_curves', args)


def read_csv(path):
    with open(path) as f:
        return list(csv.reader(f))


def test_two_runs_figures_points_and_drops(tmp_path):
    write_curve(tmp_path / 'toy_scratch', [.1, .2, .3, .35, .4], drop_at=40)
    write_curve(tmp_path / 'toy_pretrained', [.3, .35, .38], drop_at=30)
    for ext, magic in (('png', b'\x89PNG'), ('svg', b'<?xml'),
                       ('pdf', b'%PDF')):
        out = tmp_path / f'fig.{ext}'
        proc = plot(tmp_path / 'toy_scratch', tmp_path / 'toy_pretrained',
                    '--labels', 'scratch', 'pretrained', '--out', out,
                    '--csv', tmp_path / 'c.csv', '--iters-per-x', 50,
                    command_line=ext == 'png')
        assert proc.returncode == 0, proc.stdout
        assert out.read_bytes().startswith(magic)
    assert 'scratch (5 points, lr drops at 40)' in proc.stdout
    assert 'pretrained (3 points, lr drops at 30)' in proc.stdout
    rows = read_csv(tmp_path / 'c.csv')
    assert rows[0] == ['run', 'iter', 'coco/bbox_mAP']
    assert [(r[0], int(r[1]), float(r[2])) for r in rows[1:]] == [
        ('scratch', 10, .1), ('scratch', 20, .2), ('scratch', 30, .3),
        ('scratch', 40, .35), ('scratch', 50, .4), ('pretrained', 10, .3),
        ('pretrained', 20, .35), ('pretrained', 30, .38)]


def test_overfitting_onset(tmp_path):
    # peak .40 at 20, then .33 .32 .31 (> 0.02 below it): onset at 30
    write_curve(tmp_path / 'small', [.3, .4, .33, .32, .31, .30], 100)
    write_curve(tmp_path / 'large', [.1, .2, .3, .4], 100)
    proc = plot(tmp_path / 'small', tmp_path / 'large', '--onset',
                '--margin', 0.02, '--patience', 3, '--out',
                tmp_path / 'o.png')
    assert proc.returncode == 0, proc.stdout
    assert 'small: overfitting from iteration 30' in proc.stdout
    assert 'large: no overfitting onset' in proc.stdout


def test_reads_mmdet_scalars_of_a_run_without_the_hook(tmp_path):
    vis = tmp_path / 'run' / '20260101_000000' / 'vis_data'
    vis.mkdir(parents=True)
    lines = [dict(iter=i, lr=0.02 if i < 15 else 0.002, loss=1.0)
             for i in range(5, 25, 5)]
    lines += [{'coco/bbox_mAP': 0.2, 'step': 10},
              {'coco/bbox_mAP': 0.3, 'step': 20}]
    vis.joinpath('scalars.json').write_text(
        '\n'.join(json.dumps(x) for x in lines))
    proc = plot(tmp_path / 'run', '--out', tmp_path / 'x.png', '--csv',
                tmp_path / 'c.csv')
    assert proc.returncode == 0, proc.stdout
    assert 'run (2 points, lr drops at 15)' in proc.stdout
    assert [r[1:] for r in read_csv(tmp_path / 'c.csv')[1:]] == [
        ['10', '0.2'], ['20', '0.3']]


def test_errors_name_the_run(tmp_path):
    write_curve(tmp_path / 'a', [.1], drop_at=100)
    proc = plot(tmp_path / 'a', '--metric', 'coco/segm_mAP', '--out',
                tmp_path / 'x.png')
    assert proc.returncode == 2
    assert "no validation reports 'coco/segm_mAP'" in proc.stdout
    proc = plot(tmp_path / 'missing', '--out', tmp_path / 'x.png')
    assert proc.returncode == 2 and 'missing' in proc.stdout


def test_drops_come_from_the_dumped_config_when_there_is_one(tmp_path):
    write_curve(tmp_path / 'run', [.1, .2, .3], drop_at=30)
    (tmp_path / 'run' / 'cfg.py').write_text(
        "param_scheduler = [dict(type='LinearLR', by_epoch=False),\n"
        "    dict(type='MultiStepLR', by_epoch=False, milestones=[27, 29])]\n")
    proc = plot(tmp_path / 'run', '--out', tmp_path / 'x.png')
    assert 'lr drops at 27, 29' in proc.stdout
