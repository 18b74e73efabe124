"""mmrethink in a user's OpenMMLab environment: the wheel installs over
the dependencies already there, mim finds our tools and models, checkpoint
URLs load (a loopback server stands in for the internet) and fail clearly
without network, images with predictions are drawn, TensorBoard gets the
validation AP by iteration, the best checkpoint survives pruning, a config
whose lr drops never come is warned about, and every relative link of the
docs resolves in a clone."""
import functools
import glob
import http.server
import json
import os
import os.path as osp
import re
import socket
import subprocess
import sys
import threading

import pytest

from conftest import (ROOT, TOY_CONFIG, call_python, run_python,
                      run_tool_main, toy_data_options)

TRAIN = osp.join(ROOT, 'tools', 'train.py')
TEST = osp.join(ROOT, 'tools', 'test.py')
PRETRAINED_TOY = osp.join(ROOT, 'configs', 'toy',
                          'mask-rcnn_r18_fpn_gn-all_1xb4-toy-1x_shapes.py')


# -- docs ---------------------------------------------------------------

def _tracked_or_committable(path):
    """The file exists and git does not ignore it (so a clone has it once
    it is committed)."""
    if not osp.exists(path):
        return False
    ignored = subprocess.run(['git', 'check-ignore', '-q', path], cwd=ROOT)
    return ignored.returncode != 0


def test_every_relative_link_of_the_docs_resolves_in_a_clone():
    pages = [osp.join(ROOT, p) for p in ('README.md', 'CHANGELOG.md')]
    pages += sorted(glob.glob(osp.join(ROOT, 'docs', '*.md')))
    link = re.compile(r'\]\(([^)\s]+)\)|<img [^>]*src="([^"]+)"')
    checked, broken = 0, []
    for page in pages:
        with open(page) as f:
            text = f.read()
        for m in link.finditer(text):
            target = (m.group(1) or m.group(2)).split('#')[0]
            if not target or re.match(r'[a-z]+:', target):
                continue  # an anchor or an absolute URL
            checked += 1
            path = osp.normpath(osp.join(osp.dirname(page), target))
            if not _tracked_or_committable(path):
                broken.append(f'{osp.relpath(page, ROOT)}: {target}')
    assert checked > 50  # the tables link every config
    assert not broken, broken


# -- network ------------------------------------------------------------

def _closed_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture
def serve(tmp_path):
    """Serve a folder over http on 127.0.0.1; yields a function returning
    the base URL, and the list of requested paths."""
    servers, requests = [], []

    class Handler(http.server.SimpleHTTPRequestHandler):

        def log_message(self, fmt, *args):
            requests.append(self.path)

    def start(folder):
        server = http.server.ThreadingHTTPServer(
            ('127.0.0.1', 0), functools.partial(Handler, directory=folder))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f'http://127.0.0.1:{server.server_address[1]}'

    yield start, requests
    for server in servers:
        server.shutdown()


def test_remote_names_resolve_to_the_hub_cache(tmp_path, monkeypatch):
    import torch

    from mmrethink.checkpoint.remote import cache_path, checkpoint_url
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path))
    url = checkpoint_url('open-mmlab://vgg16_caffe')
    assert url.startswith('https://') and url.endswith('.pth')
    assert checkpoint_url('torchvision://resnet50').startswith('https://')
    assert cache_path(url) == osp.join(str(tmp_path), 'checkpoints',
                                       url.rsplit('/', 1)[1])
    assert checkpoint_url('/local/file.pth') is None
    with pytest.raises(ValueError, match='no such model'):
        checkpoint_url('open-mmlab://no_such_model')


@pytest.mark.slow
def test_download_weights_fetches_what_configs_name(tmp_path, serve):
    folder = tmp_path / 'site'
    folder.mkdir()
    (folder / 'backbone.pth').write_bytes(b'weights')
    start, requests = serve
    url = start(str(folder)) + '/backbone.pth'
    config = tmp_path / 'child.py'
    config.write_text(f'_base_ = {PRETRAINED_TOY!r}\n'
                      f'model = dict(backbone=dict(init_cfg=dict('
                      f'checkpoint={url!r})))\n')
    tool = [osp.join(ROOT, 'tools', 'download_weights.py'), '--configs',
            str(config), '--hub-dir', str(tmp_path / 'hub')]
    out = run_python(tool)
    cached = tmp_path / 'hub' / 'checkpoints' / 'backbone.pth'
    assert f'{url}\n  url: {url}\n  file: {cached}\n  downloaded' in out
    assert cached.read_bytes() == b'weights'
    assert 'cached' in run_python(tool) and requests == ['/backbone.pth']
    # every name of our configs resolves to a URL (VGG's box head too)
    out = run_python([tool[0], '--list'])
    for name in ('torchvision://vgg16', 'torchvision://resnet50',
                 'open-mmlab://detectron/resnet50_gn'):
        assert name + '\n  url: https://' in out


@pytest.mark.slow
def test_pretrained_config_without_network_stops_with_one_clear_error(
        toy_data, tmp_path):
    # the backbone's weights at a URL nobody answers (a closed loopback
    # port stands in for a firewalled cluster), nothing in the hub cache
    url = f'http://127.0.0.1:{_closed_port()}/weights/backbone.pth'
    env = dict(os.environ, TORCH_HOME=str(tmp_path / 'torch'))
    proc = call_python([
        TRAIN, PRETRAINED_TOY, '--work-dir', str(tmp_path / 'work'),
        '--cfg-options', *toy_data_options(toy_data),
        f'model.backbone.init_cfg.checkpoint={url}'
    ], env=env)
    assert proc.returncode == 1, proc.stdout[-3000:]
    last = proc.stdout.strip().splitlines()[-1]
    cached = osp.join(str(tmp_path), 'torch', 'hub', 'checkpoints',
                      'backbone.pth')
    assert last.startswith('error: cannot download the checkpoint ' + url)
    for needed in (cached, 'tools/download_weights.py',
                   'model.backbone.init_cfg.checkpoint=', 'load_from'):
        assert needed in last, needed
    assert 'Traceback' not in proc.stdout
    assert not glob.glob(str(tmp_path / 'work' / '*.pth'))  # no training


def _validated_at(work, iteration):
    """The metrics of a run's validation at ``iteration`` (its curve)."""
    with open(osp.join(work, 'curve.jsonl')) as f:
        points = [json.loads(line) for line in f]
    (point, ) = [p for p in points if p['iter'] == iteration]
    return point['val']


@pytest.mark.slow
def test_checkpoint_url_loads_and_show_dir_draws_predictions(
        toy_data, tmp_path, serve):
    work = tmp_path / 'work'
    # a checkpoint to serve (trained in this process: the loading is what
    # is tested, through tools/test.py's command line)
    run_tool_main('train', [
        TOY_CONFIG, '--work-dir', work, '--cfg-options',
        *toy_data_options(toy_data), 'train_cfg.max_iters=2',
        'train_cfg.val_interval=2', 'train_cfg.dynamic_intervals=None',
        'default_hooks.checkpoint.interval=2'])
    start, requests = serve
    url = start(str(work)) + '/iter_2.pth'
    env = dict(os.environ, TORCH_HOME=str(tmp_path / 'torch'))
    test_work = tmp_path / 'test'
    out = run_python([TEST, TOY_CONFIG, url, '--work-dir', str(test_work),
                      '--show-dir', 'vis', '--cfg-options',
                      *toy_data_options(toy_data)], env=env)
    metrics = json.loads(out.strip().splitlines()[-1])
    # the served weights score what they scored when they were trained
    assert metrics['coco/bbox_mAP_50'] == _validated_at(work, 2)[
        'coco/bbox_mAP_50']
    assert requests == ['/iter_2.pth']
    cached = tmp_path / 'torch' / 'hub' / 'checkpoints' / 'iter_2.pth'
    assert cached.read_bytes() == (work / 'iter_2.pth').read_bytes()
    # one image per validation image, under its own name, predictions drawn
    drawn = sorted(osp.basename(p)
                   for p in glob.glob(str(test_work / '*' / 'vis' / '*')))
    with open(toy_data['val_ann']) as f:
        images = json.load(f)['images']
    assert drawn == sorted(osp.basename(i['file_name']) for i in images)
    # a second test finds the file cached: no request
    run_python([TEST, TOY_CONFIG, url, '--work-dir', str(test_work),
                '--cfg-options', *toy_data_options(toy_data)], env=env)
    assert requests == ['/iter_2.pth']


# -- training run: TensorBoard, best checkpoint, lr drops ----------------

@pytest.mark.slow
def test_tensorboard_best_checkpoint_and_late_drops_warning(toy_data,
                                                            tmp_path):
    # a user's config: 8 iterations, but the toy schedule's drops (256,
    # 597) are not restated; TensorBoard on, only the last checkpoint kept
    config = tmp_path / 'short.py'
    config.write_text(
        f'_base_ = {TOY_CONFIG!r}\n'
        'train_cfg = dict(max_iters=8, val_interval=2, '
        'dynamic_intervals=None)\n'
        'default_hooks = dict(checkpoint=dict(interval=2, '
        'max_keep_ckpts=1))\n'
        "visualizer = dict(vis_backends=[dict(type='LocalVisBackend'), "
        "dict(type='TensorboardVisBackend')])\n")
    work = tmp_path / 'work'
    out = run_python([TRAIN, str(config), '--work-dir', str(work),
                      '--cfg-options', *toy_data_options(toy_data)])
    assert ('train_cfg.max_iters=8, but the lr drops of MultiStepLR at '
            '[256, 597] come at or after the end') in out
    assert 'paper_schedule' in out

    from tensorboard.backend.event_processing.event_accumulator import \
        EventAccumulator
    events = glob.glob(str(work / '*' / 'vis_data' / 'events.out.*'))
    assert len(events) == 1
    acc = EventAccumulator(events[0])
    acc.Reload()
    ap = acc.Scalars('coco/bbox_mAP')
    assert [e.step for e in ap] == [2, 4, 6, 8]
    with open(work / 'curve.jsonl') as f:
        curve = [json.loads(line) for line in f]
    assert [e.value for e in ap] == pytest.approx(
        [p['val']['coco/bbox_mAP'] for p in curve])

    # pruning kept one interval checkpoint; the best one is still there,
    # and the curve marks its point
    assert sorted(p.name for p in work.glob('iter_*.pth')) == ['iter_8.pth']
    best = list(work.glob('best_coco_bbox_mAP_iter_*.pth'))
    assert len(best) == 1
    best_iter = int(best[0].stem.rsplit('_', 1)[1])
    assert [p['iter'] for p in curve if p.get('best')] == [best_iter]
    values = [p['val']['coco/bbox_mAP'] for p in curve]
    assert values[best_iter // 2 - 1] == max(values)
    import torch
    ckpt = torch.load(best[0], weights_only=True, map_location='cpu')
    assert ckpt['meta']['iter'] == best_iter


# -- installing -----------------------------------------------------------

def _site_packages(python):
    return subprocess.check_output(
        [python, '-c', 'import sysconfig; print(sysconfig.get_paths()'
         '["purelib"])'], text=True).strip()


@pytest.fixture(scope='module')
def user_env(tmp_path_factory):
    """A fresh venv holding the dependencies (those of the set-up's venv,
    through a .pth file) but not mmrethink, and mmrethink's wheel built
    from this checkout."""
    tmp = tmp_path_factory.mktemp('user_env')
    wheels = tmp / 'wheels'
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps',
                    '--no-build-isolation', '--quiet', '-w', str(wheels),
                    ROOT], check=True, cwd=tmp)
    wheel = next(wheels.glob('mmrethink-*.whl'))
    deps = tmp / 'deps'
    deps.mkdir()
    ours = _site_packages(sys.executable)
    for name in os.listdir(ours):
        if not name.startswith('mmrethink') and name != '__pycache__':
            os.symlink(osp.join(ours, name), deps / name)
    venv = tmp / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip',
                    str(venv)], check=True)
    python = str(venv / 'bin' / 'python')
    with open(osp.join(_site_packages(python), 'deps.pth'), 'w') as f:
        f.write(str(deps) + '\n')
    return dict(python=python, wheel=str(wheel), tmp=tmp, venv=venv)


@pytest.mark.slow
def test_wheel_installs_over_the_users_packages_and_trains(user_env,
                                                           toy_data):
    python, tmp = user_env['python'], user_env['tmp']
    # pip of the set-up's venv, installing into the user's (no index: the
    # dependencies must be satisfied by what is there, mmcv not rebuilt)
    proc = subprocess.run(
        [python, '-m', 'pip', 'install', '--no-index', user_env['wheel']],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.returncode == 0, proc.stdout
    assert 'Successfully installed mmrethink-' in proc.stdout
    assert 'mmcv' not in proc.stdout.split('Successfully installed')[1]
    where = subprocess.check_output(
        [python, '-c', 'import mmrethink; print(mmrethink.__file__)'],
        cwd=tmp, text=True)
    assert where.startswith(str(user_env['venv']))

    # the user's project inherits our toy config by package name
    project = tmp / 'project'
    project.mkdir(exist_ok=True)
    (project / 'my_toy.py').write_text(
        "_base_ = 'mmrethink::toy/"
        "mask-rcnn_r18-scratch_fpn_gn-all_1xb4-toy-1x_shapes.py'\n"
        'from mmrethink.schedules import iter_schedule\n'
        'train_cfg, param_scheduler = iter_schedule(2, [1], warmup_iters=1,'
        ' val_interval=2)\n')
    proc = subprocess.run(
        [python, TRAIN, 'my_toy.py', '--work-dir', 'work', '--cfg-options',
         *toy_data_options(toy_data)], cwd=project, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:]
    with open(project / 'work' / 'last_checkpoint') as f:
        assert f.read().strip().endswith('iter_2.pth')


@pytest.mark.slow
def test_mim_trains_tests_and_searches(toy_data, tmp_path):
    # mim (openmim, requirements/tests.txt) runs <package>/.mim/tools/*.py
    # of the installed mmrethink, and reads its .mim/model-index.yml
    mim = [sys.executable, '-m', 'mim']
    env = dict(os.environ, PYTHONWARNINGS='ignore')
    config = tmp_path / 'toy2.py'
    config.write_text(
        f'_base_ = {TOY_CONFIG!r}\n'
        'from mmrethink.schedules import iter_schedule\n'
        'train_cfg, param_scheduler = iter_schedule(2, [1], warmup_iters=1,'
        ' val_interval=2)\n')
    options = ['--cfg-options', *toy_data_options(toy_data)]
    work = tmp_path / 'work'
    proc = subprocess.run(
        mim + ['train', 'mmrethink', str(config), '--gpus', '0',
               '--work-dir', str(work), *options], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert (work / 'iter_2.pth').is_file()
    proc = subprocess.run(
        mim + ['test', 'mmrethink', str(config), '--gpus', '0',
               '--checkpoint', str(work / 'iter_2.pth'), '--work-dir',
               str(tmp_path / 'test'), *options], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:]
    (line, ) = [ln for ln in proc.stdout.splitlines()
                if ln.startswith('{"coco/')]  # tools/test.py's metrics
    # what the run's own validation of these weights said
    assert json.loads(line)['coco/bbox_mAP_50'] == _validated_at(work, 2)[
        'coco/bbox_mAP_50']
    proc = subprocess.run(mim + ['search', 'mmrethink'], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:]
    for model in ('mask-rcnn_r50-scratch_fpn_gn-all_8xb2-6x_coco',
                  'mask-rcnn_r50-scratch_fpn_gn-all_8xb2-73e_coco'):
        assert model in proc.stdout
