"""The README's experiments table is generated from the configs; a stale
README fails."""
import os.path as osp
import subprocess
import sys

import pytest

from conftest import ROOT

TOOL = osp.join(ROOT, 'tools', 'gather_results.py')


@pytest.fixture(scope='module')
def gather():
    sys.path.insert(0, osp.join(ROOT, 'tools'))
    try:
        import gather_results
    finally:
        sys.path.pop(0)
    return gather_results


@pytest.fixture(scope='module')
def table(gather):
    return gather.build_table(osp.join(ROOT, 'no-results'))


def test_readme_and_metafile_are_up_to_date(gather):
    assert gather.main(['--check']) == 0


def test_stale_metafile_is_caught(gather, tmp_path, capsys):
    with open(osp.join(ROOT, 'configs', 'rethinking', 'metafile.yml')) as f:
        text = f.read()
    # drift: the metafile says 72 epochs where the config runs 73
    assert 'Epochs: 73' in text
    stale = tmp_path / 'metafile.yml'
    stale.write_text(text.replace('Epochs: 73', 'Epochs: 72'))
    assert gather.main(['--check', '--metafile', str(stale)]) == 1
    assert 'metafile.yml is stale' in capsys.readouterr().err


def test_a_record_must_name_its_config(gather, tmp_path):
    (tmp_path / 'a.json').write_text('{"config": "b"}')
    with pytest.raises(KeyError, match='a.json'):
        gather.build_toy_table(str(tmp_path))


def test_stale_readme_is_caught_and_regenerated(gather, table, tmp_path):
    with open(osp.join(ROOT, 'README.md')) as f:
        text = f.read()
    # a hand edit: a typo in one paper number
    assert '| 36.8 |' in text
    stale = text.replace('| 36.8 |', '| 36.9 |', 1)
    readme = tmp_path / 'README.md'
    readme.write_text(stale)
    proc = subprocess.run([sys.executable, TOOL, '--check', '--readme',
                           str(readme)], capture_output=True, text=True)
    assert proc.returncode == 1 and 'stale' in proc.stderr
    assert gather.render_readme(stale, table) == stale.replace(
        '| 36.9 |', '| 36.8 |', 1)


def test_table_rows_come_from_the_resolved_configs(table):
    rows = {r.split('|')[1].strip(): [c.strip() for c in r.split('|')[2:-1]]
            for r in table.splitlines()[2:]}
    assert len(rows) == 43
    stem = 'mask-rcnn_r50-scratch_fpn_gn-all_8xb8-ms-640-800-9x_coco'
    row = rows[f'[{stem}](configs/rethinking/{stem}.py)']
    # Model, Backbone, Norm, Init, Schedule, Train aug, GPUs x batch
    assert row[1:8] == ['Mask R-CNN', 'R50', 'GN', 'scratch', '202.5k it',
                        '[640, 800]', '8x8']
    assert row[10:12] == ['not trained yet', 'not trained yet']


def test_every_config_needs_a_paper_entry(gather, tmp_path, monkeypatch):
    extra = osp.join(gather.CONFIG_DIR, 'zz-unlisted_coco.py')
    monkeypatch.setattr(gather, 'CONFIG_DIR', str(tmp_path))
    (tmp_path / 'zz-unlisted_coco.py').write_text('')
    with pytest.raises(KeyError, match='zz-unlisted_coco'):
        gather.check_coverage()
    assert not osp.exists(extra)
