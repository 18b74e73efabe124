"""CurveHook on mmengine's toy runners: points where they belong, resume
without loss or duplicates, denser validation from the schedule; the
overfitting onset over a curve."""
import copy

import pytest
from mmengine.evaluator import BaseMetric
from mmengine.hooks import Hook
from mmengine.registry import HOOKS, METRICS
from mmengine.testing import RunnerTestCase

from mmrethink.hooks import CurveHook
from mmrethink.records import curves
from mmrethink.checkpoint.loading import checkpoint_loading
from mmrethink.records.curves import find_overfitting_onset
from mmrethink.schedules import iter_schedule

# the scripted AP as a function of the iteration it is measured at
SCRIPTS = {
    'rising': lambda it: it / 100,
}


class ScriptedMetric(BaseMetric):
    """Returns SCRIPTS[script](iterations done) as 'coco/bbox_mAP'; the
    iteration comes from ValProbe."""

    current_iter = 0

    def __init__(self, script='rising', collect_device='cpu'):
        super().__init__(collect_device=collect_device)
        self.script = script

    def process(self, data_batch, predictions):
        self.results.append(0)

    def compute_metrics(self, results):
        if self.script == 'nothing-before-6' and self.current_iter < 6:
            return {}  # what mmdet's CocoMetric returns for no detections
        script = SCRIPTS.get(self.script, SCRIPTS['rising'])
        return {'coco/bbox_mAP': script(self.current_iter), 'coco/aux': 1.}


class ValProbe(Hook):
    """Tells ScriptedMetric the iteration, records each iteration's loss,
    and can raise before one validation, like a SIGKILL there."""

    losses = {}

    def __init__(self, kill_at=None):
        self.kill_at = kill_at

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        ValProbe.losses[runner.iter + 1] = float(outputs['loss'])

    def before_val_epoch(self, runner):
        ScriptedMetric.current_iter = runner.iter
        if runner.iter == self.kill_at:
            raise KeyboardInterrupt(f'killed at {self.kill_at}')


def read_curve(work_dir):
    return curves.read_curve(work_dir)


class TestCurveHook(RunnerTestCase):

    def setUp(self):
        super().setUp()
        # the toy runners use mmengine's root registries
        METRICS.register_module(module=ScriptedMetric, force=True)
        HOOKS.register_module(module=CurveHook, force=True)
        HOOKS.register_module(module=ValProbe, force=True)

    def tearDown(self):
        METRICS.module_dict.pop('ScriptedMetric', None)
        HOOKS.module_dict.pop('CurveHook', None)
        HOOKS.module_dict.pop('ValProbe', None)
        super().tearDown()

    def iter_cfg(self, max_iters=12, val_interval=3, ckpt_interval=6,
                 script='rising', **hook):
        cfg = copy.deepcopy(self.iter_based_cfg)
        cfg.train_cfg = dict(by_epoch=False, max_iters=max_iters,
                             val_interval=val_interval)
        cfg.val_evaluator = [dict(type='ScriptedMetric', script=script)]
        cfg.default_hooks.checkpoint = dict(
            type='CheckpointHook', interval=ckpt_interval, by_epoch=False)
        cfg.custom_hooks = [dict(type='CurveHook', **hook),
                            dict(type='ValProbe')]
        cfg.randomness = dict(seed=0)
        return cfg

    def test_iteration_based_points_at_every_validation(self):
        runner = self.build_runner(self.iter_cfg())
        runner.train()
        curve = read_curve(runner.work_dir)
        assert [p['iter'] for p in curve] == [3, 6, 9, 12]
        assert [p['val']['coco/bbox_mAP'] for p in curve] == \
            [.03, .06, .09, .12]
        assert [p['best'] for p in curve] == [False, False, False, True]
        for p in curve:
            assert set(p['train']) == {'loss'}
            assert p['lr'] == pytest.approx(0.1)
        # the loss of a point averages the iterations since the previous one
        losses = ValProbe.losses
        assert curve[1]['train']['loss'] == pytest.approx(
            sum(losses[i] for i in (4, 5, 6)) / 3, rel=1e-6)
        assert curve[0]['train']['loss'] != curve[1]['train']['loss']

    def test_validation_without_metrics_keeps_its_point_at_zero(self):
        runner = self.build_runner(self.iter_cfg(script='nothing-before-6'))
        runner.train()
        curve = read_curve(runner.work_dir)
        assert [p['iter'] for p in curve] == [3, 6, 9, 12]
        assert curve[0]['val'] == {'coco/bbox_mAP': 0.0}
        assert curve[0]['no_metrics'] is True
        assert ['no_metrics' in p for p in curve[1:]] == [False] * 3
        assert [p['val']['coco/bbox_mAP'] for p in curve[1:]] == \
            [.06, .09, .12]

    def test_epoch_based_points(self):
        cfg = copy.deepcopy(self.epoch_based_cfg)
        cfg.train_cfg = dict(by_epoch=True, max_epochs=3, val_interval=1)
        cfg.val_evaluator = [dict(type='ScriptedMetric')]
        cfg.custom_hooks = [dict(type='CurveHook'), dict(type='ValProbe')]
        runner = self.build_runner(cfg)
        runner.train()
        curve = read_curve(runner.work_dir)
        # 12 toy images at batch 3: 4 iterations an epoch
        assert [(p['epoch'], p['iter']) for p in curve] == \
            [(1, 4), (2, 8), (3, 12)]
        assert [p['val']['coco/bbox_mAP'] for p in curve] == [.04, .08, .12]

    def _resumed_curve(self, kill_at):
        cfg = self.iter_cfg()
        cfg.custom_hooks[1] = dict(type='ValProbe', kill_at=kill_at)
        runner = self.build_runner(cfg)
        with pytest.raises(KeyboardInterrupt):
            runner.train()
        work_dir = runner.work_dir
        cfg = self.iter_cfg()
        cfg.resume = True  # finds iter_6.pth through last_checkpoint
        runner = self.build_runner(cfg)
        # mmengine's CheckpointHook wrote numpy into the file: stock torch
        # refuses it, our scoped loading (what our tools run in) reads it
        with checkpoint_loading():
            runner.train()
        assert runner.work_dir == work_dir
        return read_curve(work_dir)

    def test_resume_killed_before_checkpoint_validation(self):
        # killed after iter_6.pth was saved, before validating iteration 6:
        # the resumed run validates the checkpoint first
        curve = self._resumed_curve(kill_at=6)
        self.clear_work_dir()
        reference = self._reference()
        assert [p['iter'] for p in curve] == [3, 6, 9, 12]
        self._assert_same(curve, reference)

    def test_resume_killed_after_a_later_validation(self):
        # killed at iteration 9's validation: the file had points 3 and 6,
        # the checkpoint of 6 knew only point 3
        curve = self._resumed_curve(kill_at=9)
        self.clear_work_dir()
        reference = self._reference()
        assert [p['iter'] for p in curve] == [3, 6, 9, 12]
        self._assert_same(curve, reference)

    def _reference(self):
        runner = self.build_runner(self.iter_cfg())
        runner.train()
        return read_curve(runner.work_dir)

    @staticmethod
    def _assert_same(curve, reference):
        assert len(curve) == len(reference)
        for got, want in zip(curve, reference):
            assert got['iter'] == want['iter']
            assert got['val'] == want['val']
            assert got['best'] == want['best']
            assert got['lr'] == pytest.approx(want['lr'])
            assert got['train']['loss'] == pytest.approx(
                want['train']['loss'], rel=1e-5)

    def test_denser_validation_from_the_schedule(self):
        # mmengine's dynamic intervals, as iter_schedule(dense=...) sets them
        train_cfg, schedulers = iter_schedule(48, [24, 40], warmup_iters=1,
                                              val_interval=8, dense=(4, 2))
        cfg = self.iter_cfg(max_iters=48, val_interval=8, ckpt_interval=48)
        cfg.train_cfg.update(train_cfg)
        cfg.param_scheduler = schedulers
        runner = self.build_runner(cfg)
        runner.train()
        iters = [p['iter'] for p in read_curve(runner.work_dir)]
        # the two windows (16..32, 32..48) touch: dense from 16 to the end
        assert iters == [8] + list(range(16, 49, 2))
        lrs = {p['iter']: p['lr'] for p in read_curve(runner.work_dir)}
        # points on both sides of each drop
        assert lrs[22] == pytest.approx(10 * lrs[26])
        assert lrs[38] == pytest.approx(10 * lrs[42])

    def test_unknown_monitor_is_refused(self):
        cfg = self.iter_cfg(monitor='coco/segm_mAP')
        runner = self.build_runner(cfg)
        with pytest.raises(KeyError, match="monitor='coco/segm_mAP'"):
            runner.train()


def test_find_overfitting_onset():
    with pytest.raises(ValueError, match='patience'):
        find_overfitting_onset([.1], .01, 0)
    assert find_overfitting_onset([.1, .2, .3, .4], .01, 2) is None
    assert find_overfitting_onset([.1, .4, .3, .35, .3, .2], .01, 3) == 2
    # a dip that recovers is not an onset
    assert find_overfitting_onset([.1, .4, .3, .3, .41, .3], .01, 3) is None
    # within the margin is not worse
    assert find_overfitting_onset([.4, .395, .395, .395], .01, 2) is None
