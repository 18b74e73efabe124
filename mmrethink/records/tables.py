"""The README's experiments table, the toy table of ``docs/toy.md`` and
``metafile.yml``, generated from the configs and the results records
(``tools/gather_results.py`` is the command line).

    python tools/gather_results.py          # rewrite the three files
    python tools/gather_results.py --check  # exit 1 if one is stale

Every column comes from the resolved config (model, backbone, norm, init,
iterations, scale augmentation, GPUs x batch), from
``configs/rethinking/paper_results.yml`` (the paper's reference and numbers)
or from ``results/<config stem>.json`` (our runs, written by
``tools/publish.py``); a config without a record says "not trained yet".
Weights and logs are linked under ``--base-url`` (default: the ``publish/``
folder that tools/publish.py fills, relative to the README). Nothing is
typed by hand, so neither the tables nor the metafile can drift from the
configs and the runs.
"""
import argparse
import functools
import glob
import os.path as osp
import sys
from typing import Dict, List, Optional

import yaml
from mmengine.config import Config

from ..config import read_config
from ..fileio import atomic_write
from .results import read_record, read_records
from .speed import model_key, read_speed

#: the paper's numbers and references, and the metafile, in a checkout
PAPER_FILE = osp.join('configs', 'rethinking', 'paper_results.yml')
METAFILE = osp.join('configs', 'rethinking', 'metafile.yml')
BEGIN = '<!-- experiments-table:begin (tools/gather_results.py) -->'
END = '<!-- experiments-table:end -->'
TOY_BEGIN = '<!-- toy-table:begin (tools/gather_results.py) -->'
TOY_END = '<!-- toy-table:end -->'
#: the page that holds the toy table, in a checkout
TOY_PAGE = osp.join('docs', 'toy.md')
DEFAULT_BASE_URL = 'publish'


@functools.lru_cache(maxsize=None)
def _load(path: str) -> Config:
    return read_config(path)


def describe(cfg: Config) -> Dict[str, str]:
    """The table's columns that come from a resolved config."""
    model = cfg.model
    detector = {'MaskRCNN': 'Mask R-CNN', 'FasterRCNN': 'Faster R-CNN',
                'CascadeRCNN': 'Cascade Mask R-CNN'}[model.type]
    if model.get('roi_head', {}).get('type') == 'KeypointRoIHead':
        detector = 'Keypoint ' + detector
    if 'tta_model' in cfg:
        detector += ' + TTA'
    backbone = model.backbone
    if backbone.type == 'ResNeXt':
        net = f'X{backbone.depth}-{backbone.groups}x{backbone.base_width}d'
    elif backbone.type == 'DetVGG':
        net = f'VGG-{backbone.depth}'
    else:
        net = f'R{backbone.depth}'
    norm = ({'GN': 'GN', 'SyncBN': 'SyncBN'}[backbone.norm_cfg.type]
            if 'norm_cfg' in backbone else 'none')
    if not (backbone.init_cfg or {}).get('checkpoint'):
        init = 'scratch'  # (MSRA init: no init_cfg, or VGG's Kaiming)
    elif backbone.init_cfg.checkpoint.startswith(('open-mmlab://',
                                                  'torchvision://')):
        init = 'ImageNet'
    else:
        init = 'pretrained (own)'  # e.g. the toy world's pre-training
    if cfg.get('load_from'):
        init += ' (+ stage 1)'
    train_cfg = cfg.train_cfg
    if 'max_iters' in train_cfg:
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


def _link(base_url: str, name: str, text: str) -> str:
    """A Markdown link to a published file, or its bare name when the files
    are not online (a relative ``base_url``: ``publish/`` is not part of
    the repository, so a link there would be dead in every clone)."""
    if '://' not in base_url:
        return f'`{name}`'
    return f'[{text}]({base_url.rstrip("/")}/{name})'


def _url(base_url: str, name: str) -> str:
    return f'{base_url.rstrip("/")}/{name}'


@functools.lru_cache(maxsize=None)
def mmdet_models() -> Dict[str, dict]:
    """The models of mmdet's own metafiles for this paper, by name."""
    import mmdet
    path = osp.join(osp.dirname(mmdet.__file__), '.mim', 'configs',
                    'scratch', 'metafile.yml')
    with open(path) as f:
        return {m['Name']: m for m in yaml.safe_load(f)['Models']}


def reference_cell(name: Optional[str]) -> str:
    """mmdet's published weights for a recipe of ours: their AP, linked."""
    if not name:
        return '-'
    if not name.startswith('mmdet::'):
        raise ValueError(f'{PAPER_FILE}: reference {name!r} must be '
                         'mmdet::<model name of its scratch metafile>')
    model = mmdet_models()[name[len('mmdet::'):]]
    metrics = {k: v for r in model['Results'] for k, v in r['Metrics'].items()}
    aps = ' / '.join(f'{metrics[k]}' for k in ('box AP', 'mask AP')
                     if k in metrics)
    return f"[mmdet's: {aps}]({model['Weights']})"


def _paper(root: str) -> dict:
    with open(osp.join(root, PAPER_FILE)) as f:
        return yaml.safe_load(f)


def build_table(root: str, results_dir: str,
                base_url: str = DEFAULT_BASE_URL) -> str:
    """The paper configs' table of the checkout at ``root``, with the
    line under it that says where its speed and memory come from."""
    paper = _paper(root)
    speed = read_speed(results_dir)
    rows: List[str] = [
        '| Config | Paper | Model | Backbone | Norm | Init | Schedule | '
        'Train aug | GPUs x batch | Mem (GB) fp32 / AMP | Train s/iter '
        'fp32 / AMP | Paper box AP | Paper mask AP | '
        'Paper keypoint AP | Our box AP | Our mask AP | Our keypoint AP | '
        'Log | Checkpoint | Reference weights (not ours) |',
        '|' + '---|' * 20,
    ]
    for stem, ref in paper.items():
        path = osp.join(root, 'configs', 'rethinking', f'{stem}.py')
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'{PAPER_FILE}: {stem!r} has no config at {path}')
        d = describe(_load(path))
        key = model_key(d['detector'], d['backbone'], d['norm'])
        # measured at the configs' images per GPU: another batch has
        # other numbers
        same = speed is not None and _load(path).train_dataloader.get(
            'batch_size') == speed.images_per_gpu
        measured = [same and speed.cell(key, 'memory_gb', 1),
                    same and speed.cell(key, 'sec_per_iter', 3)]
        cost = ' | '.join(m or 'not measured' for m in measured)
        record = read_record(results_dir, stem)
        if record is None:
            ours = ['not trained yet'] * 3 + ['-', '-']
        else:
            ours = [_ap(record.box_ap), _ap(record.mask_ap),
                    _ap(record.keypoint_ap),
                    _link(base_url, record.log, 'log'),
                    _link(base_url, record.checkpoint, 'model')]
        ours.append(reference_cell(ref.get('reference')))
        rows.append(
            f'| [{stem}](configs/rethinking/{stem}.py) | {ref["ref"]} | '
            f'{d["detector"]} | {d["backbone"]} | {d["norm"]} | {d["init"]} '
            f'| {d["schedule"]} | {d["aug"]} | {d["batch"]} | {cost} | '
            f'{_ap(ref["box"])} | {_ap(ref["mask"])} | '
            f'{_ap(ref.get("keypoints"))} | ' + ' | '.join(ours)
            + ' |')
    if speed is None:
        source = ('Mem (GB) and Train s/iter: not measured yet; '
                  '`python benchmarks/gpu_speed.py` on one GPU fills them '
                  '(peak memory and seconds per iteration of each model at '
                  '2 images per GPU, fp32 and AMP).')
    else:
        height, width = speed.input_hw
        source = (f'Mem (GB) and Train s/iter: {speed.device}, one GPU, '
                  f'{speed.images_per_gpu} synthetic images of {height} x '
                  f'{width} per iteration, fp32 / AMP (fp16), median of '
                  f'{speed.iterations} iterations, peak '
                  '`torch.cuda.max_memory_allocated`; measured '
                  f'{speed.date} by `python benchmarks/gpu_speed.py` '
                  f'(torch {speed.torch}). SyncBN on one GPU runs without '
                  "its all-reduce, and 8 GPUs add DDP's.")
    return '\n'.join(rows) + '\n\n' + source


def check_coverage(root: str) -> None:
    """Every config in configs/rethinking has a row, and every row a config."""
    paper = _paper(root)
    stems = {osp.splitext(osp.basename(p))[0]
             for p in glob.glob(osp.join(root, 'configs', 'rethinking',
                                         '*.py'))}
    missing = sorted(stems - set(paper))
    if missing:
        raise KeyError(f'{PAPER_FILE}: no entry for {missing}')
    for stem, ref in paper.items():
        if not {'ref', 'box', 'mask'} <= set(ref) <= {
                'ref', 'box', 'mask', 'keypoints', 'reference'}:
            raise KeyError(f'{PAPER_FILE}: {stem} must have the keys ref, '
                           'box, mask (and may have keypoints, reference); '
                           f'got {sorted(ref)}')


def toy_config(root: str, stem: str) -> Optional[str]:
    """The toy config of ``stem``, relative to the repository (the toy
    recipes in ``configs/toy``, the first study's runs in
    ``configs/toy/study``, the protocol study's in ``configs/toy/scenes``);
    None if there is none."""
    for folder in ('toy', osp.join('toy', 'study'), osp.join('toy',
                                                               'scenes')):
        rel = osp.join('configs', folder, f'{stem}.py')
        if osp.isfile(osp.join(root, rel)):
            return rel
    return None


def _log_cell(root: str, results_dir: str, base_url: str,
              name: str, prefix: str = '') -> str:
    """A link to a run's log kept beside the records (``<results>/logs``,
    small text files committed with them; ``prefix``: from the page's
    folder to the repository), else as ``_link``."""
    kept = osp.join(results_dir, 'logs', name)
    if osp.isfile(kept):
        rel = osp.relpath(kept, root).replace(osp.sep, '/')
        return f'[log]({prefix}{rel})'
    return _link(base_url, name, 'log')


def _train_images(cfg: Config) -> str:
    sampler = cfg.train_dataloader.get('sampler', {})
    return str(sampler.get('subset_size') or 'all')


def build_toy_table(root: str, results_dir: str,
                    base_url: str = DEFAULT_BASE_URL,
                    prefix: str = '') -> str:
    """Our runs of the toy configs (toy data on CPU, not COCO); links to
    configs and logs start with ``prefix`` (the way from the page that
    shows the table to the repository, e.g. ``../`` from ``docs/``)."""
    rows = ['| Config | Init | Train images | Iterations | GPUs x batch | '
            's/iter | box AP | box AP50 | mask AP | keypoint AP | best box AP '
            '(iteration) | Log | Checkpoint |', '|' + '---|' * 13]
    for stem, record in read_records(results_dir).items():
        rel = toy_config(root, stem)
        if rel is None:
            continue
        cfg = _load(osp.join(root, rel))
        d = describe(cfg)
        # the curve's peak (the whole curve: curve.jsonl, plot_curves.py)
        best_iter, best_ap = max(record.curve_box_ap,
                                 key=lambda p: (p[1], -p[0]),
                                 default=(None, None))
        peak = '-' if best_ap is None else f'{best_ap:.1f} ({best_iter})'
        gpus = record.gpus or 1
        rows.append(
            f'| [{stem}]({prefix}{rel}) | {d["init"]} | '
            f'{_train_images(cfg)} | '
            f'{record.iterations} | {gpus} CPU process x '
            f'{record.batch_per_gpu} | {record.sec_per_iter} | '
            f'{_ap(record.box_ap)} | {_ap(record.box_ap50)} | '
            f'{_ap(record.mask_ap)} | {_ap(record.keypoint_ap)} | {peak} | '
            f'{_log_cell(root, results_dir, base_url, record.log, prefix)} | '
            f'{_link(base_url, record.checkpoint, "model")} |')
    return '\n'.join(rows)


def build_metafile(root: str, results_dir: str,
                   base_url: str = DEFAULT_BASE_URL) -> str:
    """``metafile.yml`` in mmdet's schema: one collection, a model per
    config (Name == config stem), results only from our records."""
    paper = _paper(root)
    records = read_records(results_dir)
    models = []
    stems = [(s, osp.join('configs', 'rethinking', f'{s}.py'))
             for s in paper]
    stems += [(s, toy_config(root, s)) for s in records
              if toy_config(root, s)]
    for stem, rel in stems:
        cfg = _load(osp.join(root, rel))
        loop = cfg.train_cfg
        meta = {'Training Data': (
            ('toy figures' if '_figures' in stem else 'toy scenes'
             if '_scenes' in stem else 'toy shapes')
            if '/toy/' in f'/{rel}' else 'VOC' if 'voc' in stem else
            'COCO person keypoints' if '_coco-keypoints' in stem else
            'COCO')}
        if 'max_iters' in loop:
            meta['Iterations'] = loop.max_iters
        else:
            meta['Epochs'] = loop.max_epochs
        meta['Batch Size'] = (1 if '/toy/' in f'/{rel}' else 8) * \
            cfg.train_dataloader.batch_size
        model = {'Name': stem, 'In Collection': 'Rethinking ImageNet '
                 'Pre-training', 'Config': rel, 'Metadata': meta}
        record = records.get(stem)
        if record is not None:
            dataset = meta['Training Data']
            results = [{'Task': 'Object Detection', 'Dataset': dataset,
                        'Metrics': {'box AP': record.box_ap}}]
            if record.mask_ap is not None:
                results.append({'Task': 'Instance Segmentation',
                                'Dataset': dataset,
                                'Metrics': {'mask AP': record.mask_ap}})
            if record.keypoint_ap is not None:
                results.append({'Task': 'Keypoint Detection',
                                'Dataset': dataset,
                                'Metrics': {'keypoint AP':
                                            record.keypoint_ap}})
            model['Results'] = results
            model['Weights'] = _url(base_url, record.checkpoint)
            model['Logs'] = _url(base_url, record.log)
        models.append(model)
    doc = {
        'Collections': [{
            'Name': 'Rethinking ImageNet Pre-training',
            'Metadata': {
                'Training Techniques': ['SGD with Momentum', 'Weight Decay',
                                        'Group Normalization',
                                        'Synchronized BatchNorm'],
                'Training Resources': '8x GPUs',
                'Architecture': ['FPN', 'ResNet', 'ResNeXt', 'VGG', 'RPN'],
            },
            'Paper': {'URL': 'https://arxiv.org/abs/1811.08883',
                      'Title': 'Rethinking ImageNet Pre-training'},
            'README': 'README.md',
        }],
        'Models': models,
    }
    return ('# Generated by tools/gather_results.py from the configs and '
            'results/*.json; do not edit.\n' +
            yaml.safe_dump(doc, sort_keys=False, width=100))


def _replace_block(text: str, begin: str, end: str, content: str,
                   source: str = 'README.md') -> str:
    if text.count(begin) != 1 or text.count(end) != 1:
        raise ValueError(f'{source} must contain the markers {begin!r} and '
                         f'{end!r} once each')
    head, rest = text.split(begin)
    _, tail = rest.split(end)
    return f'{head}{begin}\n{content}\n{end}{tail}'


def render_readme(readme: str, table: str) -> str:
    """Put the experiments table between its markers."""
    return _replace_block(readme, BEGIN, END, table)


def render_toy_page(page: str, toy_table: str) -> str:
    """Put the toy table between its markers (``docs/toy.md``)."""
    return _replace_block(page, TOY_BEGIN, TOY_END, toy_table, TOY_PAGE)


def main(argv=None, root: Optional[str] = None) -> int:
    """``tools/gather_results.py``'s command line, for the checkout at
    ``root``."""
    root = root or '.'
    parser = argparse.ArgumentParser(
        description='Regenerate the README\'s experiments table, the toy '
        'table of docs/toy.md and metafile.yml from the configs and the '
        'results records')
    parser.add_argument('--check', action='store_true',
                        help='fail if a generated file is stale')
    parser.add_argument('--readme', default=osp.join(root, 'README.md'))
    parser.add_argument('--toy-page', default=osp.join(root, TOY_PAGE))
    parser.add_argument('--metafile', default=osp.join(root, METAFILE))
    parser.add_argument('--results-dir', default=osp.join(root, 'results'))
    parser.add_argument('--base-url', default=DEFAULT_BASE_URL,
                        help='where the published weights and logs live')
    parser.add_argument('--print-toy-table', action='store_true',
                        help='only print the toy table of --results-dir')
    args = parser.parse_args(argv)
    try:
        return _gather(root, args)
    except (KeyError, ValueError, FileNotFoundError) as err:
        # a bad record or config: its name and what was expected
        print(f'gather_results: {err.args[0] if err.args else err}',
              file=sys.stderr)
        return 2


def _read(path: str) -> str:
    if not osp.isfile(path):
        return ''
    with open(path) as f:
        return f.read()


def _gather(root: str, args) -> int:
    if args.print_toy_table:
        print(build_toy_table(root, args.results_dir, args.base_url))
        return 0
    toy_table = build_toy_table(root, args.results_dir, args.base_url,
                                '../')
    check_coverage(root)
    outputs = {}
    readme = _read(args.readme)
    outputs[args.readme] = (readme, render_readme(
        readme, build_table(root, args.results_dir, args.base_url)))
    page = _read(args.toy_page)
    outputs[args.toy_page] = (page, render_toy_page(page, toy_table))
    old_meta = _read(args.metafile)
    outputs[args.metafile] = (old_meta, build_metafile(
        root, args.results_dir, args.base_url))
    stale = [path for path, (old, new) in outputs.items() if old != new]
    if args.check:
        for path in stale:
            print(f'{path} is stale: run python tools/gather_results.py',
                  file=sys.stderr)
        if stale:
            return 1
        print('the tables of README.md and docs/toy.md and metafile.yml '
              'are up to date')
        return 0
    for path, (_, new) in outputs.items():
        atomic_write(new, path)
    print('wrote ' + ', '.join(outputs))
    return 0
