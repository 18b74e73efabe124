"""Regenerate the README's table of experiments from the configs.

    python tools/gather_results.py          # rewrite the table in README.md
    python tools/gather_results.py --check  # exit 1 if README.md is stale

Every column comes from the resolved config (model, backbone, norm, init,
iterations, scale augmentation, GPUs x batch) or from
``configs/rethinking/paper_results.yml`` (the paper's reference and numbers).
Our own results are read from ``results/<config stem>.json`` records; a
config without a record says "not trained yet". Nothing in the table is typed
by hand, so it cannot drift from the configs.
"""
import argparse
import json
import os.path as osp
import sys
from typing import Dict, List, Optional

import yaml
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG_DIR = osp.join(ROOT, 'configs', 'rethinking')
PAPER_FILE = osp.join(CONFIG_DIR, 'paper_results.yml')
BEGIN = '<!-- experiments-table:begin (tools/gather_results.py) -->'
END = '<!-- experiments-table:end -->'


def describe(cfg: Config) -> Dict[str, str]:
    """The table's columns that come from a resolved config."""
    model = cfg.model
    detector = {'MaskRCNN': 'Mask R-CNN', 'FasterRCNN': 'Faster R-CNN',
                'CascadeRCNN': 'Cascade Mask R-CNN'}[model.type]
    if 'tta_model' in cfg:
        detector += ' + TTA'
    backbone = model.backbone
    if backbone.type == 'ResNeXt':
        net = f'X{backbone.depth}-{backbone.groups}x{backbone.base_width}d'
    else:
        net = f'R{backbone.depth}'
    norm = {'GN': 'GN', 'SyncBN': 'SyncBN'}[backbone.norm_cfg.type]
    init = 'ImageNet' if backbone.init_cfg else 'scratch'
    if cfg.get('load_from'):
        init += ' (+ stage 1)'
    train_cfg = cfg.train_cfg
    if train_cfg.type == 'IterBasedTrainLoop':
        iters = train_cfg.max_iters
        schedule = f'{iters / 1000:g}k it'
        if iters % 90000 == 0 and cfg.train_dataloader.batch_size == 2:
            schedule += f' ({iters // 90000}x)'
    else:
        schedule = f'{train_cfg.max_epochs} ep'
    dataset = cfg.train_dataloader.dataset
    pipeline = (dataset.datasets[0].pipeline
                if dataset.type == 'ConcatDataset' else dataset.pipeline)
    resize = next(t for t in pipeline if 'Resize' in t.type)
    if resize.type == 'RandomChoiceResize':
        sides = [min(s) for s in resize.scales]
        aug = f'[{min(sides)}, {max(sides)}]'
    else:
        aug = '-'
    return dict(detector=detector, backbone=net, norm=norm, init=init,
                schedule=schedule, aug=aug,
                batch=f'8x{cfg.train_dataloader.batch_size}')


def _ap(value: Optional[float]) -> str:
    return '-' if value is None else f'{value:.1f}'


def load_record(stem: str, results_dir: str) -> Optional[dict]:
    path = osp.join(results_dir, f'{stem}.json')
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def build_table(results_dir: str) -> str:
    with open(PAPER_FILE) as f:
        paper = yaml.safe_load(f)
    rows: List[str] = [
        '| Config | Paper | Model | Backbone | Norm | Init | Schedule | '
        'Train aug | GPUs x batch | Paper box AP | Paper mask AP | '
        'Our box AP | Our mask AP | Log | Checkpoint |',
        '|' + '---|' * 15,
    ]
    for stem, ref in paper.items():
        path = osp.join(CONFIG_DIR, f'{stem}.py')
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'{PAPER_FILE}: {stem!r} has no config at {path}')
        d = describe(Config.fromfile(path))
        record = load_record(stem, results_dir)
        if record is None:
            ours = ['not trained yet'] * 2 + ['-', '-']
        else:
            ours = [_ap(record.get('box_ap')), _ap(record.get('mask_ap')),
                    f'[log]({record["log_url"]})',
                    f'[model]({record["checkpoint_url"]})']
        rows.append(
            f'| [{stem}](configs/rethinking/{stem}.py) | {ref["ref"]} | '
            f'{d["detector"]} | {d["backbone"]} | {d["norm"]} | {d["init"]} '
            f'| {d["schedule"]} | {d["aug"]} | {d["batch"]} | '
            f'{_ap(ref["box"])} | {_ap(ref["mask"])} | ' + ' | '.join(ours)
            + ' |')
    return '\n'.join(rows)


def check_coverage() -> None:
    """Every config in configs/rethinking has a row, and every row a config."""
    with open(PAPER_FILE) as f:
        paper = yaml.safe_load(f)
    import glob
    stems = {osp.splitext(osp.basename(p))[0]
             for p in glob.glob(osp.join(CONFIG_DIR, '*.py'))}
    missing = sorted(stems - set(paper))
    if missing:
        raise KeyError(f'{PAPER_FILE}: no entry for {missing}')
    for stem, ref in paper.items():
        if set(ref) != {'ref', 'box', 'mask'}:
            raise KeyError(f'{PAPER_FILE}: {stem} must have exactly the keys '
                           f'ref, box, mask; got {sorted(ref)}')


def render_readme(readme: str, table: str) -> str:
    if readme.count(BEGIN) != 1 or readme.count(END) != 1:
        raise ValueError(f'README.md must contain the markers {BEGIN!r} and '
                         f'{END!r} once each')
    head, rest = readme.split(BEGIN)
    _, tail = rest.split(END)
    return f'{head}{BEGIN}\n{table}\n{END}{tail}'


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--check', action='store_true',
                        help='fail if README.md differs from the configs')
    parser.add_argument('--readme', default=osp.join(ROOT, 'README.md'))
    parser.add_argument('--results-dir', default=osp.join(ROOT, 'results'))
    args = parser.parse_args(argv)
    check_coverage()
    with open(args.readme) as f:
        readme = f.read()
    new = render_readme(readme, build_table(args.results_dir))
    if args.check:
        if new != readme:
            print(f'{args.readme} is stale: run python tools/gather_results.py',
                  file=sys.stderr)
            return 1
        print(f'{args.readme} is up to date')
        return 0
    with open(args.readme, 'w') as f:
        f.write(new)
    print(f'wrote the experiments table of {args.readme}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
