"""Pre-train the toy detector's backbone on the toy world's "ImageNet".

    python tools/pretrain_toy_backbone.py CONFIG --out BACKBONE.pth

Builds ``model.backbone`` of CONFIG (the narrow GN ResNet-18 of the toy
configs), puts a global-average-pool + linear classifier on its last stage,
and trains it to tell the 40 shape/texture kinds of a toy "ImageNet"
apart, many more kinds than the six detection classes: ``--dataset shapes``
(default) the toy shapes' own 40 pairs drawn as in the detection images
(``mmrethink.datasets.toy_shapes.make_toy_classification``), ``--dataset
other`` the toy study's, another distribution that overlaps the detection
world's kinds only in part
(``mmrethink.datasets.toy_scenes.make_other_classification``). The input
is normalized as CONFIG's
``data_preprocessor`` does, so that the detector sees what the backbone
learnt on. Writes only the backbone's weights (loadable with
``torch.load(weights_only=True)``, as ``init_cfg=dict(type='Pretrained')``
does) and prints the held-out accuracy.
"""
import argparse
import io
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ..datasets.toy_scenes import OTHER_PAIRS, make_other_classification
from ..datasets.toy_shapes import ALL_PAIRS, make_toy_classification
from ..fileio import atomic_write
from ..launch import load_config


#: --dataset: (images and labels of N images, the kinds)
DATASETS = {
    'shapes': (make_toy_classification, ALL_PAIRS),
    'other': (make_other_classification, OTHER_PAIRS),
}


def build_classifier(cfg, num_classes: int = len(ALL_PAIRS)):
    """The config's backbone with a linear head for ``num_classes`` kinds;
    returns (net, backbone)."""
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules()
    backbone_cfg = cfg.model.backbone.copy()
    backbone_cfg.init_cfg = None  # random init: this is the pre-training
    backbone = MODELS.build(backbone_cfg)
    backbone.init_weights()
    with torch.no_grad():
        channels = backbone(torch.zeros(1, 3, 64, 64))[-1].shape[1]
    head = nn.Linear(channels, num_classes)

    class Classifier(nn.Module):

        def __init__(self):
            super().__init__()
            self.backbone, self.head = backbone, head

        def forward(self, x):
            feat = self.backbone(x)[-1]
            return self.head(F.adaptive_avg_pool2d(feat, 1).flatten(1))

    return Classifier(), backbone


def to_input(images: np.ndarray, preprocessor) -> torch.Tensor:
    """uint8 BGR (N, H, W, 3) -> normalized float (N, 3, H, W)."""
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float()
    if preprocessor.get('bgr_to_rgb', False):
        x = x[:, [2, 1, 0]]
    mean = torch.tensor(preprocessor.mean).view(1, 3, 1, 1)
    std = torch.tensor(preprocessor.std).view(1, 3, 1, 1)
    return (x - mean) / std


def accuracy(net, x, y, batch=256) -> float:
    net.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += (net(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum()
    net.train()
    return float(correct) / len(x)


def pretrain(config: str, out: str, num_images: int = 6000,
             epochs: int = 12, batch_size: int = 64, lr: float = 0.1,
             seed: int = 0, log=print, dataset: str = 'shapes') -> dict:
    """Train and save; return the held-out accuracy and the time taken."""
    if dataset not in DATASETS:
        raise ValueError(f'dataset {dataset!r}: expected one of '
                         f'{sorted(DATASETS)}')
    make, kinds = DATASETS[dataset]
    start = time.time()
    torch.manual_seed(seed)
    cfg = load_config(config)
    images, labels = make(num_images + 1000, seed=seed)
    x = to_input(images, cfg.model.data_preprocessor)
    y = torch.from_numpy(labels)
    x_train, y_train, x_val, y_val = x[:-1000], y[:-1000], x[-1000:], y[
        -1000:]
    net, backbone = build_classifier(cfg, len(kinds))
    # no weight decay on norm layers, as in the detection configs
    norm = [p for n, p in net.named_parameters() if 'gn' in n or 'bn' in n
            or p.ndim == 1]
    other = [p for p in net.parameters() if all(p is not q for q in norm)]
    optim = torch.optim.SGD([dict(params=other, weight_decay=1e-4),
                             dict(params=norm, weight_decay=0.)],
                            lr=lr, momentum=0.9)
    steps = epochs * (len(x_train) // batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(optim, lr, total_steps=steps,
                                                pct_start=0.15)
    g = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        order = torch.randperm(len(x_train), generator=g)
        for i in range(len(x_train) // batch_size):
            idx = order[i * batch_size:(i + 1) * batch_size]
            xb = x_train[idx]
            flip = torch.rand(len(idx), generator=g) < 0.5
            xb[flip] = xb[flip].flip(-1)
            loss = F.cross_entropy(net(xb), y_train[idx])
            optim.zero_grad()
            loss.backward()
            optim.step()
            sched.step()
        log(f'pretrain epoch {epoch + 1}/{epochs}: loss {loss.item():.3f}, '
            f'held-out accuracy {accuracy(net, x_val, y_val):.3f}')
    acc = accuracy(net, x_val, y_val)
    buf = io.BytesIO()
    torch.save(dict(state_dict=backbone.state_dict(),
                    meta=dict(task=f'toy {len(kinds)}-way shape/texture '
                              f'classification ({dataset})', accuracy=acc,
                              num_images=num_images, epochs=epochs)), buf)
    atomic_write(buf.getvalue(), out)
    return dict(accuracy=acc, seconds=time.time() - start, out=out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='a toy config (its backbone and '
                        'preprocessing are used)')
    parser.add_argument('--out', required=True)
    parser.add_argument('--num-images', type=int, default=6000)
    parser.add_argument('--epochs', type=int, default=12)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--dataset', choices=sorted(DATASETS),
                        default='shapes', help='which toy "ImageNet"')
    args = parser.parse_args(argv)
    if 'OMP_NUM_THREADS' not in os.environ:  # (a test suite sets one)
        torch.set_num_threads(max(1, os.cpu_count() or 1))
    res = pretrain(args.config, args.out, args.num_images, args.epochs,
                   seed=args.seed, dataset=args.dataset)
    print(f'backbone -> {res["out"]}: held-out accuracy '
          f'{res["accuracy"]:.3f} over {len(DATASETS[args.dataset][1])} '
          f'kinds ({args.dataset}), {res["seconds"]:.0f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
