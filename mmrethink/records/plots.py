"""Learning-curve figures (``tools/plot_curves.py`` is the command line):
validation AP against iterations for one or more runs, as the
paper's Figs. 1 and 4 do (scratch solid, pretrained dashed, lr drops
marked, a second axis in units of 1x = 90k iterations).

    python tools/plot_curves.py work_dirs/RUN_A work_dirs/RUN_B \
        --labels scratch pretrained --out curves.png --csv curves.csv

A run is a work dir (its ``curve.jsonl`` from ``CurveHook``; without one,
the newest ``*/vis_data/scalars.json`` that mmdet writes for any run) or a
path to either file. The figure's format follows ``--out``'s extension
(png, svg, pdf).

``--onset`` also finds where each run starts to overfit (the metric stays
more than ``--margin`` below its peak for ``--patience`` validations, as on
the paper's small subsets), prints it and marks it on the figure.
"""
import argparse
import csv
import glob
import json
import os.path as osp
import sys
from typing import List, Optional, Sequence

from .curves import (CURVE_FILE, find_overfitting_onset, metric_points,
                     read_curve)


def _find_file(run: str) -> str:
    if osp.isfile(run):
        return run
    if not osp.isdir(run):
        raise FileNotFoundError(f'{run}: no such work dir or curve file')
    curve = osp.join(run, CURVE_FILE)
    if osp.isfile(curve):
        return curve
    scalars = sorted(glob.glob(osp.join(run, '*', 'vis_data',
                                        'scalars.json')))
    if not scalars:
        raise FileNotFoundError(
            f'{run}: neither curve.jsonl nor */vis_data/scalars.json')
    return scalars[-1]


def _lr_drops(points: Sequence[tuple]) -> List[int]:
    """Iterations where the lr falls to at most half its previous value."""
    return [it for (_, prev), (it, lr) in zip(points, points[1:])
            if lr <= prev * 0.5]


def _config_drops(work_dir: str) -> Optional[List[int]]:
    """lr drop iterations from the config mmengine dumps in a work dir."""
    configs = glob.glob(osp.join(work_dir, '*.py'))
    if len(configs) != 1:
        return None
    from mmengine.config import Config
    cfg = Config.fromfile(configs[0])
    drops = [m for s in cfg.get('param_scheduler', []) or []
             if s.get('type') == 'MultiStepLR' and not s.get('by_epoch', True)
             for m in s.milestones]
    return sorted(drops) or None


def load_run(run: str, metric: str, label: Optional[str] = None) -> dict:
    """Read one run's curve.

    Returns:
        dict: ``label``, ``iters``, ``values`` (the metric at each
        validation), ``drops`` (lr drop iterations: the MultiStepLR
        milestones of the config dumped in the work dir, else where the
        logged lr fell to half or less) and ``source``.

    Raises:
        KeyError: if no validation of the run reports ``metric``.
    """
    path = _find_file(run)
    iters, values, lrs = [], [], []
    if path.endswith(CURVE_FILE):
        records = read_curve(path)
        iters, values = metric_points(records, metric)
        lrs = [(r['iter'], r['lr']) for r in records]
    else:  # mmengine scalars.json: training lines have 'iter', validation
        # lines 'step' (the iteration when logged by iteration)
        with open(path) as f:
            rows = [json.loads(line) for line in f if line.strip()]
        for r in rows:
            if metric in r:
                iters.append(r['step'])
                values.append(r[metric])
            elif 'lr' in r and 'iter' in r:
                lrs.append((r['iter'], r['lr']))
    if not iters:
        raise KeyError(f'{path}: no validation reports {metric!r}')
    if label is None:
        label = osp.basename(osp.normpath(run if osp.isdir(run) else
                                          osp.dirname(path)))
    # exact drops from the run's config; else where the logged lr fell
    drops = (_config_drops(run) if osp.isdir(run) else None) or \
        _lr_drops(lrs)
    return dict(label=label, iters=iters, values=values, drops=drops,
                source=path)


def add_onset(run: dict, margin: float, patience: int) -> None:
    """Set ``run['onset']``: the iteration where overfitting starts, or
    None."""
    index = find_overfitting_onset(run['values'], margin, patience)
    run['onset'] = None if index is None else run['iters'][index]


def plot_runs(runs: Sequence[dict], metric: str,
              iters_per_x: int = 90000, title: Optional[str] = None):
    """Draw the runs on one figure; return it (a ``matplotlib`` figure of
    its own, not pyplot's: nothing of the process's matplotlib state, its
    backend included, changes)."""
    import matplotlib
    from matplotlib.figure import Figure
    fig = Figure(figsize=(7, 4.5))
    ax = fig.subplots()
    colours = matplotlib.rcParams['axes.prop_cycle'].by_key()['color']
    for i, run in enumerate(runs):
        style = '-' if 'scratch' in run['label'].lower() else '--'
        colour = colours[i % len(colours)]
        ax.plot(run['iters'], [100 * v for v in run['values']], style,
                color=colour, marker='o', markersize=3, label=run['label'])
        for drop in run['drops']:
            ax.axvline(drop, color=colour, linestyle=':', linewidth=1,
                       alpha=0.7)
        if run.get('onset') is not None:
            k = run['iters'].index(run['onset'])
            ax.plot([run['onset']], [100 * run['values'][k]], 'x',
                    color=colour, markersize=10, label=f'{run["label"]}: '
                    f'overfitting from {run["onset"]}')
    ax.set_xlabel('iterations')
    ax.set_ylabel(f'{metric} (%)')
    top = ax.secondary_xaxis(
        'top', functions=(lambda x: x / iters_per_x,
                          lambda x: x * iters_per_x))
    top.set_xlabel(f'schedule (1x = {iters_per_x:,} iterations)')
    ax.grid(alpha=0.3)
    ax.legend(title='dotted: lr drops')
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def write_csv(runs: Sequence[dict], path: str, metric: str) -> None:
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['run', 'iter', metric])
        for run in runs:
            for it, value in zip(run['iters'], run['values']):
                writer.writerow([run['label'], it, value])


def main(argv=None) -> int:
    """``tools/plot_curves.py``'s command line."""
    parser = argparse.ArgumentParser(
        description='Plot validation AP against iterations for one or more '
        'runs',
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument('runs', nargs='+', help='work dirs or curve files')
    parser.add_argument('--labels', nargs='+', help='one label per run')
    parser.add_argument('--metric', default='coco/bbox_mAP')
    parser.add_argument('--iters-per-x', type=int, default=90000,
                        help='iterations of "1x" (toy runs: their own)')
    parser.add_argument('--out', default='curves.png')
    parser.add_argument('--csv', help='also write the points as CSV')
    parser.add_argument('--title')
    parser.add_argument('--onset', action='store_true',
                        help='find and mark where each run starts to '
                        'overfit')
    parser.add_argument('--margin', type=float, default=0.005,
                        help='--onset: drop below the peak that counts as '
                        'worse, in the metric\'s units (default 0.005)')
    parser.add_argument('--patience', type=int, default=3,
                        help='--onset: consecutive worse validations '
                        '(default 3)')
    args = parser.parse_args(argv)
    if args.labels and len(args.labels) != len(args.runs):
        parser.error(f'{len(args.labels)} labels for {len(args.runs)} runs')
    if not args.out.endswith(('.png', '.svg', '.pdf')):
        parser.error(f'--out {args.out}: expected .png, .svg or .pdf')
    labels = args.labels or [None] * len(args.runs)
    try:
        runs = [load_run(r, args.metric, lb)
                for r, lb in zip(args.runs, labels)]
        if args.onset:
            for run in runs:
                add_onset(run, args.margin, args.patience)
    except (FileNotFoundError, KeyError, ValueError) as err:
        print(f'plot_curves: {err}', file=sys.stderr)
        return 2
    fig = plot_runs(runs, args.metric, args.iters_per_x, args.title)
    fig.savefig(args.out, dpi=120)
    print(f'wrote {args.out}: ' + ', '.join(
        f'{r["label"]} ({len(r["iters"])} points, lr drops at '
        f'{", ".join(map(str, r["drops"])) or "none"})' for r in runs))
    for run in runs if args.onset else []:
        print(f'{run["label"]}: ' + (
            f'overfitting from iteration {run["onset"]}'
            if run['onset'] is not None else 'no overfitting onset'))
    if args.csv:
        write_csv(runs, args.csv, args.metric)
        print(f'wrote {args.csv}')
    return 0
