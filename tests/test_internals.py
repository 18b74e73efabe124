"""mmrethink.internals, the one home of the private mmengine / mmdet / torch
API we rely on: each function against the installed versions. These are
tests of upstream behaviour: they fail when mmengine, mmdet or torch change
what we assume, and the fix then belongs in mmrethink/internals.py."""
import inspect
import types

import pytest
import torch
from mmengine.config import Config
from mmengine.model import BaseModel
from mmengine.runner import Runner

from conftest import TOY_CONFIG
from mmrethink import internals


def test_metafiles_are_parsed_once_and_mmengine_is_restored(monkeypatch):
    """mmengine reads every mmdet metafile for each ``mmdet::`` base;
    ``read_config`` reads them once per process and gives the same
    config."""
    import mmengine.config.utils as config_utils

    from mmrethink.config import read_config
    # mmengine's lookup of an external config calls the module's `load`
    assert 'load' in config_utils._get_cfg_metainfo.__code__.co_names
    parsed = []
    real = config_utils.load

    def counted(file, *args, **kwargs):
        parsed.append(file)
        return real(file, *args, **kwargs)

    monkeypatch.setattr(config_utils, 'load', counted)
    monkeypatch.setattr(internals, '_METAFILES', {})
    plain = Config.fromfile(TOY_CONFIG)
    per_fromfile = len(parsed)
    metafiles = set(parsed)
    # each `mmdet::` base reads the same files again
    assert per_fromfile > len(metafiles) > 10
    parsed.clear()
    first = read_config(TOY_CONFIG)
    assert sorted(parsed) == sorted(metafiles)  # each once
    assert config_utils.load is counted  # restored after the block
    second = read_config(TOY_CONFIG)
    assert len(parsed) == len(metafiles)  # none again
    for cfg in (first, second):
        assert cfg.to_dict() == plain.to_dict()
        assert cfg.text == plain.text
    # an edited metafile is read anew (the key holds its mtime and size)
    parsed.clear()
    monkeypatch.setattr(internals, '_METAFILES', {
        key[:1] + (0, 0): value
        for key, value in internals._METAFILES.items()})
    read_config(TOY_CONFIG)
    assert sorted(parsed) == sorted(metafiles)


def test_package_prefix_is_what_mmengine_resolves_and_is_taken_out(
        tmp_path):
    import mmengine.config.utils as config_utils
    child = tmp_path / 'child.py'
    child.write_text("_base_ = 'mmrethink::_base_/schedules/iter-2x.py'\n")
    with pytest.raises(Exception, match='mmrethink'):
        Config.fromfile(str(child))  # mmengine does not know the package
    with internals.package_prefix('mmrethink'):
        cfg = Config.fromfile(str(child))
    assert cfg.train_cfg.max_iters == 180000
    assert 'mmrethink' not in config_utils.MODULE2PACKAGE


def test_checkpoint_schemes_are_mmengines_table():
    from mmengine.runner.checkpoint import CheckpointLoader

    def reader(filename, map_location=None):
        return {'state_dict': {}}

    before = internals.checkpoint_schemes()
    CheckpointLoader.register_scheme('internals-test://', reader)
    try:
        assert internals.checkpoint_schemes()['internals-test://'] is reader
        assert CheckpointLoader._get_checkpoint_loader(
            'internals-test://x') is reader
        internals.set_checkpoint_schemes(before)
        assert CheckpointLoader._get_checkpoint_loader(
            'internals-test://x') is not reader
    finally:
        internals.set_checkpoint_schemes(before)
    assert internals.checkpoint_schemes() == before


class _Model(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)

    def forward(self, *args, **kwargs):
        return {}


def test_the_runners_resume_state(tmp_path):
    runner = Runner(model=_Model(), work_dir=str(tmp_path), resume=True,
                    randomness=dict(seed=None))
    assert internals.is_resuming(runner)
    assert internals.resume_source(runner) is None
    # the path load_or_resume resumes from
    internals.set_resume_source(runner, str(tmp_path / 'missing.pth'))
    with pytest.raises(Exception, match='missing.pth'):
        runner.load_or_resume()
    internals.adopt_seed(runner, 1234)
    assert runner.seed == 1234
    # Runner.resume compares a checkpoint's seed with this one
    assert '_randomness_cfg' in inspect.getsource(Runner.resume)
    fresh = Runner(model=_Model(), work_dir=str(tmp_path / 'b'))
    assert not internals.is_resuming(fresh)


def test_mmengines_loop_replays_the_trained_batches():
    """mmengine 0.10 pulls every trained batch again on a resume; our loop
    hands it that many empty ones. A version without the replay reads
    False, and the loop hands none."""
    import mmengine
    assert internals.replays_trained_batches() is \
        mmengine.__version__.startswith('0.10.')


def test_shutdown_workers_ends_a_persistent_loaders_workers():
    from torch.utils.data import DataLoader
    loader = DataLoader(list(range(4)), batch_size=2, num_workers=1,
                        persistent_workers=True)
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3]]
    workers = loader._iterator._workers
    assert all(w.is_alive() for w in workers)
    internals.shutdown_workers(loader)
    assert not any(w.is_alive() for w in workers)
    internals.shutdown_workers(DataLoader([1]))  # none: nothing happens


GLOBAL_NAME = 'module'


def _reads_a_global():
    return GLOBAL_NAME


def test_with_globals_rebinds_only_the_copy():
    bound = internals.with_globals(_reads_a_global, GLOBAL_NAME='bound')
    assert bound() == 'bound' and _reads_a_global() == 'module'
    assert isinstance(bound, types.FunctionType)
    with pytest.raises(AttributeError, match='needs updating'):
        internals.with_globals(_reads_a_global, COCOeval=object)
    # mmdet's CocoMetric.compute_metrics reads COCOeval as a global
    from mmdet.evaluation import CocoMetric
    assert 'COCOeval' in CocoMetric.compute_metrics.__code__.co_names


def internals_test_statistic(self):
    return 0


def test_history_buffer_statistics_are_the_registered_ones(monkeypatch):
    from mmengine.logging import HistoryBuffer
    # (registered for this test only: every buffer pickles the table)
    monkeypatch.setattr(HistoryBuffer, '_statistics_methods',
                        dict(HistoryBuffer._statistics_methods))
    HistoryBuffer.register_statistics(internals_test_statistic)

    # (min, max, current, mean are methods of the class, not registered)
    assert 'internals_test_statistic' in \
        internals.history_buffer_statistics()


def test_the_protected_methods_we_override_are_mmengines_hooks():
    """InfiniteSampler._infinite_indices feeds its iterator (our subset
    sampler overrides it); CheckpointHook saves through
    _save_checkpoint_with_step (ours appends the atomic last_checkpoint)."""
    from mmengine.dataset import InfiniteSampler
    from mmengine.hooks import CheckpointHook
    assert '_infinite_indices' in inspect.getsource(
        InfiniteSampler._indices_of_rank)
    assert '_save_checkpoint_with_step' in inspect.getsource(
        CheckpointHook._save_checkpoint)
    assert 'self.last_ckpt' in inspect.getsource(
        CheckpointHook._save_checkpoint_with_step)
