import os
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TOY_CONFIG = osp.join(
    ROOT, 'configs', 'toy',
    'mask-rcnn_r18-scratch_fpn_gn-all_1xb4-toy-1x_shapes.py')


def call_python(args, cwd=None, env=None, timeout=900):
    """Run ``python ARGS`` with this interpreter; return the finished
    process (stderr merged into ``stdout``), whatever its exit status."""
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=timeout)


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
