"""Evaluate a checkpoint with an mmrethink (or any mmdet) config.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE.pkl]
        [--show] [--show-dir DIR] [--wait-time S] [--tta]
        [--cfg-options key=value ...] [--launcher pytorch]

CHECKPOINT is a file or a remote name, as mmdet's tool takes it:
``http(s)://...``, ``open-mmlab://...``, ``torchvision://...`` (downloaded
into torch's hub cache once; mmrethink.checkpoint.remote). ``--show-dir DIR``
writes every test image with its predictions drawn to
``<work_dir>/<timestamp>/DIR`` (mmdet's visualization hook), ``--show``
displays them. Prints the metrics as one JSON line (``{"coco/bbox_mAP":
...}``) at the end.
"""
import argparse
import json
import os.path as osp
import sys

from mmdet.engine.hooks.utils import trigger_visualization_hook

from ..checkpoint.remote import REMOTE_PREFIXES
from ..launch import (add_common_args, load_config, parse_with_common_args,
                      run_stage)
from ..runner.dist import prepare_cpu_launch


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument(
        'config', help='config file, or a config name under mmrethink configs')
    parser.add_argument(
        'checkpoint', help='checkpoint file, URL or open-mmlab:// name')
    parser.add_argument('--work-dir', help='where to save the metrics')
    parser.add_argument(
        '--out', help='dump the predictions to this pickle file')
    parser.add_argument(
        '--show', action='store_true', help='show the prediction results')
    parser.add_argument(
        '--show-dir',
        help='folder (under the run\'s log dir) for the images with their '
        'predictions drawn')
    parser.add_argument(
        '--wait-time', type=float, default=2,
        help='seconds each image is shown with --show (default 2)')
    parser.add_argument(
        '--tta', action='store_true',
        help='test-time augmentation (needs tta_model/tta_pipeline in the '
        'config)')
    add_common_args(parser)
    return parse_with_common_args(parser, argv)


def main(argv=None):
    args = parse_args(argv)
    if not args.checkpoint.startswith(REMOTE_PREFIXES) and not osp.isfile(
            args.checkpoint):
        raise FileNotFoundError(f'checkpoint {args.checkpoint} does not exist')
    cfg = load_config(args.config, args.cfg_options, args.work_dir)
    cfg.launcher = args.launcher
    prepare_cpu_launch(cfg, args.launcher)
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.show or args.show_dir:
        trigger_visualization_hook(cfg, args)

    if args.tta:
        for key in ('tta_model', 'tta_pipeline'):
            if key not in cfg:
                raise KeyError(f'{args.config}: --tta needs `{key}` in the '
                               'config')
        cfg.model = dict(**cfg.tta_model, module=cfg.model)
        test_data_cfg = cfg.test_dataloader.dataset
        while 'dataset' in test_data_cfg:
            test_data_cfg = test_data_cfg['dataset']
        test_data_cfg.pipeline = cfg.tta_pipeline

    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--out {args.out}: expected a .pkl file')
        cfg.test_evaluator = [
            *(cfg.test_evaluator if isinstance(cfg.test_evaluator, list) else
              [cfg.test_evaluator]),
            dict(type='DumpDetResults', out_file_path=args.out)
        ]

    metrics = run_stage(cfg, 'test')
    print(json.dumps({k: float(v) for k, v in metrics.items()
                      if isinstance(v, (int, float))}))


if __name__ == '__main__':
    sys.exit(main())
