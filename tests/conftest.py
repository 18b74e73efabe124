import os
import os.path as osp
import socket
import subprocess
import sys

import pytest

# One compute thread for this process and every training it launches,
# however the suite runs: `make test` runs one test process per core
# (pytest-xdist), and with 2 threads each on 2 cores the processes spin
# against each other (a test ran 3-4x slower than alone). The thresholds
# the learning tests check were measured this way.
os.environ['OMP_NUM_THREADS'] = '1'
os.environ['MKL_NUM_THREADS'] = '1'

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TOY_CONFIG = osp.join(
    ROOT, 'configs', 'toy',
    'mask-rcnn_r18-scratch_fpn_gn-all_1xb4-toy-1x_shapes.py')


def free_port() -> int:
    """A TCP port nothing listens on now, for a launcher's rendezvous
    (tests run side by side under pytest-xdist: no fixed ports)."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def launch_env(helpers: bool = True) -> dict:
    """The environment of a training the tests launch as a user does: this
    interpreter's tools first on the path, one compute thread, no GPU
    (``CUDA_VISIBLE_DEVICES=''``: gloo, the same on a machine with GPUs),
    a free rendezvous port (``PORT``, for tools/dist_train.sh) and, unless
    ``helpers=False``, the tests' hooks importable."""
    env = dict(os.environ, OMP_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='',
               PORT=str(free_port()))
    env['PATH'] = osp.dirname(sys.executable) + os.pathsep + env['PATH']
    if helpers:
        env['PYTHONPATH'] = osp.join(ROOT, 'tests', 'helpers')
    return env


def call_python(args, cwd=None, env=None, timeout=900):
    """Run ``python ARGS`` with this interpreter; return the finished
    process (stderr merged into ``stdout``), whatever its exit status."""
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=timeout)


def call_tool_main(tool, args):
    """``tools/<tool>.py ARGS`` in this process (its ``main(argv)``), for
    tests about what a tool does rather than its command line: a finished
    process's ``returncode`` and ``stdout`` (stderr merged), without a new
    interpreter's seconds of imports. ``tests/helpers`` is importable, as
    the launched tests' ``PYTHONPATH`` makes it (the test hooks that
    configs name in ``custom_imports``)."""
    import importlib
    from mmrethink.launch import run_main
    helpers = osp.join(ROOT, 'tests', 'helpers')
    for folder in (osp.join(ROOT, 'tools'), helpers):
        if folder not in sys.path:
            sys.path.insert(0, folder)
    status, text = run_main(importlib.import_module(tool).main, args)
    return subprocess.CompletedProcess(args, status, text)


def run_tool_main(tool, args):
    """:func:`call_tool_main` that fails the test with the tool's output
    unless it succeeds; returns what it printed (as :func:`run_python`
    does for a command line)."""
    proc = call_tool_main(tool, args)
    if proc.returncode != 0:
        pytest.fail(f'tools/{tool}.py {" ".join(map(str, args))} exited '
                    f'{proc.returncode}:\n{proc.stdout[-6000:]}')
    return proc.stdout


def run_python(args, cwd=None, env=None, timeout=900):
    """Run ``python ARGS`` with this interpreter; fail with its output."""
    proc = call_python(args, cwd=cwd, env=env, timeout=timeout)
    if proc.returncode != 0:
        pytest.fail(f'python {" ".join(args)} exited {proc.returncode}:\n'
                    f'{proc.stdout[-6000:]}')
    return proc.stdout


@pytest.fixture(scope='session')
def toy_data(tmp_path_factory):
    """A small toy shapes dataset shared by the tests of one session."""
    from mmrethink.datasets.toy_shapes import make_toy_coco
    root = tmp_path_factory.mktemp('toy_shapes')
    paths = make_toy_coco(str(root), num_train=16, num_val=8, seed=0)
    paths['root'] = str(root) + os.sep
    return paths


def toy_data_options(paths):
    """``--cfg-options`` pointing the toy config at ``paths``."""
    from mmrethink.datasets.toy_shapes import toy_cfg_options
    return toy_cfg_options(paths['root'], paths['val_ann'])


#: the longest tests, seconds measured in `make test` (2 workers on 2
#: cores, clean clone, 2026-12-02 16:00; the outside-fault and gpu_speed
#: tests alone, 2026-12-05): they start first, so that no
#: worker is left alone with one of them at the end. Only an order: a
#: stale entry fails nothing.
LONGEST = {
    'test_toy_keypoints.py::test_toy_keypoint_config_learns_keypoints': 157,
    'test_toy_reproduction.py::test_reproduce_toy_end_to_end': 103,
    'test_vgg.py::test_toy_twin_trains_without_normalization_and_learns': 95,
    'test_demo.py::test_cut_down_demo_learns_and_publishes': 94,
    'test_faults_outside.py::'
    'test_chaos_from_outside_ends_as_the_uninterrupted_run': 85,
    'test_benchmarks.py::test_resume_prints_replay_and_skip_side_by_side': 57,
    'test_benchmarks.py::'
    'test_gpu_speed_measures_every_model_of_the_table_on_cpu': 52,
    'test_benchmarks.py::test_toy_step_prints_components_and_ratios': 49,
    'test_toy_keypoints.py::test_paper_keypoint_config_trains_and_validates':
    37,
    'test_resume.py::test_without_random_state_hook_resume_drifts': 36,
    'test_tools.py::test_train_then_test_then_resume': 33,
    'test_resume.py::test_validating_more_often_does_not_change_training': 29,
    'test_toy_keypoints.py::'
    'test_a_downstream_keypoint_config_trains_on_two_processes': 27,
    'test_faults_outside.py::'
    'test_a_killed_launcher_leaves_no_rank_and_a_second_run_is_refused': 26,
    'test_tools.py::test_mmdet_own_train_tool_runs_our_config': 25,
    'test_ecosystem.py::test_mim_trains_tests_and_searches': 24,
}


def pytest_collection_modifyitems(config, items):
    """Longest tests first (stable otherwise): pytest-xdist splits the
    tests in this order (and rebalances: --dist worksteal)."""
    def seconds(item):
        return LONGEST.get(item.nodeid.split('/')[-1], 0)

    items.sort(key=lambda item: -seconds(item))
