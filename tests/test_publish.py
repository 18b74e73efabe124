"""tools/publish.py on a small real work dir: hash naming, stripped state, a
complete record, and tools/test.py on the published file reproduces it."""
import hashlib
import json
import os
import os.path as osp
import shutil

import pytest
import torch

from conftest import (ROOT, TOY_CONFIG, call_tool_main, run_python,
                      run_tool_main, toy_data_options)
from mmrethink.checkpoint.safe_load import load_checkpoint_file

pytestmark = pytest.mark.slow

PUBLISH = osp.join(ROOT, 'tools', 'publish.py')
STEM = osp.splitext(osp.basename(TOY_CONFIG))[0]


@pytest.fixture(scope='module')
def work_dir(toy_data, tmp_path_factory):
    work = str(tmp_path_factory.mktemp('run') / 'work')
    run_tool_main('train', [
        TOY_CONFIG, '--work-dir', work, '--cfg-options',
        *toy_data_options(toy_data), 'train_cfg.max_iters=4',
        'train_cfg.val_interval=2', 'train_dataloader.batch_size=2',
        'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.interval=2'])
    return work


def _publish(work, tmp_path, *extra):
    """tools/publish.py's main in this process (its command line:
    test_publish_work_dir)."""
    return call_tool_main('publish', [
        work, '--out-dir', tmp_path / 'publish', '--results-dir',
        tmp_path / 'results', '--date', '20260101', '--no-gather', *extra])


def test_ap_and_weights_come_from_the_same_iteration(work_dir, tmp_path):
    work = tmp_path / 'work'
    shutil.copytree(work_dir, work)
    # last_checkpoint names iteration 2, the curve ends at 4: iteration 4's
    # checkpoint is published, not the one last_checkpoint names
    (work / 'last_checkpoint').write_text(str(work / 'iter_2.pth'))
    proc = _publish(work, tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:]
    record = json.loads((tmp_path / 'results' / f'{STEM}.json').read_text())
    published = torch.load(tmp_path / 'publish' / record['checkpoint'],
                           weights_only=True)
    assert published['meta']['iter'] == record['iterations'] == 4
    # without iteration 4's checkpoint there is nothing to pair: refused
    os.remove(work / 'iter_4.pth')
    proc = _publish(work, tmp_path / 'again')
    assert proc.returncode == 2
    assert 'is of iteration 4, but' in proc.stdout
    assert 'is of iteration 2' in proc.stdout


def test_moved_work_dir_and_no_overwriting(work_dir, tmp_path):
    moved = tmp_path / 'moved'
    shutil.copytree(work_dir, moved)  # last_checkpoint names the old place
    first = _publish(moved, tmp_path)
    assert first.returncode == 0, first.stdout[-3000:]
    files = sorted(os.listdir(tmp_path / 'publish'))
    assert len(files) == 3  # weights, log, curve, named after the weights
    assert len({f.split('.')[0] for f in files}) == 1
    # the same run again: nothing changes
    assert _publish(moved, tmp_path).returncode == 0
    assert sorted(os.listdir(tmp_path / 'publish')) == files
    # another run of the same config: its record would replace the one the
    # tables show, so --replace must say so; the earlier files stay
    other = tmp_path / 'other'
    shutil.copytree(work_dir, other)
    (other / 'last_checkpoint').write_text(str(other / 'iter_2.pth'))
    with open(other / 'curve.jsonl') as f:
        points = f.readlines()
    (other / 'curve.jsonl').write_text(points[0])  # ends at iteration 2
    proc = _publish(other, tmp_path)
    assert proc.returncode == 2 and '--replace' in proc.stdout
    assert _publish(other, tmp_path, '--replace').returncode == 0
    now = sorted(os.listdir(tmp_path / 'publish'))
    assert set(files) < set(now) and len(now) == 6


def test_publish_work_dir(work_dir, toy_data, tmp_path):
    out, results = tmp_path / 'publish', tmp_path / 'results'
    run_python([PUBLISH, work_dir, '--out-dir', str(out), '--results-dir',
                str(results), '--date', '20260101', '--no-gather'])
    record = json.loads((results / f'{STEM}.json').read_text())
    name = record['checkpoint']
    path = out / name
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert name == f'{STEM}_20260101-{sha[:8]}.pth'
    ckpt = torch.load(path, weights_only=True)
    assert set(ckpt) == {'state_dict', 'meta'}  # no optimizer, no hub
    assert 'message_hub' not in ckpt['meta']
    full = load_checkpoint_file(osp.join(work_dir, 'iter_4.pth'))
    assert ckpt['state_dict'].keys() == full['state_dict'].keys()
    assert os.path.getsize(path) < os.path.getsize(
        osp.join(work_dir, 'iter_4.pth'))
    assert 'Saving checkpoint at 4 iterations' in (out / record['log']
                                                   ).read_text()
    assert (out / record['curve']).read_text().count('\n') == 2

    assert record['iterations'] == 4 and record['max_iters'] == 4
    assert record['gpus'] == 1 and record['batch_per_gpu'] == 2
    assert record['sec_per_iter'] > 0 and record['memory_gb'] is None
    assert set(record['versions']) == {'torch', 'mmcv', 'mmdet', 'mmengine',
                                       'mmrethink'}
    assert record['commit']
    assert [it for it, _ in record['curve_box_ap']] == [2, 4]

    # testing the published file reproduces the recorded AP
    res = run_python([osp.join(ROOT, 'tools', 'test.py'), TOY_CONFIG,
                      str(path), '--work-dir', str(tmp_path / 'test'),
                      '--cfg-options', *toy_data_options(toy_data)])
    metrics = json.loads(res.strip().splitlines()[-1])
    assert round(100 * metrics['coco/bbox_mAP'], 1) == record['box_ap']
    assert round(100 * metrics['coco/segm_mAP'], 1) == record['mask_ap']

    # the record reaches the toy table and the metafile
    table = call_tool_main('gather_results', [
        '--print-toy-table', '--results-dir', results, '--base-url',
        'https://x/y']).stdout
    assert f'[model](https://x/y/{name})' in table


def test_publish_refuses_an_unfinished_work_dir(tmp_path):
    work = tmp_path / 'w'
    work.mkdir()
    (work / 'cfg.py').write_text(f"_base_ = '{TOY_CONFIG}'\n")
    proc = call_tool_main('publish', [work, '--out-dir', tmp_path / 'o',
                                      '--results-dir', tmp_path / 'r'])
    assert proc.returncode == 2 and 'last_checkpoint' in proc.stdout
