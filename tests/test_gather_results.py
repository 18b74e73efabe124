"""The README's tables and the metafile are generated from the configs and
the records; a stale README or metafile fails. The tool runs as a user
runs it in the first test; the others call its main in this process."""
import json
import os.path as osp
import shutil

import pytest

from conftest import ROOT, call_python, call_tool_main

pytestmark = pytest.mark.slow

TOOL = osp.join(ROOT, 'tools', 'gather_results.py')
README = osp.join(ROOT, 'README.md')
METAFILE = osp.join(ROOT, 'configs', 'rethinking', 'metafile.yml')


def gather(*args):
    return call_tool_main('gather_results', args)


def test_readme_and_metafile_are_up_to_date():
    proc = gather('--check')
    assert proc.returncode == 0, proc.stdout


def test_stale_files_are_caught_and_regenerated(tmp_path):
    with open(METAFILE) as f:
        meta = f.read()
    # drift: the metafile says 72 epochs where the config runs 73
    assert 'Epochs: 73' in meta
    (tmp_path / 'metafile.yml').write_text(meta.replace('Epochs: 73',
                                                        'Epochs: 72'))
    with open(README) as f:
        text = f.read()
    # a hand edit: a typo in one paper number
    assert '| 36.8 |' in text
    (tmp_path / 'README.md').write_text(text.replace('| 36.8 |', '| 36.9 |',
                                                     1))
    args = ['--readme', tmp_path / 'README.md', '--metafile',
            tmp_path / 'metafile.yml']
    proc = gather('--check', *args)
    assert proc.returncode == 1
    assert 'metafile.yml is stale' in proc.stdout
    assert 'README.md is stale' in proc.stdout
    assert gather(*args).returncode == 0  # regenerated
    assert (tmp_path / 'README.md').read_text() == text
    assert (tmp_path / 'metafile.yml').read_text() == meta


def _record(**changes):
    """A complete record (the fields of ResultRecord)."""
    record = dict(
        config='a', box_ap=1.0, box_ap50=2.0, box_ap75=0.5, mask_ap=None,
        mask_ap50=None, mask_ap75=None, iterations=8, max_iters=8,
        max_epochs=None, gpus=1, batch_per_gpu=2, sec_per_iter=0.2,
        memory_gb=None, versions={'torch': '2'}, commit=None,
        date='20260101', checkpoint='a.pth', log='a.log',
        curve='a.curve.jsonl', curve_box_ap=[[8, 1.0]])
    record.update(changes)
    return json.dumps(record)


def test_a_record_must_name_its_config(tmp_path):
    (tmp_path / 'a.json').write_text(_record(config='b'))
    proc = gather('--print-toy-table', '--results-dir', tmp_path)
    assert proc.returncode == 2 and 'a.json: "config" is' in proc.stdout


@pytest.mark.parametrize('text, said', [
    ('{"config": "a"}', "missing ['batch_per_gpu', 'box_ap'"),
    (_record(box_AP=3), "unknown ['box_AP']"),
    (_record(iterations='8'), "iterations='8' (expected int)"),
    (_record(box_ap=True), 'box_ap=True (expected Optional[float])'),
    ('{"config": ', 'not JSON'),
])
def test_a_bad_record_is_named_with_what_was_expected(tmp_path, text, said):
    (tmp_path / 'a.json').write_text(text)
    proc = gather('--print-toy-table', '--results-dir', tmp_path)
    assert proc.returncode == 2, proc.stdout
    assert 'a.json' in proc.stdout and said in proc.stdout, proc.stdout


def test_a_record_reads_back_as_written(tmp_path):
    from mmrethink.records.results import (ResultRecord, read_record,
                                           write_record)
    record = ResultRecord(**json.loads(_record()))
    write_record(str(tmp_path), record)
    assert read_record(str(tmp_path), 'a') == record
    assert read_record(str(tmp_path), 'b') is None


def test_table_rows_come_from_the_resolved_configs():
    with open(README) as f:
        lines = f.read().splitlines()
    begin = lines.index(next(ln for ln in lines
                             if ln.startswith('<!-- experiments-table:begin')))
    end = lines.index('<!-- experiments-table:end -->')
    rows = _rows(lines[begin + 3:end])
    assert len(rows) == 49
    stem = 'mask-rcnn_r50-scratch_fpn_gn-all_8xb8-ms-640-800-9x_coco'
    row = rows[f'[{stem}](configs/rethinking/{stem}.py)']
    # Model, Backbone, Norm, Init, Schedule, Train aug, GPUs x batch
    assert row[1:8] == ['Mask R-CNN', 'R50', 'GN', 'scratch', '202.5k it',
                        '[640, 800]', '8x8']


def _rows(lines):
    """A Markdown table's rows by their first cell."""
    return {r.split('|')[1].strip(): [c.strip() for c in r.split('|')[2:-1]]
            for r in lines if r.startswith('| [')}


def _speed(models):
    from mmrethink.records.speed import TrainSpeed
    return TrainSpeed(device='GPU-X', torch='2', date='20260101',
                      commit=None, images_per_gpu=2, input_hw=[800, 1088],
                      iterations=10, models=models)


def test_memory_and_speed_columns_come_from_the_speed_record(tmp_path):
    """Each row shows its model's fp32 / AMP memory and s/iter from
    results/speed/train.json, and "not measured" for a model without
    one; the line under the table names the device."""
    from mmrethink.records.speed import write_speed
    from mmrethink.records.tables import build_table
    measured = {'Mask R-CNN R50 GN': {
        'fp32': dict(sec_per_iter=0.3412, memory_gb=7.21),
        'amp': dict(sec_per_iter=0.2, memory_gb=4.5)}}
    write_speed(str(tmp_path), _speed(measured))
    lines = build_table(ROOT, str(tmp_path)).splitlines()
    rows = _rows(lines)
    stem = 'mask-rcnn_r50_fpn_gn-all_8xb2-2x_coco'  # an ImageNet twin
    assert rows[f'[{stem}](configs/rethinking/{stem}.py)'][8:10] == [
        '7.2 / 4.5', '0.341 / 0.200']
    stem = 'mask-rcnn_r101_fpn_gn-all_8xb2-2x_coco'
    assert rows[f'[{stem}](configs/rethinking/{stem}.py)'][8:10] == [
        'not measured', 'not measured']
    assert 'GPU-X, one GPU, 2 synthetic images of 800 x 1088' in lines[-1]
    # no record at all: every row says so, and the line says how to measure
    lines = build_table(ROOT, str(tmp_path / 'none')).splitlines()
    assert {tuple(r[8:10]) for r in _rows(lines).values()} == {
        ('not measured', 'not measured')}
    assert 'python benchmarks/gpu_speed.py' in lines[-1]


@pytest.mark.parametrize('models, said', [
    ({'A': {'fp16': dict(sec_per_iter=1., memory_gb=1.)}},
     "models.A must map precisions out of ['fp32', 'amp']"),
    ({'A': {'fp32': dict(sec_per_iter='1', memory_gb=1.)}},
     'models.A.fp32 must be'),
])
def test_a_bad_speed_record_is_named_with_what_was_expected(
        tmp_path, models, said):
    import dataclasses
    from mmrethink.records.speed import SPEED_FILE, read_speed
    path = tmp_path / SPEED_FILE
    path.parent.mkdir()
    path.write_text(json.dumps(dataclasses.asdict(_speed(models))))
    with pytest.raises(ValueError) as err:
        read_speed(str(tmp_path))
    assert str(path) in str(err.value) and said in str(err.value)


def test_every_config_needs_a_paper_entry(tmp_path):
    """A config in configs/rethinking without a row in paper_results.yml:
    the tool refuses (run on a copy of the repository's configs)."""
    copy = tmp_path / 'repo'
    shutil.copytree(osp.join(ROOT, 'configs'), copy / 'configs')
    shutil.copytree(osp.join(ROOT, 'tools'), copy / 'tools')
    shutil.copy(README, copy / 'README.md')
    (copy / 'configs' / 'rethinking' / 'zz-unlisted_coco.py').write_text('')
    proc = call_python([str(copy / 'tools' / 'gather_results.py'),
                        '--check'], timeout=600)
    assert proc.returncode == 2 and 'zz-unlisted_coco' in proc.stdout


def test_the_toy_tables_links_resolve_from_its_page():
    """The toy table lives in docs/toy.md: its links to configs and logs
    are relative to that page."""
    import re
    page = osp.join(ROOT, 'docs', 'toy.md')
    with open(page) as f:
        text = f.read()
    block = text.split('<!-- toy-table:begin')[1].split(
        '<!-- toy-table:end -->')[0]
    links = re.findall(r'\]\(([^)]+)\)', block)
    assert links and all(l.startswith('../') for l in links)
    missing = [l for l in links
               if not osp.isfile(osp.join(osp.dirname(page), l))]
    assert not missing, missing
