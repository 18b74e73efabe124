"""tools/train.py trains a shrunk config on generated data, tools/test.py
evaluates what it wrote, and mmdet's own tools/train.py runs our config."""
import json
import os
import os.path as osp

import mmdet

from conftest import ROOT, TOY_CONFIG, run_python, toy_data_options
import pytest

pytestmark = pytest.mark.slow

TRAIN = osp.join(ROOT, 'tools', 'train.py')
TEST = osp.join(ROOT, 'tools', 'test.py')


def test_train_then_test_then_resume(toy_data, tmp_path):
    work_dir = str(tmp_path / 'work')
    opts = toy_data_options(toy_data) + [
        'train_cfg.max_iters=4', 'train_cfg.val_interval=4',
        'default_hooks.checkpoint.interval=2', 'default_hooks.logger.interval=1',
        'train_dataloader.batch_size=2']
    run_python([TRAIN, TOY_CONFIG, '--work-dir', work_dir,
                '--cfg-options', *opts])
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        ckpt = f.read().strip()
    assert osp.basename(ckpt) == 'iter_4.pth'
    assert osp.isfile(osp.join(work_dir, 'iter_2.pth'))

    out = run_python([TEST, TOY_CONFIG, ckpt, '--work-dir',
                      str(tmp_path / 'test'), '--cfg-options',
                      *toy_data_options(toy_data)])
    metrics = json.loads(out.strip().splitlines()[-1])
    # the same weights on the same images: what training's validation at
    # iteration 4 recorded (CurveHook), metric for metric
    with open(osp.join(work_dir, 'curve.jsonl')) as f:
        (point, ) = [json.loads(line) for line in f]
    assert point['iter'] == 4
    for key in ('coco/bbox_mAP', 'coco/bbox_mAP_50', 'coco/segm_mAP'):
        assert metrics[key] == point['val'][key], key

    # --resume without a path continues from iter_4 (checkpoints load with
    # torch.load(weights_only=True)) and runs to the new end
    opts = [o for o in opts if not o.startswith('train_cfg.')]
    run_python([TRAIN, TOY_CONFIG, '--work-dir', work_dir, '--resume',
                '--cfg-options', *opts, 'train_cfg.max_iters=6',
                'train_cfg.val_interval=6'])
    runs = sorted(d for d in os.listdir(work_dir) if d[:1].isdigit())
    assert len(runs) == 2
    with open(osp.join(work_dir, runs[-1], f'{runs[-1]}.log')) as f:
        assert 'resumed epoch: 0, iter: 4' in f.read()
    with open(osp.join(work_dir, runs[-1], 'vis_data', 'scalars.json')) as f:
        train_iters = [r['iter'] for r in map(json.loads, f) if 'iter' in r]
    assert train_iters == [5, 6]
    assert osp.isfile(osp.join(work_dir, 'iter_6.pth'))

    # a config whose load_from holds weights (cascade stage 2 loads stage
    # 1's), launched with --resume on a fresh work dir: iteration 0, from
    # those weights
    stage2 = tmp_path / 'stage2.py'
    stage2.write_text(f'_base_ = {TOY_CONFIG!r}\n'
                      f'load_from = {osp.join(work_dir, "iter_4.pth")!r}\n')
    fresh = str(tmp_path / 'fresh')
    out = run_python([TRAIN, str(stage2), '--work-dir', fresh, '--resume',
                      '--cfg-options', *opts, 'train_cfg.max_iters=1',
                      'train_cfg.val_interval=1'])
    assert f'--resume: no checkpoint in {fresh}; starting at iteration 0 ' \
        f'from load_from={osp.join(work_dir, "iter_4.pth")}' in out
    assert f'Load checkpoint from {osp.join(work_dir, "iter_4.pth")}' in out
    assert 'resumed epoch' not in out
    assert osp.isfile(osp.join(fresh, 'iter_1.pth'))


def test_mmdet_own_train_tool_runs_our_config(toy_data, tmp_path):
    mmdet_train = osp.join(osp.dirname(mmdet.__file__), '.mim', 'tools',
                           'train.py')
    assert osp.isfile(mmdet_train)
    work_dir = str(tmp_path / 'work')
    opts = ['--work-dir', work_dir, '--cfg-options',
            *toy_data_options(toy_data), 'train_cfg.val_interval=2',
            'train_dataloader.batch_size=2']
    run_python([mmdet_train, TOY_CONFIG, *opts, 'train_cfg.max_iters=2'],
               cwd=str(tmp_path))
    assert osp.isfile(osp.join(work_dir, 'iter_2.pth'))
    # our loop also under mmdet's tool: the resume checkpoint is decided
    # once (without last_checkpoint, mmengine alone would start afresh with
    # the seed of iter_2.pth), and the trained batches are skipped
    os.remove(osp.join(work_dir, 'last_checkpoint'))
    out = run_python([mmdet_train, TOY_CONFIG, '--resume', *opts,
                      'train_cfg.max_iters=3'], cwd=str(tmp_path))
    # (mmengine's loop asks for the 2 trained batches, "Advance dataloader
    # 2 steps"; ours answers without the loader, then loads batch 3)
    assert 'resumed at iteration 2: skipped 2 trained batches and loaded ' \
        'the next' in out


def test_two_runs_in_one_process_log_each_into_its_own_folder(
        toy_data, tmp_path):
    """tools/train.py's main called twice in one process (as our drivers
    and tests do): the second run's scalars go to its own log folder, not
    to the first run's (mmdet's configs name their visualizer, and
    mmengine hands back the existing instance of a name)."""
    from conftest import run_tool_main
    opts = ['--cfg-options', *toy_data_options(toy_data),
            'train_cfg.val_interval=1000', 'train_dataloader.batch_size=2',
            'default_hooks.logger.interval=1']
    for run, iters in (('a', 2), ('b', 3)):
        run_tool_main('train', [TOY_CONFIG, '--work-dir', tmp_path / run,
                                *opts, f'train_cfg.max_iters={iters}'])
    for run, iters in (('a', 2), ('b', 3)):
        (scalars, ) = (tmp_path / run).glob('*/vis_data/scalars.json')
        rows = [json.loads(line) for line in scalars.read_text().splitlines()]
        trained = [r['iter'] for r in rows if 'loss' in r]
        assert trained == list(range(1, iters + 1)), (run, rows)
