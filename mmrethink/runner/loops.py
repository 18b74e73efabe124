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

- it decides, once, which checkpoint a resumed run continues from, and
  builds the data loader with that checkpoint's seed (mmengine builds it
  with a fresh seed and restores the old one only later), so sampler and
  augmentation continue the same streams, and the weights come from the
  same file;
- it runs pre-emption (:mod:`mmrethink.runner.preemption`,
  ``stop_signals``): a launcher's signal ends the run with a checkpoint of
  the current iteration, and its loaders' workers, created with the
  signals blocked, do not die first;
- one collective per iteration carries every flag the ranks must agree on
  (:mod:`mmrethink.runner.agreement`: the stop, a divergence);
- it refuses a SyncBN model on a single process (mmengine would silently
  turn SyncBN into per-GPU BN);
- it holds the work dir while it trains (:mod:`mmrethink.runner.
  work_dir_lock`): a second run into it refuses to start, naming the
  holder.

Training itself is mmengine's ``IterBasedTrainLoop.run``: this loop hands
it a data iterator positioned at the resumed iteration (the batches
mmengine would replay come back empty, without touching the loader: its
"Advance dataloader N steps" line still shows, and ours says what it
cost), and stops the loaders' workers when it returns.

Supported: mmengine's ``InfiniteSampler``, our ``InfiniteSubsetSampler``
and any batch sampler over them (mmdet's ``AspectRatioBatchSampler``), one
rank or many. Epoch-based loops resume at epoch boundaries, as mmengine's
(no replay there). The loop logs how many batches it skipped and how long
positioning took.
"""
import inspect
import os.path as osp
import time
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mmdet.registry import LOOPS
from mmengine.dist import get_rank
from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop
from torch.utils.data import DataLoader

from ..checkpoint.safe_load import load_checkpoint_file
from ..checkpoint.work_dir import find_resume_checkpoint
from ..internals import (adopt_seed, is_resuming, replays_trained_batches,
                         resume_source, set_resume_source, shutdown_workers)
from .agreement import IterationAgreement
from .batch_stream import BatchStream, SeededSamples
from .dist import check_syncbn_launch
from .preemption import (STOP_SIGNALS, Preemption, die_with_parent,
                         workers_immune)
from .work_dir_lock import hold_work_dir


@LOOPS.register_module()
class ResumableIterBasedTrainLoop(IterBasedTrainLoop):
    """mmengine's ``IterBasedTrainLoop`` that skips, rather than replays,
    the trained batches of a resumed run, and stops on a launcher's signal
    with a checkpoint.

    Args:
        stop_signals (Sequence[str]): Signals that end the run with a
            checkpoint of the current iteration and exit status 143
            (:mod:`mmrethink.runner.preemption`); ``[]``: none. Defaults to
            ``('SIGTERM', 'SIGUSR1')``.
        Others: mmengine's.
    """

    def __init__(self,
                 runner,
                 dataloader: Union[DataLoader, Dict],
                 max_iters: int,
                 val_begin: int = 1,
                 val_interval: int = 1000,
                 dynamic_intervals: Optional[List[Tuple[int, int]]] = None,
                 stop_signals: Sequence[str] = STOP_SIGNALS) -> None:
        check_syncbn_launch(runner.cfg)
        self.work_dir_lock = None
        decide_resume(runner)
        if isinstance(dataloader, dict):
            dataloader = runner.build_dataloader(
                dataloader, seed=runner.seed, diff_rank_seed=runner.cfg.get(
                    'randomness', {}).get('diff_rank_seed', False))
        self.stream = BatchStream(dataloader.batch_sampler, runner.seed,
                                  get_rank())
        dataloader = _rebuilt(dataloader,
                              dataset=SeededSamples(dataloader.dataset),
                              batch_sampler=self.stream)
        #: the one collective per iteration (stop, divergence)
        self.agreement = IterationAgreement()
        self.preemption = Preemption(stop_signals, self.agreement)
        with workers_immune():  # mmengine starts the workers here
            super().__init__(runner, dataloader, max_iters, val_begin,
                             val_interval, dynamic_intervals)
        runner.register_hook(self.preemption)

    def run(self):
        """mmengine's loop, with the data stream positioned, not replayed;
        the loaders' workers are stopped when it ends, however it ends."""
        warn_if_drops_never_come(self.runner.param_schedulers,
                                 self.max_iters)
        val_loop = self.runner.val_loop
        if val_loop is not None and isinstance(val_loop.dataloader,
                                               DataLoader):
            # its workers ignore the stop signals too (pre-emption blocks
            # them while they are created)
            val_loop.dataloader = _rebuilt(val_loop.dataloader)
        self.stream.start(self.iter)
        self.dataloader_iterator = _PositionedIterator(
            self.dataloader, self.iter if replays_trained_batches() else 0)
        try:
            # one writer per work dir, before the first write of training
            self.work_dir_lock = hold_work_dir(self.runner.work_dir)
            return super().run()
        finally:
            try:
                # workers that ignore SIGTERM would also ignore the
                # terminate() of Python's exit: ask them to finish, as
                # torch does
                for owner in (self.dataloader_iterator.iterator,
                              self.dataloader,
                              getattr(val_loop, 'dataloader', None)):
                    if owner is not None:
                        shutdown_workers(owner)
            finally:
                if self.work_dir_lock is not None:
                    self.work_dir_lock.release()


class _PositionedIterator:
    """The loop's data iterator once the stream is positioned: the first
    ``replayed`` calls (mmengine's replay of the trained batches) return
    None without touching the loader; then the loader's batches, its
    workers created immune to the stop signals. The stream never ends
    (:class:`BatchStream`)."""

    def __init__(self, loader: DataLoader, replayed: int) -> None:
        self.loader = loader
        self.replayed = replayed
        self.iterator = None

    def __iter__(self):
        return self

    def __next__(self):
        if self.replayed > 0:
            self.replayed -= 1
            return None
        if self.iterator is not None:
            return next(self.iterator)
        start = time.perf_counter()
        with workers_immune():  # (new workers unless persistent)
            self.iterator = iter(self.loader)
        batch = next(self.iterator)
        first = self.loader.batch_sampler.first
        if first:
            print_log(
                f'resumed at iteration {first}: skipped {first} trained '
                f'batches and loaded the next in '
                f'{time.perf_counter() - start:.2f} s (indices drawn, no '
                'image read)', logger='current')
        return batch


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
                'mmrethink.schedules (docs/configs.md)',
                logger='current', level=30)


def _rebuilt(loader: DataLoader, **changes) -> DataLoader:
    """A copy of ``loader`` (no worker has started yet) with ``changes``,
    whose workers die with the training process. Every argument of
    ``DataLoader`` that the loader keeps is carried over (those a batch
    sampler excludes are its business)."""
    excluded = {'self', 'batch_size', 'shuffle', 'sampler', 'drop_last'}
    settings = {
        name: getattr(loader, name)
        for name in inspect.signature(DataLoader.__init__).parameters
        if name not in excluded and hasattr(loader, name)}
    settings['worker_init_fn'] = die_with_parent(loader.worker_init_fn)
    settings.update(changes)
    return DataLoader(**settings)


def decide_resume(runner) -> None:
    """Decide the checkpoint a resumed run continues from, once, and give
    the runner its seed now, before the data loader is built with it.

    ``--resume`` without a path leaves the choice to the runner; ours is
    :func:`find_resume_checkpoint` (``last_checkpoint`` if it loads, else
    the newest checkpoint that does), and it becomes the runner's
    ``load_from``, so that mmengine's ``load_or_resume`` restores weights,
    optimizer and loader position from the file the seed came from — also
    under mmdet's own ``tools/train.py``, whose ``--resume`` would
    otherwise look only at ``last_checkpoint``."""
    if not is_resuming(runner):
        return
    if resume_source(runner) is None:
        set_resume_source(runner, find_resume_checkpoint(runner.work_dir))
    path = resume_source(runner)
    if not path or not osp.isfile(path):
        return  # nothing to resume, or a URL: mmengine's seed handling
    seed = load_checkpoint_file(path, map_location='cpu',
                                mmap=True).get('meta', {}).get('seed')
    if seed is None or seed == runner.seed:
        return
    print_log(f'resuming {path}: using its seed {seed} (this launch drew '
              f'{runner.seed})', logger='current')
    adopt_seed(runner, seed)
