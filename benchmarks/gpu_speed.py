"""The device check: training speed and memory of every model of the
README's experiments table, then fp32 vs AMP vs channels_last on the R50
GN Mask R-CNN scratch config.

    python benchmarks/gpu_speed.py            # one GPU, under 8 minutes
    python benchmarks/gpu_speed.py --results-dir DIR   # DIR/speed/train.json

**The table** (``--table``, on by default): every distinct model of the
experiments table (its Model, Backbone and Norm columns:
``mmrethink.records.speed.model_key``), built from the first config of
``configs/rethinking/paper_results.yml`` that has it, from scratch (nothing
to download); 2 synthetic images per iteration (the configs' images per
GPU) of ``--height`` x ``--width`` (800 x 1088: a 640 x 480 COCO image at
the paper's 800 px, padded to 32) with 7 instances each (COCO's mean):
boxes, masks for mask models, 17 keypoints for the keypoint model. SGD as
the configs' (lr 0.02 x 2 / 16), ``--warmup`` untimed iterations, then
``--iters`` timed ones, in fp32 and in AMP (fp16 autocast with a gradient
scaler, as mmengine's ``AmpOptimWrapper``): the median seconds per
iteration and the peak ``torch.cuda.max_memory_allocated``. They are
written to ``<results-dir>/speed/train.json``
(``mmrethink.records.speed``), from which ``python tools/gather_results.py``
fills the table's ``Mem (GB)`` and ``Train s/iter`` columns. A SyncBN model
on one GPU runs without its all-reduce.

**The variants** (``--variants``, all by default; ``--variants`` with no
name skips them): the ``--config`` model (R50 GN scratch) afresh from the
same seed, fp32 vs channels_last vs AMP fp16 / bf16; iterations/s, peak
memory and the speed-up over fp32, and the RPN losses of the first
``--check`` iterations against fp32 (the RoI head's losses depend on which
proposals survive NMS; at scratch init the objectness scores nearly tie, so
any rounding change reorders them and the total loss differs by ~1 % even
between fp32 layouts):

- same precision (channels_last): within 0.1 % — only the convolution
  algorithms differ (and TF32, on by default in cuDNN);
- half precision (fp16, bf16): within 2 % — 8 (bf16) or 11 (fp16) bits of
  mantissa in the forward pass.

A variant outside its tolerance is marked FAIL, one that raises (an mmcv
op without a kernel for that dtype, say) ERROR; then the script exits 1.
Finally the fp32 model's inference time per image (test mode), for the
evaluation cost of a learning curve (docs/performance.md).

``--device cpu`` runs the same code (what the test suite does, with a tiny
input, ``--precisions fp32``: mmcv's CPU ops have no half-precision
kernels; SyncBN becomes BN); it writes only to a ``--results-dir`` other
than the repository's, since CPU timings mean nothing for the table.
"""
import argparse
import datetime
import os.path as osp
import statistics
import sys
import time

import numpy as np
import torch
import yaml
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
import mmrethink  # noqa: E402,F401
from mmdet.registry import MODELS  # noqa: E402
from mmdet.structures import DetDataSample  # noqa: E402
from mmdet.structures.mask import BitmapMasks  # noqa: E402

from mmrethink.config import read_config  # noqa: E402
from mmrethink.records import speed as speed_records  # noqa: E402
from mmrethink.records.publishing import git_commit  # noqa: E402
from mmrethink.records.tables import PAPER_FILE, describe  # noqa: E402

CONFIG = osp.join(ROOT, 'configs', 'rethinking',
                  'mask-rcnn_r50-scratch_fpn_gn-all_8xb2-6x_coco.py')
# name -> (autocast dtype or None, channels_last)
VARIANTS = {
    'fp32': (None, False),
    'fp32+channels_last': (None, True),
    'amp-fp16': (torch.float16, False),
    'amp-bf16': (torch.bfloat16, False),
    'amp-bf16+channels_last': (torch.bfloat16, True),
}
TOLERANCE = {None: 0.001, torch.float16: 0.02, torch.bfloat16: 0.02}
# the table's precisions: AMP as mmengine's AmpOptimWrapper runs it
PRECISIONS = {'fp32': None, 'amp': torch.float16}
NUM_KEYPOINTS = 17
INSTANCES = 7  # COCO's mean per image


def make_batch(height: int, width: int, num_classes: int, batch: int = 2,
               seed: int = 0, masks: bool = True,
               keypoints: bool = False) -> dict:
    """A data batch as the dataloader gives it: uint8 images and samples
    with boxes and labels, and masks and keypoints if asked."""
    rng = np.random.default_rng(seed)
    inputs, samples = [], []
    for _ in range(batch):
        inputs.append(torch.from_numpy(
            rng.integers(0, 255, (3, height, width), dtype=np.uint8)))
        n = INSTANCES
        wh = rng.uniform(0.05, 0.5, (n, 2)) * [width, height]
        xy = rng.uniform(0, 1, (n, 2)) * ([width, height] - wh)
        boxes = np.concatenate([xy, xy + wh], 1).astype(np.float32)
        sample = DetDataSample(metainfo=dict(
            img_shape=(height, width), ori_shape=(height, width),
            pad_shape=(height, width), scale_factor=(1., 1.), flip=False,
            batch_input_shape=(height, width)))
        gt = InstanceData(
            bboxes=torch.from_numpy(boxes),
            labels=torch.from_numpy(rng.integers(num_classes, size=n)))
        if masks:
            bitmaps = np.zeros((n, height, width), np.uint8)
            for i, (x1, y1, x2, y2) in enumerate(boxes.astype(int)):
                bitmaps[i, y1:y2, x1:x2] = 1
            gt.masks = BitmapMasks(bitmaps, height, width)
        if keypoints:  # every keypoint visible, inside its box
            points = xy[:, None] + rng.uniform(
                0, 1, (n, NUM_KEYPOINTS, 2)) * wh[:, None]
            gt.keypoints = torch.from_numpy(np.concatenate(
                [points, np.full((n, NUM_KEYPOINTS, 1), 2.)],
                2).astype(np.float32))
        sample.gt_instances = gt
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def batch_for(cfg: Config, height: int, width: int) -> dict:
    """The synthetic batch that the config's model trains on."""
    roi_head = cfg.model.get('roi_head', {})
    return make_batch(height, width, num_classes(cfg),
                      masks='mask_head' in roi_head,
                      keypoints='keypoint_head' in roi_head)


def num_classes(cfg: Config) -> int:
    bbox_head = cfg.model.roi_head.bbox_head
    if isinstance(bbox_head, (list, tuple)):  # cascade: one per stage
        bbox_head = bbox_head[0]
    return bbox_head.num_classes


def build(cfg: Config, device: str, channels_last: bool = False):
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    if not device.startswith('cuda'):
        model = revert_sync_batchnorm(model)  # SyncBN needs CUDA
    model.to(device)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    return model


def train_variant(cfg, batch, device, dtype, channels_last, warmup, iters,
                  check):
    """Median seconds per training iteration, peak memory (GB, CUDA only),
    the RPN losses of the first ``check`` iterations, and the model."""
    model = build(cfg, device, channels_last)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.02 * 2 / 16,
                                momentum=0.9, weight_decay=1e-4)
    scaler = torch.amp.GradScaler(device, enabled=dtype == torch.float16)
    cuda = device.startswith('cuda')
    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    torch.manual_seed(1)  # the samplers' stream, the same for every variant
    losses, times = [], []
    for it in range(warmup + iters):
        if cuda:
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        with torch.autocast(device.split(':')[0], dtype=dtype or
                            torch.float32, enabled=dtype is not None):
            data = model.data_preprocessor(batch, True)
            if channels_last:
                data['inputs'] = data['inputs'].contiguous(
                    memory_format=torch.channels_last)
            loss, log_vars = model.parse_losses(model(**data, mode='loss'))
        optimizer.zero_grad()
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        if cuda:
            torch.cuda.synchronize()
        if it >= warmup:
            times.append(time.perf_counter() - t0)
        if it < check:
            # the RPN's losses: they depend on the weights, the data and the
            # anchor sampler's random stream only; the RoI head's also on
            # which proposals survive NMS, and at scratch init the scores
            # nearly tie, so any rounding change reorders them
            losses.append(sum(float(v) for k, v in log_vars.items()
                              if k.startswith('loss_rpn')))
    peak = torch.cuda.max_memory_allocated() / 2**30 if cuda else None
    return statistics.median(times), peak, losses, model


def inference_time(model, device, height, width, reps=10):
    model.eval()
    batch = make_batch(height, width, 1, batch=1)
    for s in batch['data_samples']:
        del s.gt_instances
    cuda = device.startswith('cuda')
    times = []
    with torch.no_grad():
        for i in range(reps + 2):
            if cuda:
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            model.test_step(batch)
            if cuda:
                torch.cuda.synchronize()
            if i >= 2:
                times.append(time.perf_counter() - t0)
    return statistics.median(times)


def table_models(root: str = ROOT) -> dict:
    """The experiments table's distinct models: ``model_key`` -> the first
    scratch config of ``paper_results.yml`` that has it (the first config,
    for a model without one)."""
    with open(osp.join(root, PAPER_FILE)) as f:
        stems = list(yaml.safe_load(f))
    models, others = {}, {}
    for stem in stems:
        path = osp.join(root, 'configs', 'rethinking', f'{stem}.py')
        d = describe(read_config(path))
        key = speed_records.model_key(d['detector'], d['backbone'],
                                      d['norm'])
        # a scratch config where there is one: nothing to download
        (models if d['init'].startswith('scratch') else others).setdefault(
            key, path)
    return {**others, **models}


def load_for_speed(path: str) -> Config:
    cfg = read_config(path)
    cfg.model.backbone.init_cfg = None  # scratch: nothing to download
    cfg.model.pop('init_cfg', None)
    return cfg


def measure_table(args, device: str) -> speed_records.TrainSpeed:
    """Part 1: every model of the table at each of ``args.precisions``,
    written after each model (a failure leaves the others measured: its
    cells stay empty and the error is printed)."""
    measured = speed_records.TrainSpeed(
        device=device_name(device), torch=torch.__version__,
        date=datetime.datetime.now(datetime.timezone.utc).strftime('%Y%m%d'),
        commit=git_commit(ROOT), images_per_gpu=2,
        input_hw=[args.height, args.width], iterations=args.iters,
        models={})
    for key, path in table_models().items():
        cfg = load_for_speed(path)
        batch = batch_for(cfg, args.height, args.width)
        measured.models[key] = {}
        for precision in args.precisions:
            t0 = time.perf_counter()
            try:
                sec, peak, _, model = train_variant(
                    cfg, batch, device, PRECISIONS[precision], False,
                    args.warmup, args.iters, 0)
                del model
            except Exception as err:  # e.g. an op without a half kernel
                print(f'{key} [{precision}]: ERROR {type(err).__name__}: '
                      f'{err}', flush=True)
                sec = peak = None
            if device.startswith('cuda'):
                torch.cuda.empty_cache()
            measured.models[key][precision] = dict(
                sec_per_iter=None if sec is None else round(sec, 4),
                memory_gb=None if peak is None else round(peak, 2))
            if sec is not None:
                mem = '-' if peak is None else f'{peak:.2f} GB'
                print(f'{key} [{precision}]: {sec:.3f} s/iter, peak {mem} '
                      f'({osp.basename(path)}; '
                      f'{time.perf_counter() - t0:.0f} s)', flush=True)
        speed_records.write_speed(args.results_dir, measured)
    return measured


def device_name(device: str) -> str:
    return (torch.cuda.get_device_name(device) if device.startswith('cuda')
            else 'CPU')


def measure_variants(args, device: str) -> bool:
    """Part 2: the variants of ``args.config``; True if one failed."""
    cfg = load_for_speed(args.config)
    batch = batch_for(cfg, args.height, args.width)
    variants = ['fp32'] + [v for v in args.variants if v != 'fp32']
    rows, failed, ref_losses, fp32_model = [], False, None, None
    for v in variants:
        dtype, channels_last = VARIANTS[v]
        if dtype == torch.bfloat16 and device.startswith('cuda') and \
                not torch.cuda.is_bf16_supported():
            print(f'{v}: bf16 not supported on this GPU, skipped')
            continue
        try:
            sec, peak, losses, model = train_variant(
                cfg, batch, device, dtype, channels_last, args.warmup,
                args.iters, args.check)
        except Exception as err:  # e.g. an mmcv op without a bf16 kernel
            if v == 'fp32':
                raise
            print(f'{v}: ERROR {type(err).__name__}: {err}', flush=True)
            rows.append((v, None, None, None, False))
            failed = True
            continue
        if v == 'fp32':
            ref_losses, fp32_model = losses, model
        else:
            del model
        rel = max(abs(a - b) / abs(b) for a, b in zip(losses, ref_losses))
        ok = rel <= TOLERANCE[dtype]
        failed |= not ok
        rows.append((v, sec, peak, rel, ok))
        print(f'{v}: {sec:.3f} s/iter; first RPN losses '
              + ' '.join(f'{x:.4f}' for x in losses), flush=True)

    base = rows[0][1]
    print(f'\n{osp.basename(args.config)}:\n'
          'variant                 it/s    s/iter   peak GB   vs fp32   '
          'loss diff (tolerance)')
    for v, sec, peak, rel, ok in rows:
        dtype = VARIANTS[v][0]
        if sec is None:
            print(f'{v:22s} ERROR (see above)')
            continue
        mem = f'{peak:7.2f}' if peak is not None else '      -'
        print(f'{v:22s} {1 / sec:6.2f}   {sec:6.3f}   {mem}   '
              f'{base / sec:5.2f}x    {100 * rel:.2f} % (<= '
              f'{100 * TOLERANCE[dtype]:g} %) {"ok" if ok else "FAIL"}')
    per_image = inference_time(fp32_model, device, args.height, args.width)
    print(f'\ninference (fp32, test mode, 1 image): {per_image:.3f} s/image')
    return failed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', default='cuda')
    parser.add_argument('--height', type=int, default=800)
    parser.add_argument('--width', type=int, default=1088)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--iters', type=int, default=10)
    parser.add_argument('--table', action=argparse.BooleanOptionalAction,
                        default=True, help='measure the table\'s models')
    parser.add_argument('--precisions', nargs='+', default=list(PRECISIONS),
                        choices=list(PRECISIONS))
    parser.add_argument('--results-dir', default=osp.join(ROOT, 'results'),
                        help='where speed/train.json goes')
    parser.add_argument('--config', default=CONFIG,
                        help='the model of the variants')
    parser.add_argument('--variants', nargs='*', default=list(VARIANTS),
                        choices=list(VARIANTS))
    parser.add_argument('--check', type=int, default=3,
                        help='iterations whose RPN losses are compared with '
                        'fp32')
    args = parser.parse_args(argv)
    device = args.device
    cuda = device.startswith('cuda')
    if cuda and not torch.cuda.is_available():
        raise SystemExit('no CUDA device: run on a GPU, or pass --device cpu '
                         'and a --results-dir to check the script')
    if not cuda and args.table and osp.abspath(args.results_dir) == \
            osp.join(ROOT, 'results'):
        raise SystemExit('--device cpu: CPU timings do not belong in the '
                         'table; pass --results-dir elsewhere (or --no-table)')
    init_default_scope('mmdet')
    print(f'device: {device_name(device)}; torch {torch.__version__}; batch '
          f'2 at {args.height}x{args.width}', flush=True)
    start = time.perf_counter()
    if args.table:
        measured = measure_table(args, device)
        path = osp.join(args.results_dir, speed_records.SPEED_FILE)
        print(f'wrote {path} ({len(measured.models)} models; '
              f'{time.perf_counter() - start:.0f} s); python '
              'tools/gather_results.py fills the table from it:', flush=True)
        with open(path) as f:
            print(f.read(), flush=True)
    failed = bool(args.variants) and measure_variants(args, device)
    print(f'total: {time.perf_counter() - start:.0f} s')
    if failed:
        raise SystemExit(1)


if __name__ == '__main__':
    main()
