"""A NaN loss stops training, names the iteration and the loss, and leaves
the last good checkpoint as the latest."""
import copy
import math
import os
import os.path as osp

import pytest
import torch
from mmengine.registry import HOOKS, MODELS
from mmengine.testing import RunnerTestCase
from mmengine.testing.runner_test_case import ToyModel

from mmrethink.hooks import DivergenceError, DivergenceHook
from mmrethink.checkpoint.safe_load import load_checkpoint_file


class NaNAfterModel(ToyModel):
    """The toy model, whose loss turns NaN from its third training step."""

    steps = 0

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = super().forward(inputs, data_samples, mode)
        if mode == 'loss':
            NaNAfterModel.steps += 1
            if NaNAfterModel.steps >= 3:
                out['loss'] = out['loss'] * float('nan')
        return out


class TestDivergenceHook(RunnerTestCase):

    def setUp(self):
        super().setUp()
        MODELS.register_module(module=NaNAfterModel, force=True)
        HOOKS.register_module(module=DivergenceHook, force=True)
        NaNAfterModel.steps = 0

    def tearDown(self):
        MODELS.module_dict.pop('NaNAfterModel', None)
        HOOKS.module_dict.pop('DivergenceHook', None)
        super().tearDown()

    def test_nan_stops_before_its_checkpoint(self):
        cfg = copy.deepcopy(self.iter_based_cfg)
        cfg.model = dict(type='NaNAfterModel')
        cfg.train_cfg = dict(by_epoch=False, max_iters=6, val_interval=100)
        cfg.default_hooks.checkpoint = dict(type='CheckpointHook',
                                            interval=1, by_epoch=False)
        cfg.custom_hooks = [dict(type='DivergenceHook')]
        runner = self.build_runner(cfg)
        with pytest.raises(DivergenceError,
                           match=r'iteration 3 \(1 rank\(s\) with a NaN/inf loss\): loss=nan'):
            runner.train()
        ckpts = sorted(f for f in os.listdir(runner.work_dir)
                       if f.startswith('iter_') and f.endswith('.pth'))
        assert ckpts == ['iter_1.pth', 'iter_2.pth']
        with open(osp.join(runner.work_dir, 'last_checkpoint')) as f:
            assert f.read().strip().endswith('iter_2.pth')
        state = load_checkpoint_file(
            osp.join(runner.work_dir, 'iter_2.pth'))['state_dict']
        assert all(torch.isfinite(v).all() for v in state.values())

    def test_finite_losses_pass(self):
        cfg = copy.deepcopy(self.iter_based_cfg)
        cfg.train_cfg = dict(by_epoch=False, max_iters=3, val_interval=100)
        cfg.custom_hooks = [dict(type='DivergenceHook')]
        runner = self.build_runner(cfg)
        runner.train()  # no DivergenceError
        loss = runner.message_hub.get_scalar('train/loss').current()
        assert math.isfinite(loss)
