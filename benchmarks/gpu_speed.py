"""GPU training speed of the R50 GN Mask R-CNN scratch config: fp32 vs AMP
(fp16, bf16) vs channels_last, and its inference speed.

    python benchmarks/gpu_speed.py            # a few minutes on one GPU

For each variant: the config's model built afresh from the same seed,
batch 2 at 800 x 1333 (the paper's per-GPU batch and size) with ~7
synthetic instances per image, SGD as the config's (lr 0.02 x 2 / 16),
``--warmup`` untimed iterations, then ``--iters`` timed ones
(``torch.cuda.synchronize`` around them). Prints iterations/s, peak memory
(``torch.cuda.max_memory_allocated``) and the speed-up over fp32, and
checks the RPN losses of the first ``--check`` iterations against fp32
(the RoI head's losses depend on which proposals survive NMS; at scratch
init the objectness scores nearly tie, so any rounding change reorders them
and the total loss differs by ~1 % even between fp32 layouts):

- same precision (channels_last): within 0.1 % — only the convolution
  algorithms differ (and TF32, on by default in cuDNN);
- half precision (fp16, bf16): within 2 % — 8 (bf16) or 11 (fp16) bits of
  mantissa in the forward pass.

A variant outside its tolerance is marked FAIL, one that raises (an mmcv
op without a kernel for that dtype, say) ERROR; then the script exits 1.
Finally the fp32 model's inference time per image (test mode, 800 px),
for the evaluation cost of a learning curve (README "Performance").

``--device cpu --config configs/toy/...`` runs the same code on the toy
config (what the test suite does); timings there mean nothing for GPUs.
"""
import argparse
import os.path as osp
import statistics
import sys
import time

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
import mmrethink  # noqa: E402,F401
from mmdet.registry import MODELS  # noqa: E402
from mmdet.structures import DetDataSample  # noqa: E402
from mmdet.structures.mask import BitmapMasks  # noqa: E402

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


def make_batch(height: int, width: int, num_classes: int, batch: int = 2,
               seed: int = 0) -> dict:
    """A data batch as the dataloader gives it: uint8 images and samples
    with boxes, labels and masks."""
    rng = np.random.default_rng(seed)
    inputs, samples = [], []
    for _ in range(batch):
        inputs.append(torch.from_numpy(
            rng.integers(0, 255, (3, height, width), dtype=np.uint8)))
        n = 7
        wh = rng.uniform(0.05, 0.5, (n, 2)) * [width, height]
        xy = rng.uniform(0, 1, (n, 2)) * ([width, height] - wh)
        boxes = np.concatenate([xy, xy + wh], 1).astype(np.float32)
        masks = np.zeros((n, height, width), np.uint8)
        for i, (x1, y1, x2, y2) in enumerate(boxes.astype(int)):
            masks[i, y1:y2, x1:x2] = 1
        sample = DetDataSample(metainfo=dict(
            img_shape=(height, width), ori_shape=(height, width),
            pad_shape=(height, width), scale_factor=(1., 1.), flip=False,
            batch_input_shape=(height, width)))
        sample.gt_instances = InstanceData(
            bboxes=torch.from_numpy(boxes),
            labels=torch.from_numpy(rng.integers(num_classes, size=n)),
            masks=BitmapMasks(masks, height, width))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def build(cfg: Config, device: str, channels_last: bool):
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.to(device)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    return model


def train_variant(cfg, batch, device, dtype, channels_last, warmup, iters,
                  check):
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


def inference_time(model, cfg, device, height, width, reps=10):
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=CONFIG)
    parser.add_argument('--device', default='cuda')
    parser.add_argument('--height', type=int, default=800)
    parser.add_argument('--width', type=int, default=1216,
                        help='1333 padded to a multiple of 32 would be 1344; '
                        '1216 keeps 4:3 images of COCO at 800')
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--check', type=int, default=3,
                        help='iterations whose RPN losses are compared with '
                        'fp32')
    parser.add_argument('--variants', nargs='+', default=list(VARIANTS),
                        choices=list(VARIANTS))
    args = parser.parse_args()
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        raise SystemExit('no CUDA device: run on a GPU, or pass --device cpu '
                         'with a toy config to check the script')
    init_default_scope('mmdet')
    cfg = Config.fromfile(args.config)
    cfg.model.backbone.init_cfg = None  # scratch: nothing to download
    num_classes = cfg.model.roi_head.bbox_head.num_classes
    batch = make_batch(args.height, args.width, num_classes)
    device = args.device
    name = (torch.cuda.get_device_name(device) if device.startswith('cuda')
            else 'CPU')
    print(f'device: {name}; torch {torch.__version__}; config '
          f'{osp.basename(args.config)}; batch 2 at {args.height}x'
          f'{args.width}', flush=True)

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
    print('\nvariant                 it/s    s/iter   peak GB   vs fp32   '
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
    per_image = inference_time(fp32_model, cfg, device, args.height,
                               args.width)
    print(f'\ninference (fp32, test mode, 1 image): {per_image:.3f} s/image')
    if failed:
        raise SystemExit(1)


if __name__ == '__main__':
    main()
