"""Hooks for the multi-process tests: ``RecordRankHook`` (each rank writes
the image ids it trained on and a digest of its final weights to
<work_dir>/rank<r>.json) and ``NaNLossAtHook`` (one rank's logged loss turns
NaN at one iteration)."""
import hashlib
import json
import os.path as osp

from mmdet.registry import HOOKS
from mmengine.hooks import Hook


@HOOKS.register_module()
class RecordRankHook(Hook):
    """Record what this rank's loader yielded and where its weights ended."""

    def __init__(self) -> None:
        self.ids = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.ids += [s.img_id for s in data_batch['data_samples']]

    def after_train(self, runner):
        model = getattr(runner.model, 'module', runner.model)
        digest = hashlib.sha256()
        for name, value in sorted(model.state_dict().items()):
            digest.update(name.encode())
            digest.update(value.detach().cpu().numpy().tobytes())
        with open(osp.join(runner.work_dir, f'rank{runner.rank}.json'),
                  'w') as f:
            json.dump(dict(rank=runner.rank, world_size=runner.world_size,
                           ids=self.ids, weights=digest.hexdigest()), f)


@HOOKS.register_module()
class NaNLossAtHook(Hook):
    """Make ``rank``'s loss NaN at ``iteration`` (before DivergenceHook,
    listed after it in custom_hooks, sees it)."""

    priority = 'HIGHEST'

    def __init__(self, iteration: int, rank: int) -> None:
        self.iteration = iteration
        self.rank = rank

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter + 1 == self.iteration and runner.rank == self.rank:
            outputs['loss'] = outputs['loss'] * float('nan')
