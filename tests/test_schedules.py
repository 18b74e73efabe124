"""The schedule rule and denser validation around the lr drops."""
import pytest

from mmrethink.schedules import (dense_intervals, iter_schedule,
                                 paper_schedule, short_schedule)


def test_paper_rule():
    assert paper_schedule(6) == (540000, [480000, 520000])
    assert paper_schedule(2) == (180000, [120000, 160000])
    # Detectron2's 9x at batch 64: everything / 4
    assert paper_schedule(9, batch_size=64) == (202500, [187500, 197500])
    with pytest.raises(ValueError, match='too short'):
        paper_schedule(0.5)


def test_iter_schedule_dicts():
    train_cfg, schedulers = iter_schedule(*paper_schedule(3),
                                          val_interval=5000)
    assert train_cfg == dict(max_iters=270000, val_interval=5000)
    warmup, steps = schedulers
    assert (warmup['type'], warmup['end'], warmup['start_factor']) == (
        'LinearLR', 500, pytest.approx(1 / 3))
    assert (steps['type'], steps['milestones'], steps['end']) == (
        'MultiStepLR', [210000, 250000], 270000)


def test_overlapping_windows_merge_on_the_60k_schedule():
    # 60k, drops at 40000 and 53333, validation every 3000: the windows
    # [30k, 51k] and [42k, 63k] overlap, so it stays dense to the end
    max_iters, drops = short_schedule(60000)
    assert drops == [40000, 53333]
    assert dense_intervals(drops, 3000, 10000, 1000, max_iters) == [
        (30000, 1000)]
    train_cfg, _ = iter_schedule(max_iters, drops, val_interval=3000,
                                 dense=(10000, 1000))
    assert train_cfg['dynamic_intervals'] == [(30000, 1000)]


def test_voc_18k_stays_dense_past_the_second_drop():
    max_iters, drops = short_schedule(18000)
    assert drops == [12000, 16000]
    changes = dense_intervals(drops, 2000, 2000, 500, max_iters)
    assert changes == [(10000, 500)]  # dense from 10k through 18k


def test_separate_windows_go_back_between_them():
    assert dense_intervals([40000, 90000], 10000, 5000, 1000) == [
        (30000, 1000), (50000, 10000), (80000, 1000), (100000, 10000)]


def test_dense_interval_must_divide_the_validation_interval():
    with pytest.raises(ValueError, match='must divide'):
        dense_intervals([100], 10, 5, 3)
    with pytest.raises(ValueError, match='dense needs val_interval'):
        iter_schedule(100, [60], dense=(5, 1))


def test_the_old_module_name_still_resolves_downstream_configs(tmp_path):
    """Configs written for mmrethink 0.2 import mmrethink.utils.schedules:
    they resolve as before, with a DeprecationWarning naming the new
    module."""
    import importlib
    import sys

    from mmengine.config import Config

    from mmrethink import get_config_path, schedules
    sys.modules.pop('mmrethink.utils.schedules', None)
    with pytest.warns(DeprecationWarning, match='mmrethink.schedules'):
        old = importlib.import_module('mmrethink.utils.schedules')
    assert old.iter_schedule is schedules.iter_schedule
    child = tmp_path / 'downstream.py'
    base = get_config_path('_base_/schedules/iter-schedule')
    child.write_text(
        f'_base_ = {base!r}\n'
        'from mmrethink.utils.schedules import iter_schedule, '
        'paper_schedule\n'
        'train_cfg, param_scheduler = iter_schedule(*paper_schedule(2))\n')
    cfg = Config.fromfile(str(child))
    assert cfg.train_cfg.max_iters == 180000
    assert cfg.param_scheduler[1]['milestones'] == [120000, 160000]
