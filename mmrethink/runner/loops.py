"""mmengine's iteration-based train loop, resuming in seconds and exactly.

mmengine 0.10.7 resumes an iteration-based run by pulling every batch
already trained on through the data pipeline (``IterBasedTrainLoop.run``
calls ``next`` on the data iterator ``iter`` times): late in a 6x run that
is a million images per rank, tens of minutes at each pre-emption. It
replays to keep the data exact, since the samples' augmentation depends on
what each loader worker processed before.

:class:`ResumableIterBasedTrainLoop` makes the data a function of its place
instead (:mod:`mmrethink.runner.batch_stream`): each sample's augmentation
is seeded from the run's seed, the rank and the sample's place in the
batch stream, so a resumed run *skips* the trained batches by drawing
their indices in the main process (no image is read) and continues with
the batches, and the augmented images, of the uninterrupted run, whatever
the number of loader workers. What the loop does besides:

- it builds the data loader with the seed of the checkpoint a resumed run
  will load (mmengine builds it with a fresh seed and restores the old one
  only later), so sampler and augmentation continue the same streams;
- its loader's workers are created with the stop signals blocked, so that
  a launcher's SIGTERM to the process group does not kill them
  (:mod:`mmrethink.utils.signals`);
- it refuses a SyncBN model on a single process (mmengine would silently
  turn SyncBN into per-GPU BN).

Supported: mmengine's ``InfiniteSampler``, our ``InfiniteSubsetSampler``
and any batch sampler over them (mmdet's ``AspectRatioBatchSampler``), one
rank or many. Epoch-based loops resume at epoch boundaries, as mmengine's
(no replay there). The loop logs how many batches it skipped and how long
positioning took.
"""
import os.path as osp
import time
from typing import Dict, List, Optional, Tuple, Union

from mmdet.registry import LOOPS
from mmengine.dist import get_rank
from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop
from mmengine.runner.loops import _InfiniteDataloaderIterator
from torch.utils.data import DataLoader

from ..utils.checkpoints import find_resume_checkpoint
from ..utils.dist import check_syncbn_launch
from ..utils.safe_load import load_checkpoint_file
from ..utils.signals import die_with_parent, workers_immune
from .batch_stream import BatchStream, SeededSamples


@LOOPS.register_module()
class ResumableIterBasedTrainLoop(IterBasedTrainLoop):
    """mmengine's ``IterBasedTrainLoop`` that skips, rather than replays,
    the trained batches of a resumed run. Arguments are mmengine's."""

    def __init__(self,
                 runner,
                 dataloader: Union[DataLoader, Dict],
                 max_iters: int,
                 val_begin: int = 1,
                 val_interval: int = 1000,
                 dynamic_intervals: Optional[List[Tuple[int, int]]] = None
                 ) -> None:
        check_syncbn_launch(runner.cfg)
        _adopt_resumed_seed(runner)
        if isinstance(dataloader, dict):
            dataloader = runner.build_dataloader(
                dataloader, seed=runner.seed, diff_rank_seed=runner.
                _randomness_cfg.get('diff_rank_seed', False))
        self.stream = BatchStream(dataloader.batch_sampler, runner.seed,
                                  get_rank())
        dataloader = _rebuilt(dataloader,
                              dataset=SeededSamples(dataloader.dataset),
                              batch_sampler=self.stream)
        with workers_immune():  # mmengine starts the workers here
            super().__init__(runner, dataloader, max_iters, val_begin,
                             val_interval, dynamic_intervals)

    def run(self):
        """mmengine's loop, with the data stream positioned, not replayed;
        the loaders' workers are stopped when it ends, however it ends."""
        try:
            return self._run()
        finally:
            # workers that ignore SIGTERM would also ignore the terminate()
            # of Python's exit: ask them to finish, as torch does
            val_loader = getattr(self.runner.val_loop, 'dataloader', None)
            for owner in (self.dataloader_iterator, self.dataloader,
                          val_loader):
                stop_workers(owner)

    def _run(self):
        warn_if_drops_never_come(self.runner.param_schedulers,
                                 self._max_iters)
        val_loop = self.runner.val_loop
        if val_loop is not None and isinstance(val_loop.dataloader,
                                               DataLoader):
            # its workers will ignore the stop signals too (the checkpoint
            # hook blocks them while they are created)
            val_loop.dataloader = _rebuilt(val_loop.dataloader)
        self.runner.call_hook('before_train')
        self.runner.call_hook('before_train_epoch')
        start = time.perf_counter()
        self.stream.start(self._iter)
        with workers_immune():  # (new workers unless they are persistent)
            self.dataloader_iterator = _InfiniteDataloaderIterator(
                self.dataloader)
        if self._iter > 0:
            print_log(
                f'resumed at iteration {self._iter}: skipped {self._iter} '
                f'trained batches in {time.perf_counter() - start:.2f} s '
                '(indices drawn, no image read)', logger='current')
        while self._iter < self._max_iters and not self.stop_training:
            self.runner.model.train()
            data_batch = next(self.dataloader_iterator)
            self.run_iter(data_batch)
            self._decide_current_val_interval()
            if (self.runner.val_loop is not None
                    and self._iter >= self.val_begin
                    and (self._iter % self.val_interval == 0
                         or self._iter == self._max_iters)):
                self.runner.val_loop.run()
        self.runner.call_hook('after_train_epoch')
        self.runner.call_hook('after_train')
        return self.runner.model


def warn_if_drops_never_come(schedulers, max_iters: int) -> None:
    """Warn when lr drops lie at or after the end of training: a config
    that changed ``train_cfg.max_iters`` but not the drops (a child's
    ``param_scheduler`` list replaces its parent's whole, so the drops of
    the parent's length stay)."""
    if isinstance(schedulers, dict):  # one list per optimizer
        schedulers = [s for group in schedulers.values() for s in group]
    for scheduler in schedulers or []:
        late = sorted(m for m in getattr(scheduler, 'milestones', {})
                      if m >= max_iters)
        if late:
            print_log(
                f'train_cfg.max_iters={max_iters}, but the lr drops of '
                f'{type(scheduler).__name__} at {late} come at or after the '
                'end: the lr never drops there. Restate param_scheduler for '
                'the new length, e.g. train_cfg, param_scheduler = '
                'iter_schedule(*paper_schedule(N)) from '
                'mmrethink.utils.schedules (docs/configs.md)',
                logger='current', level=30)


def stop_workers(owner) -> None:
    """Let the workers of a data loader (its persistent iterator) or of a
    loader iterator finish (torch's own shutdown: a sentinel, then
    join)."""
    iterator = getattr(owner, '_iterator', owner)  # mmengine's or torch's
    shutdown = getattr(iterator, '_shutdown_workers', None)
    if shutdown is not None:
        shutdown()


def _rebuilt(loader: DataLoader, **changes) -> DataLoader:
    """A copy of ``loader`` (no worker has started yet) with ``changes``,
    whose workers die with the training process."""
    settings = dict(
        dataset=loader.dataset,
        batch_sampler=loader.batch_sampler,
        num_workers=loader.num_workers,
        collate_fn=loader.collate_fn,
        pin_memory=loader.pin_memory,
        timeout=loader.timeout,
        worker_init_fn=die_with_parent(loader.worker_init_fn),
        multiprocessing_context=loader.multiprocessing_context,
        generator=loader.generator,
        prefetch_factor=loader.prefetch_factor,
        persistent_workers=loader.persistent_workers,
        pin_memory_device=loader.pin_memory_device)
    settings.update(changes)
    return DataLoader(**settings)


def _adopt_resumed_seed(runner) -> None:
    """Decide the checkpoint a resumed run continues from, once, and give
    the runner its seed now, before the data loader is built with it.

    ``--resume`` without a path leaves the choice to the runner; ours is
    :func:`find_resume_checkpoint` (``last_checkpoint`` if it loads, else
    the newest checkpoint that does), and it becomes the runner's
    ``load_from``, so that mmengine's ``load_or_resume`` restores weights,
    optimizer and loader position from the file the seed came from — also
    under mmdet's own ``tools/train.py``, whose ``--resume`` would
    otherwise look only at ``last_checkpoint``."""
    if not runner._resume:
        return
    if runner._load_from is None:
        runner._load_from = find_resume_checkpoint(runner.work_dir)
    path = runner._load_from
    if not path or not osp.isfile(path):
        return  # nothing to resume, or a URL: mmengine's seed handling
    seed = load_checkpoint_file(path, map_location='cpu',
                                mmap=True).get('meta', {}).get('seed')
    if seed is None or seed == runner.seed:
        return
    print_log(f'resuming {path}: using its seed {seed} (this launch drew '
              f'{runner.seed})', logger='current')
    runner._randomness_cfg.update(seed=seed)
    runner.set_randomness(**runner._randomness_cfg)
