"""The benchmark scripts run and print their ratios (tiny sizes: these
check the scripts, the numbers come from running them as README says)."""
import os.path as osp
import re

import pytest

from conftest import ROOT, TOY_CONFIG, run_python

pytestmark = pytest.mark.slow


def _bench(name, *args):
    return run_python([osp.join(ROOT, 'benchmarks', name), *args],
                      cwd=ROOT)


def test_coco_eval_backends_agree():
    out = _bench('coco_eval.py', '--images', '120', '--dets', '30',
                 '--reps', '1')
    assert re.search(r'time ratio pycocotools / faster_coco_eval: [\d.]+x',
                     out)
    assert out.count('identical to 1e-4') == 2, out
    assert re.search(r'faster_coco_eval +metric time +[\d.]+ h', out)


def test_train_throughput_prints_the_ratio():
    out = _bench('train_throughput.py', '--reps', '1', '--iters', '3',
                 '--warmup', '1', '--images', '16')
    assert re.search(r'throughput ratio mmrethink / mmdet: [\d.]+ ', out)


def test_data_pipeline_prints_rates():
    out = _bench('data_pipeline.py', '--images', '6', '--reps', '1')
    rates = re.findall(r'^(default|ms-640-800|ms-512-800) +([\d.]+) +([\d.]+)$',
                       out, re.M)
    assert [r[0] for r in rates] == ['default', 'ms-640-800', 'ms-512-800']
    assert float(rates[0][2]) == 1.0


def test_gpu_speed_script_on_cpu_with_the_toy_config():
    # mmcv's CPU ops (nms) have no half-precision kernels: AMP is for GPUs
    variants = ['fp32', 'fp32+channels_last']
    out = _bench('gpu_speed.py', '--device', 'cpu', '--config', TOY_CONFIG,
                 '--height', '192', '--width', '192', '--warmup', '1',
                 '--iters', '2', '--check', '2', '--variants', *variants)
    table = re.findall(r'^(\S+) +[\d.]+ +[\d.]+ +- +[\d.]+x +[\d.]+ % '
                       r'\(<= [\d.]+ %\) (ok|FAIL)$', out, re.M)
    assert [row[0] for row in table] == variants, out
    # the same precision in another memory layout: the same RPN losses
    assert [row[1] for row in table] == ['ok', 'ok'], out
    assert 'inference (fp32' in out


def test_resume_prints_replay_and_skip_side_by_side():
    # 600 trained batches: mmengine's replay runs them through the toy
    # pipeline again (~14 ms a batch here, docs/performance.md), our loop
    # skips them; launch costs the same for both
    out = _bench('resume.py', '--iters', '0', '600', '--workers', '0')
    rows = re.findall(r'^ +(\d+) +([\d.]+) +([\d.]+) +([\d.]+)x +([\d.]+)x$',
                      out, re.M)
    assert [int(r[0]) for r in rows] == [0, 600], out
    replay, ours = float(rows[1][1]), float(rows[1][2])
    assert replay > 1.3 * ours, out  # skipping beats replaying


def test_image_check_prints_the_ratio():
    out = _bench('image_check.py', '--files', '300', '--reps', '1')
    assert re.search(r'ratio stat / listing: [\d.]+x', out)


def test_toy_step_prints_components_and_ratios():
    # HEAD as the baseline: a tree git can export in any clone
    out = _bench('toy_step.py', '--baseline', 'HEAD', '--reps', '1',
                 '--iters', '2', '--warmup', '1', '--images', '8')
    rows = re.findall(r'^(data|backbone\+neck|rpn|box head|mask head|'
                      r'targets/loss|backward|optimizer|hooks|total) +'
                      r'([\d.]+) +([\d.]+) +', out, re.M)
    # the step's table (the start-up table ends with a total row too)
    assert [r[0] for r in rows[:10]] == [
        'data', 'backbone+neck', 'rpn', 'box head', 'mask head',
        'targets/loss', 'backward', 'optimizer', 'hooks', 'total'], out
    assert re.search(r'^imports\+config +[\d.]+ +[\d.]+ +[\d.]+x$', out,
                     re.M), out
    assert all(float(r[1]) > 0 and float(r[2]) > 0 for r in rows
               if r[0] in ('backbone+neck', 'backward')), out
    assert re.search(r'step speed-up: [\d.]+x +start-up speed-up: [\d.]+x',
                     out)
    imports = re.search(r'^third-party +([\d.]+) +([\d.]+)$', out, re.M)
    assert imports and float(imports.group(2)) > 0.5, out  # torch alone
    assert re.search(r'best possible start-up ratio .*: [\d.]+x', out), out
