"""Train a detector with an mmrethink (or any mmdet) config.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--auto-scale-lr] [--cfg-options key=value ...] [--launcher pytorch]
"""
import argparse
import os.path as osp
import sys

from ..checkpoint.work_dir import find_resume_checkpoint
from ..launch import (add_common_args, load_config, parse_with_common_args,
                      run_stage)
from ..runner.dist import prepare_cpu_launch


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a detector')
    parser.add_argument(
        'config', help='config file, or a config name under mmrethink configs')
    parser.add_argument('--work-dir', help='where to save logs and models')
    parser.add_argument(
        '--amp', action='store_true',
        help='enable automatic mixed precision training')
    parser.add_argument(
        '--auto-scale-lr', action='store_true',
        help='scale the lr linearly with the total batch size')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint; without a path, from the '
        'newest checkpoint of the work dir that loads (none: start at '
        'iteration 0, from the config\'s load_from if it has one)')
    add_common_args(parser)
    return parse_with_common_args(parser, argv)


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options, args.work_dir)
    cfg.launcher = args.launcher
    prepare_cpu_launch(cfg, args.launcher)

    if args.amp:
        if cfg.optim_wrapper.get('type', 'OptimWrapper') == 'AmpOptimWrapper':
            print('AMP is already enabled in the config.')
        else:
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'

    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg or 'base_batch_size' not in \
                cfg.auto_scale_lr:
            raise KeyError(
                f'{args.config}: --auto-scale-lr needs '
                '`auto_scale_lr = dict(base_batch_size=...)` in the config')
        cfg.auto_scale_lr.enable = True

    if args.resume == 'auto':
        # the newest checkpoint of the work dir that loads; none: a fresh
        # start that keeps the config's load_from (e.g. cascade stage 2's
        # stage-1 weights) as the initial weights
        checkpoint = find_resume_checkpoint(cfg.work_dir)
        if checkpoint is not None:
            cfg.resume = True
            cfg.load_from = checkpoint
        else:
            cfg.resume = False
            print(f'--resume: no checkpoint in {cfg.work_dir}; starting at '
                  'iteration 0' + (f' from load_from={cfg.load_from}'
                                   if cfg.get('load_from') else ''))
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise FileNotFoundError(
                f'--resume: checkpoint {args.resume} does not exist')
        cfg.resume = True
        cfg.load_from = args.resume

    run_stage(cfg, 'train')


if __name__ == '__main__':
    sys.exit(main())
