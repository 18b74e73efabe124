"""The benchmark scripts run and print their ratios (tiny sizes: these
check the scripts, the numbers come from running them as README says)."""
import os.path as osp
import re

import pytest

from conftest import ROOT, TOY_CONFIG, call_python, run_python

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


def test_gpu_speed_measures_every_model_of_the_table_on_cpu(tmp_path):
    """The device check on the CPU with a tiny input: every distinct model
    of the experiments table trains (fp32: mmcv's CPU ops have no
    half-precision kernels) and its record fills the table's columns; the
    variants part runs on the toy config."""
    from mmrethink.records.speed import read_speed
    from mmrethink.records.tables import build_table
    variants = ['fp32', 'fp32+channels_last']
    out = _bench('gpu_speed.py', '--device', 'cpu', '--height', '64',
                 '--width', '64', '--warmup', '0', '--iters', '1',
                 '--precisions', 'fp32', '--results-dir', str(tmp_path),
                 '--config', TOY_CONFIG, '--variants', *variants,
                 '--check', '1')
    speed = read_speed(str(tmp_path))
    assert sorted(speed.models) == [
        'Cascade Mask R-CNN X152-32x8d GN', 'Faster R-CNN R101 GN',
        'Faster R-CNN R50 GN', 'Faster R-CNN VGG-16 none',
        'Keypoint Mask R-CNN R50 GN', 'Mask R-CNN R101 GN',
        'Mask R-CNN R50 GN', 'Mask R-CNN R50 SyncBN',
        'Mask R-CNN X152-32x8d GN'], out
    for key, model in speed.models.items():
        assert list(model) == ['fp32'] and \
            model['fp32']['sec_per_iter'] > 0, (key, model)
        assert model['fp32']['memory_gb'] is None  # CUDA only
    rows = [r.split('|') for r in build_table(ROOT, str(tmp_path))
            .splitlines() if r.startswith('| [')]
    # Mem (GB): CUDA only; Train s/iter: fp32 measured, AMP not; a row of
    # another batch per GPU (the 8xb8 9x) is not what was measured
    same = [r for r in rows if r[9].strip() == '8x2']
    assert {r[10].strip() for r in same} == {'- / -'}
    assert all(re.fullmatch(r'[\d.]+ / -', r[11].strip()) for r in same)
    assert {r[10].strip() for r in rows if r not in same} == {
        'not measured'}
    table = re.findall(r'^(\S+) +[\d.]+ +[\d.]+ +- +[\d.]+x +[\d.]+ % '
                       r'\(<= [\d.]+ %\) (ok|FAIL)$', out, re.M)
    assert [row[0] for row in table] == variants, out
    # the same precision in another memory layout: the same RPN losses
    assert [row[1] for row in table] == ['ok', 'ok'], out
    assert 'inference (fp32' in out


def test_gpu_speed_keeps_cpu_timings_out_of_the_table():
    proc = call_python([osp.join(ROOT, 'benchmarks', 'gpu_speed.py'),
                              '--device', 'cpu'])
    assert proc.returncode != 0
    assert 'CPU timings do not belong in the table' in proc.stdout


def test_resume_prints_replay_and_skip_side_by_side():
    # 600 trained batches, replayed (mmengine) and skipped (ours), side by
    # side; what the ratio is, the benchmark says (docs/performance.md)
    out = _bench('resume.py', '--iters', '0', '600', '--workers', '0')
    rows = re.findall(r'^ +(\d+) +([\d.]+) +([\d.]+) +([\d.]+)x +([\d.]+)x$',
                      out, re.M)
    assert [int(r[0]) for r in rows] == [0, 600], out


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
