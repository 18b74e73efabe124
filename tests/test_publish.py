"""tools/publish.py on a small real work dir: hash naming, stripped state, a
complete record, and tools/test.py on the published file reproduces it."""
import hashlib
import json
import os
import os.path as osp
import sys

import pytest
import torch

from conftest import ROOT, TOY_CONFIG, run_python, toy_data_options

sys.path.insert(0, osp.join(ROOT, 'tools'))
import gather_results  # noqa: E402
import publish  # noqa: E402

sys.path.pop(0)
STEM = osp.splitext(osp.basename(TOY_CONFIG))[0]


@pytest.fixture(scope='module')
def work_dir(toy_data, tmp_path_factory):
    work = str(tmp_path_factory.mktemp('run') / 'work')
    run_python([osp.join(ROOT, 'tools', 'train.py'), TOY_CONFIG,
                '--work-dir', work, '--cfg-options',
                *toy_data_options(toy_data), 'train_cfg.max_iters=4',
                'train_cfg.val_interval=2', 'train_dataloader.batch_size=2',
                'default_hooks.logger.interval=1'])
    return work


def test_publish_work_dir(work_dir, toy_data, tmp_path):
    out, results = tmp_path / 'publish', tmp_path / 'results'
    record = publish.publish_work_dir(work_dir, str(out), str(results),
                                      date='20260101')
    name = record['checkpoint']
    path = out / name
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert name == f'{STEM}_20260101-{sha[:8]}.pth'
    ckpt = torch.load(path, weights_only=True)
    assert set(ckpt) == {'state_dict', 'meta'}  # no optimizer, no hub
    assert 'message_hub' not in ckpt['meta']
    full = torch.load(osp.join(work_dir, 'iter_4.pth'), weights_only=True)
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
    on_disk = json.loads((results / f'{STEM}.json').read_text())
    assert on_disk == json.loads(json.dumps(record))

    # testing the published file reproduces the recorded AP
    res = run_python([osp.join(ROOT, 'tools', 'test.py'), TOY_CONFIG,
                      str(path), '--work-dir', str(tmp_path / 'test'),
                      '--cfg-options', *toy_data_options(toy_data)])
    metrics = json.loads(res.strip().splitlines()[-1])
    assert round(100 * metrics['coco/bbox_mAP'], 1) == record['box_ap']
    assert round(100 * metrics['coco/segm_mAP'], 1) == record['mask_ap']

    # the record reaches the toy table and the metafile
    table = gather_results.build_toy_table(str(results), 'https://x/y')
    assert f'[model](https://x/y/{name})' in table
    meta = gather_results.build_metafile(str(results), 'https://x/y')
    assert f'Weights: https://x/y/{name}' in meta


def test_publish_refuses_an_unfinished_work_dir(tmp_path):
    work = tmp_path / 'w'
    work.mkdir()
    (work / 'cfg.py').write_text(f"_base_ = '{TOY_CONFIG}'\n")
    with pytest.raises(FileNotFoundError, match='last_checkpoint'):
        publish.publish_work_dir(str(work), str(tmp_path / 'o'),
                                 str(tmp_path / 'r'))
