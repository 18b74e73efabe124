"""mmrethink installs as a package and its configs can be found and inherited
from any directory, in each of the ways the README documents."""
import os
import os.path as osp
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT, run_python

pytestmark = pytest.mark.slow

LEAF = 'rethinking/mask-rcnn_r50-scratch_fpn_gn-all_8xb2-6x_coco.py'


def test_get_config_path_and_listing():
    import mmrethink
    path = mmrethink.get_config_path(LEAF)
    assert osp.isabs(path) and osp.isfile(path)
    assert mmrethink.get_config_path(LEAF[:-3]) == path
    assert mmrethink.get_config_path('mmrethink::' + LEAF) == path
    assert LEAF in mmrethink.list_configs()
    assert not any(c.startswith('_base_') for c in mmrethink.list_configs())
    assert '_base_/schedules/iter-6x.py' in mmrethink.list_configs(
        include_bases=True)


def test_unknown_config_names_the_folder_and_suggests():
    import mmrethink
    with pytest.raises(FileNotFoundError, match='no config'):
        mmrethink.get_config_path('rethinking/nope.py')
    # a right file name in the wrong folder gets a suggestion
    with pytest.raises(FileNotFoundError, match='Did you mean: ' + LEAF):
        mmrethink.get_config_path(osp.basename(LEAF))
    # paths may not climb out of the configs folder
    with pytest.raises(FileNotFoundError):
        mmrethink.get_config_path('../pyproject.toml')


def test_imports_from_outside_the_repo(tmp_path):
    out = run_python(['-c', 'import mmrethink, os; print(mmrethink.__file__);'
                      'print(mmrethink.get_config_path(%r))' % LEAF],
                     cwd=str(tmp_path))
    assert osp.isfile(out.split()[-1])


@pytest.fixture(scope='module')
def installed_wheel(tmp_path_factory):
    """mmrethink installed from a wheel (plain `pip install .`, not -e) into
    a private folder, with the repo nowhere on the path."""
    target = tmp_path_factory.mktemp('site')
    proc = subprocess.run(
        [sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps',
         '--no-build-isolation', '--target', str(target), ROOT],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.returncode == 0, proc.stdout
    return str(target)


def _env_with(path):
    env = dict(os.environ)
    env['PYTHONPATH'] = path
    return env


def test_wheel_carries_the_configs(installed_wheel, tmp_path):
    code = textwrap.dedent(f'''
        import mmrethink
        from mmengine.config import Config
        path = mmrethink.get_config_path({LEAF!r})
        assert path.startswith({installed_wheel!r}), (path, mmrethink.__file__)
        cfg = Config.fromfile(path)
        print(cfg.train_cfg.max_iters, len(mmrethink.list_configs()))
    ''')
    out = run_python(['-c', code], cwd=str(tmp_path),
                     env=_env_with(installed_wheel))
    max_iters, num_configs = out.split()[-2:]
    assert int(max_iters) == 540000
    import mmrethink
    assert int(num_configs) == len(mmrethink.list_configs())


def _downstream_config(tmp_path, base):
    """A downstream project's config inheriting ours and changing one value."""
    project = tmp_path / 'project' / 'configs'
    project.mkdir(parents=True)
    cfg_file = project / 'my_experiment.py'
    cfg_file.write_text(textwrap.dedent(f'''
        _base_ = {base!r}
        train_cfg = dict(val_interval=5000)
    '''))
    return str(cfg_file)


def _check_downstream(cfg_file, env=None, read='Config.fromfile'):
    code = textwrap.dedent(f'''
        import mmrethink
        from mmengine.config import Config
        cfg = {read}({cfg_file!r})
        print(cfg.train_cfg.max_iters, cfg.train_cfg.val_interval,
              cfg.model.backbone.frozen_stages, cfg.model.backbone.init_cfg)
    ''')
    out = run_python(['-c', code], cwd=osp.dirname(cfg_file), env=env)
    assert out.split()[-4:] == ['540000', '5000', '-1', 'None']


def test_inherit_by_relative_path(tmp_path):
    # e.g. mmrethink checked out (or a git submodule) beside the project
    target = osp.join(ROOT, 'configs', LEAF)
    project_configs = tmp_path / 'project' / 'configs'
    rel = osp.relpath(target, str(project_configs))
    _check_downstream(_downstream_config(tmp_path, rel))


def test_inherit_by_installed_path(installed_wheel, tmp_path):
    # `python -m mmrethink.config NAME` prints the installed path
    out = run_python(['-m', 'mmrethink.config', LEAF],
                     cwd=str(tmp_path), env=_env_with(installed_wheel))
    path = out.strip().splitlines()[-1]
    assert path.startswith(installed_wheel)
    _check_downstream(_downstream_config(tmp_path, path),
                      env=_env_with(installed_wheel))


def test_inherit_with_mmrethink_prefix(installed_wheel, tmp_path):
    # works where our reader reads the config, as tools/train.py and
    # tools/test.py do (importing mmrethink alone changes nothing of
    # mmengine's: test_importing_mmrethink_changes_nothing_of_others)
    cfg_file = _downstream_config(tmp_path, 'mmrethink::' + LEAF)
    _check_downstream(cfg_file, env=_env_with(installed_wheel),
                      read='mmrethink.read_config')
    proc = subprocess.run(
        [sys.executable, '-c', 'import mmrethink; from mmengine.config '
         f'import Config; Config.fromfile({cfg_file!r})'],
        env=_env_with(installed_wheel), cwd=str(tmp_path), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.returncode != 0 and 'mmrethink' in proc.stdout


def test_mmrethink_prefix_trains_without_scope_fallbacks(toy_data, tmp_path):
    """`mmrethink::` marks our dicts with _scope_='mmrethink'; mmrethink's
    child registries resolve them through mmdet's, with no fallback."""
    from conftest import TOY_CONFIG, toy_data_options
    name = osp.relpath(TOY_CONFIG, osp.join(ROOT, 'configs'))
    cfg_file = _downstream_config(tmp_path, 'mmrethink::' + name)
    out = run_python([osp.join(ROOT, 'tools', 'train.py'), cfg_file,
                      '--work-dir', str(tmp_path / 'work'), '--cfg-options',
                      *toy_data_options(toy_data), 'train_cfg.max_iters=1',
                      'train_cfg.val_interval=1',
                      'train_dataloader.batch_size=2'], cwd=str(tmp_path))
    assert "_scope_='mmrethink'" in out  # the case this test is about
    assert 'Failed to search registry' not in out
    assert osp.isfile(str(tmp_path / 'work' / 'iter_1.pth'))


#: a downstream package in the same process as mmrethink: its own
#: checkpoint scheme, and checkpoints it reads with mmengine
THIRD_PARTY = '''
import torch
from mmengine.runner.checkpoint import CheckpointLoader


def load_own(filename, map_location=None):
    return {'state_dict': {'w': torch.full((2, ), 7.0)}}


CheckpointLoader.register_scheme(prefixes='thirdparty://', loader=load_own)
'''

DOWNSTREAM = '''
import json, signal, sys
import numpy as np
import torch
import mmengine.config.utils as config_utils
import mmdet.evaluation.metrics.coco_metric as mmdet_metric
from mmdet.evaluation import CocoMetric
from mmengine.runner.checkpoint import CheckpointLoader, load_checkpoint
import thirdparty

plain, legacy = sys.argv[1:3]
torch.save({'state_dict': {'w': torch.ones(2)}}, plain)
# a file as mmengine 0.10 writes them: numpy in it
torch.save({'state_dict': {'w': torch.ones(2)},
            'meta': {'hist': np.zeros(3)}}, legacy)


def name(fn):
    return f'{fn.__module__}.{fn.__qualname__}'


def snapshot():
    # CheckpointLoader._schemes: mmengine's private table (0.10.x); this
    # test fails when it changes, as mmrethink.checkpoint.loading
    # would
    return dict(
        schemes={p: name(f) for p, f in CheckpointLoader._schemes.items()},
        module2package=dict(config_utils.MODULE2PACKAGE),
        cocoeval=name(mmdet_metric.COCOeval),
        compute=id(CocoMetric.compute_metrics),
        safe_globals=sorted(map(str, torch.serialization.get_safe_globals())),
        signals={s: str(signal.getsignal(s)) for s in
                 (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1)})


def loads():
    got = {'plain': load_checkpoint(torch.nn.Linear(2, 1), plain,
                                    strict=False) is not None}
    try:
        CheckpointLoader.load_checkpoint(legacy)
        got['legacy'] = 'loaded'
    except Exception as err:
        got['legacy'] = type(err).__name__
    own = CheckpointLoader.load_checkpoint('thirdparty://x')
    got['own'] = own['state_dict']['w'].tolist()
    return got


before, loaded = snapshot(), loads()
import mmrethink
from mmdet.registry import MODELS
from mmdet.utils import register_all_modules
register_all_modules()
cfg = mmrethink.read_config(sys.argv[3])
MODELS.build(cfg.model)
assert snapshot() == before, (before, snapshot())
assert loads() == loaded, (loaded, loads())
inside = {}
with mmrethink.checkpoint_loading():  # the explicit opt-in
    inside['local'] = name(CheckpointLoader._get_checkpoint_loader('a.pth'))
    inside['own'] = name(CheckpointLoader._get_checkpoint_loader(
        'thirdparty://x'))
    inside['legacy'] = sorted(CheckpointLoader.load_checkpoint(legacy))
assert snapshot() == before
print(json.dumps(dict(loaded=loaded, inside=inside)))
'''


def test_importing_mmrethink_changes_nothing_of_others(tmp_path):
    """A downstream process: after `import mmrethink` and building one of
    our configs' models, mmengine reads another package's checkpoints as
    before (its scheme, stock loading of plain and of numpy-holding
    files), and mmengine's config table, mmdet's CocoMetric and COCOeval,
    torch's allow-list and the signal handlers are as they were. Our
    loading applies inside `mmrethink.checkpoint_loading()` only."""
    import json
    (tmp_path / 'thirdparty.py').write_text(THIRD_PARTY)
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    from conftest import TOY_CONFIG
    out = run_python(['-c', DOWNSTREAM, str(tmp_path / 'plain.pth'),
                      str(tmp_path / 'legacy.pth'), TOY_CONFIG],
                     cwd=str(tmp_path), env=env)
    result = json.loads(out.strip().splitlines()[-1])
    # stock torch refuses the numpy file, before and after the import
    assert result['loaded'] == {'plain': True, 'legacy': 'UnpicklingError',
                                'own': [7.0, 7.0]}
    assert result['inside'] == {
        'local': 'mmrethink.checkpoint.loading._load_local',
        'own': 'thirdparty.load_own', 'legacy': ['meta', 'state_dict']}
