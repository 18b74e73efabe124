"""tools/plot_curves.py draws the points of the runs it is given."""
import csv
import json
import os.path as osp
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, osp.join(ROOT, 'tools'))
import plot_curves  # noqa: E402

sys.path.pop(0)


def write_curve(work_dir, points, drop_at):
    """A CurveHook file: AP `points[i]` at iteration 10 * (i + 1)."""
    work_dir.mkdir(parents=True)
    with open(work_dir / 'curve.jsonl', 'w') as f:
        for i, ap in enumerate(points):
            it = 10 * (i + 1)
            f.write(json.dumps(dict(
                iter=it, epoch=0, lr=0.02 if it < drop_at else 0.002,
                train={'loss': 1.0}, val={'coco/bbox_mAP': ap})) + '\n')


def test_two_runs_on_one_figure_with_their_points_and_drops(tmp_path):
    write_curve(tmp_path / 'toy_scratch', [.1, .2, .3, .35, .4], drop_at=40)
    write_curve(tmp_path / 'toy_pretrained', [.3, .35, .38], drop_at=30)
    runs = [plot_curves.load_run(str(tmp_path / n), 'coco/bbox_mAP')
            for n in ('toy_scratch', 'toy_pretrained')]
    assert runs[0]['drops'] == [40] and runs[1]['drops'] == [30]
    fig = plot_curves.plot_runs(runs, 'coco/bbox_mAP', iters_per_x=50)
    ax = fig.axes[0]
    curves = [ln for ln in ax.lines if len(ln.get_xdata()) > 2]
    assert [list(ln.get_xdata()) for ln in curves] == [
        [10, 20, 30, 40, 50], [10, 20, 30]]
    assert list(curves[0].get_ydata()) == pytest.approx([10, 20, 30, 35, 40])
    assert [ln.get_linestyle() for ln in curves] == ['-', '--']
    drops = [ln.get_xdata()[0] for ln in ax.lines
             if len(ln.get_xdata()) == 2]
    assert sorted(drops) == [30, 40]


def test_command_line_writes_figure_and_csv(tmp_path):
    write_curve(tmp_path / 'a', [.1, .2], drop_at=100)
    write_curve(tmp_path / 'b', [.3, .4, .5], drop_at=100)
    for ext, magic in (('png', b'\x89PNG'), ('svg', b'<?xml'),
                       ('pdf', b'%PDF')):
        out = tmp_path / f'fig.{ext}'
        assert plot_curves.main([str(tmp_path / 'a'), str(tmp_path / 'b'),
                                 '--labels', 'scratch', 'pretrained',
                                 '--out', str(out),
                                 '--csv', str(tmp_path / 'c.csv')]) == 0
        assert out.read_bytes().startswith(magic)
    with open(tmp_path / 'c.csv') as f:
        rows = list(csv.reader(f))
    assert rows[0] == ['run', 'iter', 'coco/bbox_mAP']
    assert [r[0] for r in rows[1:]] == ['scratch'] * 2 + ['pretrained'] * 3


def test_reads_mmdet_scalars_of_a_run_without_the_hook(tmp_path):
    vis = tmp_path / 'run' / '20260101_000000' / 'vis_data'
    vis.mkdir(parents=True)
    lines = [dict(iter=i, lr=0.02 if i < 15 else 0.002, loss=1.0)
             for i in range(5, 25, 5)]
    lines += [{'coco/bbox_mAP': 0.2, 'step': 10},
              {'coco/bbox_mAP': 0.3, 'step': 20}]
    vis.joinpath('scalars.json').write_text(
        '\n'.join(json.dumps(x) for x in lines))
    run = plot_curves.load_run(str(tmp_path / 'run'), 'coco/bbox_mAP')
    assert run['iters'] == [10, 20] and run['values'] == [0.2, 0.3]
    assert run['drops'] == [15]


def test_errors_name_the_run(tmp_path, capsys):
    write_curve(tmp_path / 'a', [.1], drop_at=100)
    assert plot_curves.main([str(tmp_path / 'a'), '--metric',
                             'coco/segm_mAP', '--out',
                             str(tmp_path / 'x.png')]) == 2
    assert "no validation reports 'coco/segm_mAP'" in capsys.readouterr().err
    assert plot_curves.main([str(tmp_path / 'missing'), '--out',
                             str(tmp_path / 'x.png')]) == 2


def test_drops_come_from_the_dumped_config_when_there_is_one(tmp_path):
    write_curve(tmp_path / 'run', [.1, .2, .3], drop_at=30)
    (tmp_path / 'run' / 'cfg.py').write_text(
        "param_scheduler = [dict(type='LinearLR', by_epoch=False),\n"
        "    dict(type='MultiStepLR', by_epoch=False, milestones=[27, 29])]\n")
    run = plot_curves.load_run(str(tmp_path / 'run'), 'coco/bbox_mAP')
    assert run['drops'] == [27, 29]
