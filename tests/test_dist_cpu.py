"""Two training processes on CPU with gloo, through tools/dist_train.sh
(``CUDA_VISIBLE_DEVICES=''``: the same on a machine with GPUs)."""
import json
import os
import os.path as osp
import subprocess
import sys
import textwrap

import pytest
import torch
from mmengine.config import Config

from conftest import (ROOT, TOY_CONFIG, free_port, launch_env,
                      toy_data_options)
from mmrethink.datasets.subset import draw_subset
from mmrethink.runner.dist import prepare_cpu_launch

pytestmark = pytest.mark.slow


def _dist_train(cfg_file, work, toy_data):
    """tools/dist_train.sh with 2 CPU processes (1 thread each)."""
    return subprocess.run(
        ['bash', osp.join(ROOT, 'tools', 'dist_train.sh'), str(cfg_file),
         '2', '--work-dir', str(work), '--cfg-options',
         *toy_data_options(toy_data)],
        env=launch_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, timeout=900)


def test_two_gloo_processes_train_on_disjoint_shards(toy_data, tmp_path):
    cfg_file = tmp_path / 'two_ranks.py'
    cfg_file.write_text(textwrap.dedent(f'''
        _base_ = {TOY_CONFIG!r}
        custom_imports = dict(imports=['mmrethink', 'record_ranks'],
                              allow_failed_imports=False)
        custom_hooks = [dict(type='CurveHook'), dict(type='RandomStateHook'),
                        dict(type='RecordRankHook')]
        train_dataloader = dict(
            batch_size=2,
            sampler=dict(type='InfiniteSubsetSampler', subset_size=8,
                         subset_seed=0, seed=0))
        train_cfg = dict(max_iters=4, val_interval=4)
        default_hooks = dict(checkpoint=dict(interval=2))
    '''))
    work = tmp_path / 'work'
    proc = _dist_train(cfg_file, work, toy_data)
    assert proc.returncode == 0, proc.stdout[-6000:]

    ranks = [json.loads((work / f'rank{r}.json').read_text())
             for r in (0, 1)]
    assert [r['world_size'] for r in ranks] == [2, 2]
    # the same subset for both ranks, split into disjoint shards: each pass
    # over the 8 images gives 4 to each rank
    from mmdet.datasets import CocoDataset
    dataset = CocoDataset(
        data_root=toy_data['root'], ann_file=toy_data['train_ann'],
        data_prefix=dict(img='train/'), pipeline=[],
        metainfo=dict(classes=Config.fromfile(TOY_CONFIG).classes),
        filter_cfg=dict(filter_empty_gt=True, min_size=8))
    subset = {dataset.get_data_info(i)['img_id']
              for i in draw_subset(len(dataset), 8, seed=0)}
    first_pass = [r['ids'][:4] for r in ranks]
    assert not set(first_pass[0]) & set(first_pass[1])
    assert set(first_pass[0]) | set(first_pass[1]) == subset
    assert all(set(r['ids']) <= subset for r in ranks)
    # DDP kept the replicas in step
    assert ranks[0]['weights'] == ranks[1]['weights']
    # rank 0 alone wrote the curve and the checkpoints
    assert (work / 'curve.jsonl').read_text().count('\n') == 1
    assert sorted(p.name for p in work.glob('iter_*.pth')) == \
        ['iter_2.pth', 'iter_4.pth']


def test_sigterm_on_one_rank_stops_both_at_the_same_checkpoint(
        toy_data, tmp_path):
    """Rank 1 alone gets SIGTERM during iteration 3: the ranks agree in
    that iteration's one collective (which carries the stop and the
    divergence flags: one all-reduce per iteration on each rank), rank 0
    writes iter_3.pth, both exit."""
    cfg_file = tmp_path / 'term.py'
    cfg_file.write_text(textwrap.dedent(f'''
        _base_ = {TOY_CONFIG!r}
        custom_imports = dict(imports=['mmrethink', 'trace_run'],
                              allow_failed_imports=False)
        custom_hooks = [
            dict(type='CountCollectivesHook'),
            dict(type='DivergenceHook'), dict(type='RandomStateHook'),
            dict(type='SignalAtHook', iteration=3, signal_name='SIGTERM',
                 rank=1)]
        train_dataloader = dict(batch_size=2)
        train_cfg = dict(max_iters=8, val_interval=8)
        default_hooks = dict(checkpoint=dict(interval=2))
    '''))
    work = tmp_path / 'work'
    proc = _dist_train(cfg_file, work, toy_data)
    assert proc.returncode != 0  # torchrun reports the ranks' exit 143
    assert sorted(p.name for p in work.glob('iter_*.pth')) == \
        ['iter_2.pth', 'iter_3.pth'], proc.stdout[-4000:]
    assert (work / 'last_checkpoint').read_text().endswith('iter_3.pth')
    assert 'a stop signal on another rank during training: saved ' \
        'iter_3.pth (iteration 3)' in proc.stdout
    # iterations 1-3 on both ranks: one all-reduce each (the signal
    # handler's and DivergenceHook's flags in the same vector)
    for rank in (0, 1):
        counts = json.loads((work / f'collectives{rank}.json').read_text())
        assert counts == {'1': 1, '2': 1, '3': 1}, (rank, counts)


def test_nan_on_one_rank_stops_every_rank_before_its_checkpoint(
        toy_data, tmp_path):
    """A NaN loss on rank 1 only (rank 0's is finite, but the gradient
    all-reduce carries the NaN into its weights): both ranks stop, and the
    checkpoint of that iteration is never written."""
    cfg_file = tmp_path / 'nan.py'
    cfg_file.write_text(textwrap.dedent(f'''
        _base_ = {TOY_CONFIG!r}
        custom_imports = dict(imports=['mmrethink', 'record_ranks'],
                              allow_failed_imports=False)
        custom_hooks = [dict(type='NaNLossAtHook', iteration=3, rank=1),
                        dict(type='DivergenceHook')]
        train_dataloader = dict(batch_size=2)
        train_cfg = dict(max_iters=6, val_interval=6)
        default_hooks = dict(checkpoint=dict(interval=1))
    '''))
    work = tmp_path / 'work'
    proc = _dist_train(cfg_file, work, toy_data)
    assert proc.returncode != 0
    assert proc.stdout.count('DivergenceError: training diverged at '
                             'iteration 3 (1 rank(s)') == 2, \
        proc.stdout[-4000:]  # raised on both ranks
    assert sorted(p.name for p in work.glob('iter_*.pth')) == \
        ['iter_1.pth', 'iter_2.pth']


def test_syncbn_on_one_process_is_refused_naming_the_gn_twin(tmp_path):
    """mmengine would turn SyncBN into per-GPU BN over 2 images; the loop
    refuses (on a GPU as on the CPU)."""
    from conftest import call_python
    proc = call_python([osp.join(ROOT, 'tools', 'train.py'), osp.join(
        ROOT, 'configs', 'rethinking',
        'mask-rcnn_r50-scratch_fpn_syncbn-all_8xb2-6x_coco.py'),
        '--work-dir', str(tmp_path / 'w')], timeout=600)
    assert proc.returncode == 1
    assert 'SyncBN needs several processes' in proc.stdout
    assert 'mask-rcnn_r50-scratch_fpn_gn-all_8xb2-6x_coco.py' in proc.stdout


def test_syncbn_configs_are_refused_on_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    cfg = Config.fromfile(osp.join(
        ROOT, 'configs', 'rethinking',
        'mask-rcnn_r50-scratch_fpn_syncbn-all_8xb2-6x_coco.py'))
    with pytest.raises(ValueError, match='SyncBN cannot train on CPU'):
        prepare_cpu_launch(cfg, 'pytorch')
    assert prepare_cpu_launch(cfg, 'none') is False


def test_syncbn_config_has_synchronized_bn_everywhere_but_the_rpn():
    """The conversion, checked on CPU: every norm layer of backbone, FPN and
    heads is nn.SyncBatchNorm, no plain BN is left (mmengine reverts SyncBN
    to BN only when a single process runs it)."""
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(osp.join(
        ROOT, 'configs', 'rethinking',
        'mask-rcnn_r50-scratch_fpn_syncbn-all_8xb2-6x_coco.py'))
    model = MODELS.build(cfg.model)
    norms = [type(m).__name__ for m in model.modules()
             if isinstance(m, torch.nn.modules.batchnorm._NormBase)]
    assert norms and set(norms) == {'SyncBatchNorm'}
    assert not [m for m in model.rpn_head.modules()
                if isinstance(m, torch.nn.modules.batchnorm._NormBase)]


@pytest.mark.skipif(torch.cuda.device_count() < 2,
                    reason='SyncBN trains only with CUDA and >= 2 GPUs')
def test_syncbn_trains_on_two_gpus(toy_data, tmp_path):
    """A real SyncBN run: the toy config with SyncBN, 2 GPUs, 4 iterations."""
    cfg_file = tmp_path / 'syncbn.py'
    cfg_file.write_text(textwrap.dedent(f'''
        _base_ = {TOY_CONFIG!r}
        norm_cfg = dict(type='SyncBN', requires_grad=True)
        model = dict(
            backbone=dict(norm_cfg=norm_cfg), neck=dict(norm_cfg=norm_cfg),
            roi_head=dict(bbox_head=dict(norm_cfg=norm_cfg),
                          mask_head=dict(norm_cfg=norm_cfg)))
        train_cfg = dict(max_iters=4, val_interval=4)
    '''))
    env = dict(os.environ)
    env['PATH'] = osp.dirname(sys.executable) + os.pathsep + env['PATH']
    env['PORT'] = str(free_port())
    proc = subprocess.run(
        ['bash', osp.join(ROOT, 'tools', 'dist_train.sh'), str(cfg_file),
         '2', '--work-dir', str(tmp_path / 'work'), '--cfg-options',
         *toy_data_options(toy_data)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-6000:]
    assert 'reverted to BatchNormXd' not in proc.stdout
    assert (tmp_path / 'work' / 'iter_4.pth').is_file()
