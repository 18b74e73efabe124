"""The toy training step and start-up: a baseline tree and this one, side by
side in one run.

    python benchmarks/toy_step.py [--baseline REV] [--iters 30] [--reps 2]

``--baseline`` is a git revision of this repository (default
``BASELINE``, the last commit before the faster toy): its tree is exported
with ``git archive`` into a temporary folder and run with the same venv,
its own ``mmrethink`` package first on ``sys.path``, its own toy 1x config
and its own ``tools/train.py``. ``current`` is this checkout. Variants
alternate within each repetition so that drifts of the machine cancel.

Per training iteration (median over ``--iters`` iterations after
``--warmup``, the config's own loader, loop and hooks, validation and
checkpoints out of the window), split by component:

    data          loader + data preprocessor
    backbone+neck ``extract_feat``
    rpn           the RPN head's convolutions
    box head      RoI extraction + box head (``_bbox_forward``)
    mask head     RoI extraction + mask head (``_mask_forward``)
    targets/loss  the rest of the forward: assignment, sampling, targets,
                  losses, proposals
    backward      ``optim_wrapper.backward``
    optimizer     ``optim_wrapper.step`` and ``zero_grad``
    hooks         the rest of the iteration (hooks, logging)

Start-up: from process start to the start of the first training iteration
of ``tools/train.py`` (the config's own launch path), median of
``--reps``.

The baseline and the current toy configs are each the toy 1x of their own
tree (``configs/toy/...r18-scratch..._toy-1x_shapes.py``), on the same toy
data of the *current* world at the *current* size (``--images``); what a
toy step costs in each tree is what this compares.
"""
import argparse
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import tempfile
import time
import types

HERE = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(HERE)
#: the last commit before the faster toy step (issue 24)
BASELINE = '8697607'
TOY_1X = osp.join('configs', 'toy',
                  'mask-rcnn_r18-scratch_fpn_gn-all_1xb4-toy-1x_shapes.py')
PARTS = ('data', 'backbone+neck', 'rpn', 'box head', 'mask head',
         'targets/loss', 'backward', 'optimizer', 'hooks')


# ---------------------------------------------------------------- worker
class _Timer:
    """Seconds spent in wrapped callables, per name and iteration."""

    def __init__(self):
        self.now = {}

    def wrap(self, owner, attr, name):
        inner = getattr(owner, attr)

        def timed(_self, *args, **kwargs):
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.now[name] = self.now.get(name, 0.0) + (
                    time.perf_counter() - start)

        # a bound method, as mmengine's schedulers expect of ``step``
        setattr(owner, attr, types.MethodType(timed, owner))


def worker(args) -> None:
    """Time ``args.iters`` iterations of the config in this process."""
    sys.path.insert(0, args.tree)
    from mmengine.config import Config
    from mmengine.runner import Runner

    import mmrethink  # noqa: F401  (the tree's own package)
    assert osp.dirname(osp.dirname(mmrethink.__file__)) == args.tree, (
        mmrethink.__file__, args.tree)
    cfg = Config.fromfile(osp.join(args.tree, TOY_1X))
    from mmrethink.datasets.toy_shapes import toy_cfg_options
    total = args.warmup + args.iters + 1
    val_ann = osp.join(args.data_root, 'annotations', 'instances_val.json')
    cfg.merge_from_dict(dict(
        option.split('=', 1)
        for option in toy_cfg_options(args.data_root, val_ann)))
    cfg.merge_from_dict({
        'train_cfg.max_iters': total, 'train_cfg.val_interval': 10 * total,
        'train_cfg.dynamic_intervals': None,
        'default_hooks.checkpoint.interval': 10 * total,
        'default_hooks.checkpoint.save_last': False,
        'default_hooks.checkpoint.save_best': None,
        'default_hooks.logger.interval': 10 * total,
        'log_level': 'WARNING'})
    cfg.work_dir = args.work_dir
    runner = Runner.from_cfg(cfg)
    model, timer = runner.model, _Timer()
    timer.wrap(model.data_preprocessor, 'forward', 'data')
    timer.wrap(model, 'extract_feat', 'backbone+neck')
    timer.wrap(model.rpn_head, 'forward', 'rpn')
    timer.wrap(model.roi_head, '_bbox_forward', 'box head')
    timer.wrap(model.roi_head, '_mask_forward', 'mask head')
    timer.wrap(model, 'loss', 'forward')
    # (built here as Runner.train would, so that its methods can be timed)
    runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    optim = runner.optim_wrapper
    timer.wrap(optim, 'backward', 'backward')
    timer.wrap(optim, 'step', 'optimizer')
    timer.wrap(optim, 'zero_grad', 'optimizer_zero')
    loop = runner.train_loop
    timer.wrap(loop, 'run_iter', 'iteration')
    rows, marks = [], []
    inner_run_iter = loop.run_iter

    def run_iter(*a, **kw):
        marks.append(time.perf_counter())
        timer.now = {}
        out = inner_run_iter(*a, **kw)
        rows.append(dict(timer.now))
        return out

    loop.run_iter = run_iter
    runner.train()
    marks.append(time.perf_counter())
    parts = []
    for i in range(args.warmup, len(rows)):
        t = rows[i]
        wall = marks[i + 1] - marks[i]
        forward = t.get('forward', 0.0)
        named = sum(t.get(k, 0.0) for k in ('backbone+neck', 'rpn',
                                            'box head', 'mask head'))
        step = (t.get('data', 0.0) + forward + t.get('backward', 0.0)
                + t.get('optimizer', 0.0) + t.get('optimizer_zero', 0.0))
        parts.append({
            'data': wall - t.get('iteration', 0.0) + t.get('data', 0.0),
            'backbone+neck': t.get('backbone+neck', 0.0),
            'rpn': t.get('rpn', 0.0),
            'box head': t.get('box head', 0.0),
            'mask head': t.get('mask head', 0.0),
            'targets/loss': forward - named,
            'backward': t.get('backward', 0.0),
            'optimizer': t.get('optimizer', 0.0) + t.get('optimizer_zero',
                                                         0.0),
            'hooks': t.get('iteration', 0.0) - step,
            'total': wall})
    median = {k: statistics.median(p[k] for p in parts)
              for k in (*PARTS, 'total')}
    print('RESULT ' + json.dumps(median), flush=True)


# ---------------------------------------------------------------- parent
PROBE = '''\
"""sitecustomize of a start-up run (its PYTHONPATH), in that process only:
print when the runner is built and when the first training iteration
starts, then end the process."""
import os
import time

from mmengine.runner import Runner

_init, _train, _call_hook = Runner.__init__, Runner.train, Runner.call_hook


def init(self, *args, **kwargs):
    print('RUNNER_INIT', time.time(), flush=True)
    _init(self, *args, **kwargs)


def train(self):
    print('TRAIN', time.time(), flush=True)
    return _train(self)


def call_hook(self, fn_name, **kwargs):
    if fn_name == 'before_train_iter':
        print('FIRST_ITER', time.time(), flush=True)
        os._exit(0)
    return _call_hook(self, fn_name, **kwargs)


Runner.__init__, Runner.train, Runner.call_hook = init, train, call_hook
'''


def export_tree(rev: str, dest: str) -> str:
    """``git archive`` of ``rev`` unpacked into ``dest``."""
    os.makedirs(dest, exist_ok=True)
    archive = subprocess.run(['git', '-C', ROOT, 'archive', rev],
                             check=True, stdout=subprocess.PIPE).stdout
    subprocess.run(['tar', '-x', '-C', dest], input=archive, check=True)
    return dest


def time_step(tree: str, data_root: str, args, work_dir: str) -> dict:
    cmd = [sys.executable, osp.abspath(__file__), '--worker', '--tree',
           tree, '--data-root', data_root, '--work-dir', work_dir,
           '--iters', str(args.iters), '--warmup', str(args.warmup)]
    out = subprocess.run(cmd, text=True, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, cwd=tree,
                         timeout=1800).stdout
    line = [x for x in out.splitlines() if x.startswith('RESULT ')]
    if not line:
        sys.exit(f'{tree}: no result\n{out[-4000:]}')
    return json.loads(line[-1][len('RESULT '):])


def time_startup(tree: str, data_root: str, probe_dir: str,
                 work_dir: str, import_times: bool = False) -> dict:
    """Seconds from process start to the runner's construction (imports,
    config), to ``Runner.train`` (building the runner) and to the first
    training iteration (loops, data, optimizer, hooks)."""
    from mmrethink.datasets.toy_shapes import toy_cfg_options
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join([tree, probe_dir])
    if import_times:  # python -X importtime: one line per module imported
        env['PYTHONPROFILEIMPORTTIME'] = '1'
    val_ann = osp.join(data_root, 'annotations', 'instances_val.json')
    cmd = [sys.executable, osp.join(tree, 'tools', 'train.py'),
           osp.join(tree, TOY_1X), '--work-dir', work_dir, '--cfg-options',
           *toy_cfg_options(data_root, val_ann), 'train_cfg.max_iters=2']
    start = time.time()
    out = subprocess.run(cmd, text=True, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, env=env, cwd=tree,
                         timeout=600).stdout
    stamps = {}
    for x in out.splitlines():
        key, _, value = x.partition(' ')
        if key in ('RUNNER_INIT', 'TRAIN', 'FIRST_ITER'):
            stamps[key] = float(value)
    if 'FIRST_ITER' not in stamps:
        sys.exit(f'{tree}: the run did not reach its first iteration\n'
                 f'{out[-4000:]}')
    if import_times:
        return import_seconds(out)
    return {'imports+config': stamps['RUNNER_INIT'] - start,
            'runner': stamps['TRAIN'] - stamps['RUNNER_INIT'],
            'train set-up': stamps['FIRST_ITER'] - stamps['TRAIN'],
            'total': stamps['FIRST_ITER'] - start}


def import_seconds(out: str) -> dict:
    """Seconds a run spent importing (``-X importtime``'s own time of each
    module, so nothing counts twice): third-party modules and mmrethink's."""
    total = {'third-party': 0.0, 'mmrethink': 0.0}
    for line in out.splitlines():
        if line.startswith('import time:') and '|' in line:
            own, _, name = line[len('import time:'):].split('|')
            if own.strip().isdigit():
                kind = ('mmrethink' if name.strip().startswith('mmrethink')
                        else 'third-party')
                total[kind] += int(own) / 1e6
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--baseline', default=BASELINE,
                        help='git revision to compare with')
    parser.add_argument('--iters', type=int, default=30)
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--reps', type=int, default=2)
    parser.add_argument('--images', type=int, default=64,
                        help='toy training images')
    parser.add_argument('--worker', action='store_true',
                        help=argparse.SUPPRESS)
    parser.add_argument('--tree', help=argparse.SUPPRESS)
    parser.add_argument('--data-root', help=argparse.SUPPRESS)
    parser.add_argument('--work-dir', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)

    sys.path.insert(0, ROOT)
    from mmrethink.datasets.toy_shapes import make_toy_coco
    with tempfile.TemporaryDirectory() as tmp:
        trees = {'baseline': export_tree(args.baseline,
                                         osp.join(tmp, 'baseline')),
                 'current': ROOT}
        data_root = osp.join(tmp, 'data')
        make_toy_coco(data_root, num_train=args.images, num_val=8, seed=0)
        probe_dir = osp.join(tmp, 'probe')
        os.makedirs(probe_dir)
        with open(osp.join(probe_dir, 'sitecustomize.py'), 'w') as f:
            f.write(PROBE)
        steps = {v: [] for v in trees}
        starts = {v: [] for v in trees}
        imports = {v: time_startup(trees[v], data_root, probe_dir,
                                   osp.join(tmp, f'{v}-imports'), True)
                   for v in trees}
        for rep in range(args.reps):
            order = list(trees) if rep % 2 == 0 else list(trees)[::-1]
            for v in order:
                work = osp.join(tmp, f'{v}{rep}')
                starts[v].append(time_startup(trees[v], data_root, probe_dir,
                                              work + '-start'))
                steps[v].append(time_step(trees[v], data_root, args, work))
                print(f'rep {rep} {v:8s} start-up {starts[v][-1]["total"]:6.2f} s  '
                      f'step {steps[v][-1]["total"]:.4f} s', flush=True)

    med = {v: {k: statistics.median(s[k] for s in steps[v])
               for k in (*PARTS, 'total')} for v in trees}
    print(f'\ntoy training step, seconds per iteration (median of '
          f'{args.reps} x {args.iters} iterations; baseline = '
          f'{args.baseline})')
    print(f'{"component":14s} {"baseline":>9s} {"current":>9s} {"ratio":>7s}')
    for k in (*PARTS, 'total'):
        b, c = med['baseline'][k], med['current'][k]
        ratio = f'{b / c:6.2f}x' if c > 1e-4 else '      -'
        print(f'{k:14s} {b:9.4f} {c:9.4f} {ratio}')
    print('\nstart-up of tools/train.py to the first iteration, seconds '
          '(median)')
    print(f'{"part":14s} {"baseline":>9s} {"current":>9s} {"ratio":>7s}')
    for k in ('imports+config', 'runner', 'train set-up', 'total'):
        b = statistics.median(s[k] for s in starts['baseline'])
        c = statistics.median(s[k] for s in starts['current'])
        print(f'{k:14s} {b:9.2f} {c:9.2f} {b / c:6.2f}x')
    sb = statistics.median(s['total'] for s in starts['baseline'])
    sc = statistics.median(s['total'] for s in starts['current'])
    print('imports inside the start-up (-X importtime, own time per module, '
          'one more run each)')
    for k in ('third-party', 'mmrethink'):
        b, c = imports['baseline'][k], imports['current'][k]
        print(f'{k:14s} {b:9.2f} {c:9.2f}')
    floor = imports['current']['third-party']
    print(f'best possible start-up ratio (baseline total / the third-party '
          f'imports alone): {sb / floor:.2f}x')
    print(f'step speed-up: {med["baseline"]["total"] / med["current"]["total"]:.2f}x'
          f'   start-up speed-up: {sb / sc:.2f}x   (goal: >= 2x each)')


if __name__ == '__main__':
    main()
