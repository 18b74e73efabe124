"""The paper's question at toy scale, by a protocol fixed before any of its
runs (``make reproduce-toy``; docs/toy.md, "The study's protocol").

    python tools/reproduce_toy.py                 # every part, A to D
    python tools/reproduce_toy.py --part A        # one part: a session's
    python tools/reproduce_toy.py --quick         # the whole path, small
    python tools/reproduce_toy.py --report        # tables and figures only

**The world** is the toy scenes (``mmrethink.datasets.toy_scenes``: COCO's
density and object sizes), 1040 training and 256 validation images, seed
0; the data sizes are nested random subsets of it (``SIZES``), the same
for every arm. **The arms**: scratch; pretrained on the study's "ImageNet"
(``make_other_classification``: another distribution); and, at the largest
size, pretrained on the toy shapes' own 40 kinds (the earlier study's
"ImageNet"), so that a reader sees what that choice did. **The lengths**
double up to a cap (``LENGTHS``); each arm and size trains the longest
once and every shorter length is forked from it at that length's first
lr drop (``mmrethink.schedules.fork_checkpoint``: the schedules are equal
up to there, and resumes are exact, so the fork *is* that schedule). **The
keypoint twin**: stick figures (``toy_figures``), both arms, its own
ladder, and the mean training pose placed in each detected box as a
trivial baseline. **The rules** (``flattened``, ``caught up``,
``readable``) are in :func:`judge`, with the constants below.

**Parts** (``PARTS``): each fits one working session of two single-thread
processes (``--part``); a part's two lanes run side by side, each its
trainings one after another. ``make reproduce-toy`` runs them all. A rerun
continues where a killed one stopped (finished runs are kept, cut ones
resumed, forks not redone). Every run is published with
``tools/publish.py`` into ``--results-dir`` with its data size, instances
per class, lr drops and the commit it was trained from, its log and
curve into ``<results-dir>/logs``; the report (tables with bootstrap
intervals, figures) goes to ``--figures`` and is rebuilt from every record
present, so parts published in different sessions read together.

``--quick`` runs the same path on a small world (80 images, short
lengths, a short pre-training) into ``work_dirs/toy-study-quick``: its
records and figures stay there (minutes, not the study).
"""
import argparse
import contextlib
import csv
import io
import json
import os
import os.path as osp
import pickle
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter

import numpy as np

from mmrethink.checkpoint.work_dir import read_last_checkpoint
from mmrethink.commands import command_line
from mmrethink.datasets.subset import draw_subset
from mmrethink.datasets.toy_figures import make_toy_keypoint_coco
from mmrethink.datasets.toy_scenes import make_toy_scenes, scene_statistics
from mmrethink.datasets.toy_shapes import CLASSES
from mmrethink.launch import call_tool
from mmrethink.records import bootstrap, plots, publishing, tables
from mmrethink.records.results import read_record, write_record
from mmrethink.schedules import fork_checkpoint, short_schedule

HERE = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(HERE)
TOY = osp.join(ROOT, 'configs', 'toy')
STUDY = osp.join(TOY, 'scenes')

# --- the protocol (docs/toy.md) ----------------------------------------
#: the world: training images written (all annotated: sizes count the
#: images mmdet keeps), validation images, seed
WORLD = dict(num_train=1040, num_val=256, seed=0)
#: data sizes in images: about 90, 320 and 1250 annotated instances per
#: class at the world's 7.5 per image (the paper's 1k, 3.5k and between
#: its 10k and 35k subsets)
SIZES = (80, 256, 1024)
#: schedule lengths in iterations at batch 4, doubling to the cap
LENGTHS = (3072, 6144, 12288, 24576)
#: validation and checkpoints: every fork point is a multiple
INTERVAL = 1024
#: the keypoint twin: its world's images, lengths and interval
KEYPOINT_WORLD = dict(num_train=256, num_val=256, seed=0)
KEYPOINT_LENGTHS = (768, 1536, 3072)
KEYPOINT_INTERVAL = 256
#: pre-training on a toy "ImageNet": images, epochs
PRETRAIN = dict(images=20000, epochs=15)
#: the rules: an arm has flattened when its longest length gains less than
#: FLAT_GAIN box AP over the length half as long; scratch has caught up
#: when pretrained - scratch <= CAUGHT_UP, each at its best length; a size
#: is unreadable if both arms' best exceed CEILING or pretrained leads by
#: less than MIN_LEAD at the shortest length; the world keeps ImageNet's
#: head start if pretrained leads by more than MIN_LEAD at the smallest
#: size
FLAT_GAIN = 1.0
CAUGHT_UP = 1.0
CEILING = 70.0
MIN_LEAD = 5.0
#: bootstrap over the validation images: resamples, seed, level
BOOTSTRAP = dict(samples=1000, seed=0, level=0.95)

#: arm -> its stem's model part, base config, backbone (toy "ImageNet") and
#: world
ARMS = {
    'scratch': ('mask-rcnn_r18-scratch_fpn_gn-all',
                'mask-rcnn_r18-scratch_fpn_gn-all_1xb4-toy-1x_scenes',
                None, 'scenes'),
    'pretrained': ('mask-rcnn_r18_fpn_gn-all',
                   'mask-rcnn_r18_fpn_gn-all_1xb4-toy-1x_scenes', 'other',
                   'scenes'),
    'pretrained-shapes': (
        'mask-rcnn_r18-shapes40_fpn_gn-all',
        'mask-rcnn_r18_fpn_gn-all_1xb4-toy-1x_scenes', 'shapes', 'scenes'),
    'keypoint-scratch': (
        'keypoint-mask-rcnn_r18-scratch_fpn_gn-all',
        'keypoint-mask-rcnn_r18-scratch_fpn_gn-all_1xb4-toy-1x_figures',
        None, 'figures'),
    'keypoint-pretrained': (
        'keypoint-mask-rcnn_r18_fpn_gn-all',
        'keypoint-mask-rcnn_r18_fpn_gn-all_1xb4-toy-1x_figures', 'other',
        'figures'),
}
KEYPOINT_SIZE = KEYPOINT_WORLD['num_train']
#: part -> its two lanes of (arm, size), each lane one process at a time
PARTS = {
    'A': ([('scratch', 1024)], [('pretrained', 1024)]),
    'B': ([('scratch', 256)], [('pretrained', 256)]),
    'C': ([('scratch', 80)], [('pretrained', 80)]),
    'D': ([('keypoint-scratch', KEYPOINT_SIZE),
           ('keypoint-pretrained', KEYPOINT_SIZE)],
          [('pretrained-shapes', 1024)]),
}
#: a subset of it that runs in under half an hour (--quick): the smallest
#: size and the keypoint twin, both arms, shorter ladders
QUICK = dict(world=dict(num_train=96, num_val=256, seed=0), sizes=(80, ),
             lengths=(1536, 3072), interval=512,
             keypoint_lengths=(384, 768), keypoint_interval=128,
             pretrain=dict(images=3000, epochs=3))
#: the paper's §5 (box AP, R50 GN Mask R-CNN, COCO val2017): subset,
#: instances per class (COCO: ~10.7k per class over 118k images), scratch,
#: pretrained; the full set is Table 1's 6x / 6x
PAPER_POINTS = (
    ('1k', 1000 * 10.7e3 / 118e3, 3.5, 9.9),
    ('3.5k', 3500 * 10.7e3 / 118e3, 9.3, 16.0),
    ('10k', 10000 * 10.7e3 / 118e3, 25.9, 26.0),
    ('35k', 35000 * 10.7e3 / 118e3, 36.3, 36.3),
    ('118k', 10.7e3, 41.3, 41.1),
)
LOG = 'runs.log'


def stem(arm: str, iters: int, size: int) -> str:
    world = ARMS[arm][3]
    return f'{ARMS[arm][0]}_1xb4-{iters}it_{world}-{size}'


def config_text(arm: str, iters: int, size: int, interval: int,
                base_dir: str = '..',
                pretrain_dir: str = 'work_dirs/toy-study/pretrain') -> str:
    """The config of one study run, as ``configs/toy/scenes/`` holds them
    (a test checks that the files are these texts)."""
    _, base, backbone, world = ARMS[arm]
    drops = short_schedule(iters)[1]
    what = (f'{size} of the toy scenes\' training images (a fixed random\n'
            '# subset, nested in the larger ones, the same for every arm)'
            if world == 'scenes' else
            f'the {size} training images of the stick figures')
    text = f'''# Toy study (docs/toy.md, the protocol): the {arm} arm on
# {what};
# {iters} iterations at batch 4, lr x0.1 at {drops[0]} and {drops[1]} (2/3 and 8/9).
_base_ = '{base_dir}/{base}.py'
from mmrethink.schedules import toy_study_schedule  # noqa

train_cfg, param_scheduler = toy_study_schedule({iters}, interval={interval})
default_hooks = dict(checkpoint=dict(interval={interval}))
'''
    if world == 'scenes':
        text += f'''train_dataloader = dict(
    sampler=dict(type='InfiniteSubsetSampler', subset_size={size},
                 subset_seed=0))
'''
    if backbone is not None:
        text += f'''model = dict(backbone=dict(init_cfg=dict(
    checkpoint='{pretrain_dir}/{backbone}.pth')))
'''
    return text


class Protocol:
    """The settings of one study: the protocol's, ``--quick``'s, or the
    protocol's with ``overrides`` (``sizes``, ``lengths``, ``interval``,
    ``keypoint_lengths``, ``keypoint_interval``, ``world`` and
    ``keypoint_world`` items, ``pretrain`` items: the tests' tiny
    studies). Without ``PARTS``' sizes, one part ``Q`` runs every size and
    the keypoint twin, scratch in one lane and the pretrained arms in the
    other."""

    def __init__(self, quick: bool = False, **overrides) -> None:
        settings = dict(world=dict(WORLD), sizes=SIZES, lengths=LENGTHS,
                        interval=INTERVAL, keypoint_world=dict(KEYPOINT_WORLD),
                        keypoint_lengths=KEYPOINT_LENGTHS,
                        keypoint_interval=KEYPOINT_INTERVAL,
                        pretrain=dict(PRETRAIN))
        for key, value in {**(QUICK if quick else {}), **overrides}.items():
            if isinstance(settings[key], dict):
                settings[key] = {**settings[key], **value}
            else:
                settings[key] = tuple(value) if isinstance(
                    value, (list, tuple)) else value
        self.__dict__.update(settings)
        self.custom = quick or bool(overrides)
        if not self.custom:
            self.parts = PARTS
        else:
            kp = self.keypoint_world['num_train']
            self.parts = {'Q': (
                [('scratch', s) for s in self.sizes]
                + [('keypoint-scratch', kp)],
                [('pretrained', s) for s in self.sizes]
                + [('keypoint-pretrained', kp)]
                + ([] if quick else [('pretrained-shapes',
                                      max(self.sizes))]))}
        for lengths, interval in ((self.lengths, self.interval),
                                  (self.keypoint_lengths,
                                   self.keypoint_interval)):
            for n in lengths[:-1]:
                if short_schedule(n)[1][0] % interval:
                    raise ValueError(
                        f'lengths {lengths}: the fork point of {n} '
                        f'({short_schedule(n)[1][0]}) is not a multiple of '
                        f'the checkpoint interval {interval}')

    def lengths_of(self, arm: str):
        return self.keypoint_lengths if ARMS[arm][3] == 'figures' \
            else self.lengths

    def interval_of(self, arm: str) -> int:
        return self.keypoint_interval if ARMS[arm][3] == 'figures' \
            else self.interval

    def runs(self):
        """Every (arm, size) of every part."""
        return [job for lanes in self.parts.values() for lane in lanes
                for job in lane]


def write_configs(folder: str, protocol: Protocol, base_dir: str,
                  pretrain_dir: str = 'work_dirs/toy-study/pretrain'
                  ) -> None:
    """Every run's config of a study into ``folder``."""
    os.makedirs(folder, exist_ok=True)
    for arm, size in protocol.runs():
        for length in protocol.lengths_of(arm):
            with open(osp.join(folder, stem(arm, length, size) + '.py'),
                      'w') as f:
                f.write(config_text(arm, length, size,
                                    protocol.interval_of(arm), base_dir,
                                    pretrain_dir))


def instances_per_class(ann_file: str, sizes, num_classes: int) -> dict:
    """Annotated instances per class of each subset size (the sampler's
    subsets: ``draw_subset`` over the images with annotations, in file
    order, as mmdet's ``filter_empty_gt`` leaves them)."""
    with open(ann_file) as f:
        coco = json.load(f)
    per_image = {}
    for ann in coco['annotations']:
        per_image.setdefault(ann['image_id'], []).append(ann['category_id'])
    ids = [img['id'] for img in coco['images'] if img['id'] in per_image]
    out = {}
    for size in sizes:
        chosen = draw_subset(len(ids), size, 0) if size < len(ids) else \
            range(len(ids))
        counts = Counter(c for i in chosen for c in per_image[ids[i]])
        out[size] = dict(images=len(chosen),
                         instances=sum(counts.values()),
                         per_class=sum(counts.values()) / num_classes)
    return out


class Study:
    """One run of the driver: its folders, data and logs."""

    def __init__(self, args, protocol: Protocol) -> None:
        self.args, self.protocol = args, protocol
        self.work = args.work_dir
        os.makedirs(self.work, exist_ok=True)
        self.log = osp.join(self.work, LOG)
        self.pretrain_dir = osp.join(self.work, 'pretrain')
        self.configs = STUDY if not protocol.custom else osp.join(
            self.work, 'configs')
        # one thread per training: two lanes on two cores; on a GPU the
        # lanes share it
        self.env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
        if args.device == 'cpu':
            self.env['CUDA_VISIBLE_DEVICES'] = ''
        self.lock = threading.Lock()
        self.seconds = {}

    # data
    def data(self):
        """Both worlds, written once; the cfg options that point at them."""
        w, k = self.protocol.world, self.protocol.keypoint_world
        scenes = make_toy_scenes(osp.join(self.args.data_dir, 'scenes'),
                                 w['num_train'], w['num_val'], w['seed'])
        figures = make_toy_keypoint_coco(
            osp.join(self.args.data_dir, 'figures'), k['num_train'],
            k['num_val'], seed=k['seed'])
        self.paths = dict(scenes=scenes, figures=figures)
        self.options = {
            name: [f'{loader}.dataset.data_root='
                   f'{osp.dirname(osp.dirname(p["train_ann"]))}/'
                   for loader in ('train_dataloader', 'val_dataloader',
                                  'test_dataloader')]
            + [f'{ev}.ann_file={p["val_ann"]}'
               for ev in ('val_evaluator', 'test_evaluator')]
            for name, p in self.paths.items()}
        self.counts = dict(
            scenes=instances_per_class(scenes['train_ann'],
                                       self.protocol.sizes, len(CLASSES)),
            figures=instances_per_class(figures['train_ann'],
                                        [k['num_train']], 1))
        stats = scene_statistics(scenes['train_ann'])
        self.say(f'world: {stats["per_image"]:.2f} instances per image, '
                 f'{100 * stats["small"]:.0f} / {100 * stats["medium"]:.0f} '
                 f'/ {100 * stats["large"]:.0f} % small / medium / large')
        for size, c in self.counts['scenes'].items():
            self.say(f'size {size}: {c["instances"]} instances, '
                     f'{c["per_class"]:.0f} per class')

    def say(self, text: str) -> None:
        with self.lock:
            print(text, flush=True)
            with open(self.log, 'a') as f:
                f.write(text + '\n')

    # training
    def run(self, cmd) -> None:
        self.say('+ ' + ' '.join(str(c) for c in cmd))
        with open(self.log, 'a') as f:
            proc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT,
                                  env=self.env)
        if proc.returncode != 0:
            raise RuntimeError(f'failed ({proc.returncode}): '
                               f'{" ".join(str(c) for c in cmd)}; see '
                               f'{self.log}')

    def backbone(self, name: str) -> str:
        """The toy "ImageNet" backbone ``name``, pre-trained once."""
        out = osp.join(self.pretrain_dir, f'{name}.pth')
        if not osp.exists(out):
            base = osp.join(TOY, ARMS['pretrained'][1] + '.py')
            self.run(command_line(
                'pretrain_toy_backbone', base, '--out', out, '--dataset',
                name, '--num-images', self.protocol.pretrain['images'],
                '--epochs', self.protocol.pretrain['epochs']))
        return out

    def train(self, name: str, world: str, extra, resume=None) -> str:
        work = osp.join(self.work, name)
        last = read_last_checkpoint(work)
        if last and osp.basename(last) == f'iter_{self.length(name)}.pth':
            return work  # finished (a rerun continues where one stopped)
        cmd = command_line('train', osp.join(self.configs, name + '.py'),
                           '--work-dir', work, '--resume')
        if resume:
            cmd.append(resume)
        t0 = time.time()
        self.run(cmd + ['--cfg-options', *self.options[world], *extra])
        self.seconds[name] = time.time() - t0
        return work

    def arm_runs(self, arm: str, size: int) -> dict:
        """Every length of one arm and size: the longest trained, the
        shorter ones forked from it."""
        _, _, backbone, world = ARMS[arm]
        extra = [] if backbone is None else [
            f'model.backbone.init_cfg.checkpoint={self.backbone(backbone)}']
        lengths = sorted(self.protocol.lengths_of(arm))
        works = {}
        longest = stem(arm, lengths[-1], size)
        works[longest] = self.train(longest, world, extra)
        for length in lengths[-2::-1]:
            name = stem(arm, length, size)
            ckpt = self.fork(works[longest], name, length)
            works[name] = self.train(name, world, extra, resume=ckpt)
        return works

    def fork(self, long_work: str, name: str, length: int):
        """The shorter schedule ``length`` from the long run at its first
        drop; the checkpoint to resume from (None: the fork exists and
        continues from its own latest checkpoint)."""
        max_iters, drops = short_schedule(length)
        work = osp.join(self.work, name)
        if osp.exists(osp.join(work, 'last_checkpoint')):
            return None
        os.makedirs(work, exist_ok=True)
        dst = osp.join(work, f'iter_{drops[0]}.pth')
        fork_checkpoint(osp.join(long_work, f'iter_{drops[0]}.pth'), dst,
                        max_iters, drops)
        return dst

    def run_part(self, part: str) -> dict:
        """Both lanes of ``part`` side by side; every run's work dir."""
        works, errors = {}, []

        def lane(jobs):
            try:
                for arm, size in jobs:
                    works.update(self.arm_runs(arm, size))
            except Exception as err:  # the other lane goes on
                errors.append(err)

        threads = [threading.Thread(target=lane, args=(jobs, ))
                   for jobs in self.protocol.parts[part]]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise SystemExit(f'part {part}: ' + '; '.join(map(str, errors)))
        return works

    # publishing
    def publish(self, works: dict) -> None:
        publish_dir = osp.join(self.work, 'publish')
        results = self.args.results_dir
        logs = osp.join(results, 'logs')
        os.makedirs(logs, exist_ok=True)
        for name, work in sorted(works.items()):
            call_tool(lambda argv: publishing.main(argv, root=ROOT), [
                work, '--out-dir', publish_dir, '--results-dir', results,
                '--replace', '--no-gather'], self.log)
            record = read_record(results, name)
            arm, size = self.arm_size(name)
            world = ARMS[arm][3]
            count = self.counts[world][size if world == 'scenes' else
                                       self.protocol.keypoint_world[
                                           'num_train']]
            record.train_images = count['images']
            record.instances_per_class = round(count['per_class'], 1)
            record.milestones = short_schedule(record.max_iters)[1]
            write_record(results, record, replace=True)
            for key in ('log', 'curve'):
                shutil.copy(osp.join(publish_dir, getattr(record, key)),
                            logs)
        if osp.abspath(results) == osp.join(ROOT, 'results'):
            call_tool(lambda argv: tables.main(argv, root=ROOT), [],
                      self.log)

    def length(self, name: str) -> int:
        return int(name.split('_1xb4-')[1].split('it_')[0])

    def arm_size(self, name: str):
        for arm, size in self.protocol.runs():
            if any(name == stem(arm, n, size)
                   for n in self.protocol.lengths_of(arm)):
                return arm, size
        raise KeyError(name)

    def can_predict(self, name: str) -> bool:
        """Whether run ``name``'s predictions are here or can be made."""
        work = osp.join(self.work, name)
        record = read_record(self.args.results_dir, name)
        return osp.exists(osp.join(work, 'predictions.pkl')) or (
            record is not None and osp.exists(
                osp.join(work, f'iter_{record.iterations}.pth')))

    def detections(self, name: str) -> list:
        """The predictions of run ``name``'s final checkpoint on the
        validation images (``tools/test.py --out``), made once."""
        work = osp.join(self.work, name)
        out = osp.join(work, 'predictions.pkl')
        if not osp.exists(out):
            arm, _ = self.arm_size(name)
            record = read_record(self.args.results_dir, name)
            self.run(command_line(
                'test', osp.join(self.configs, name + '.py'),
                osp.join(work, f'iter_{record.iterations}.pth'),
                '--work-dir', osp.join(work, 'test'), '--out', out,
                '--cfg-options', *self.options[ARMS[arm][3]]))
        with open(out, 'rb') as f:
            return pickle.load(f)


# --- reading the study: the rules ----------------------------------------
def coco_boxes(predictions: list) -> list:
    """COCO-format box results of ``tools/test.py --out`` predictions (the
    toy worlds' category ids are the labels + 1)."""
    out = []
    for sample in predictions:
        pred = sample['pred_instances']
        for box, score, label in zip(pred['bboxes'].tolist(),
                                     pred['scores'].tolist(),
                                     pred['labels'].tolist()):
            x1, y1, x2, y2 = box
            out.append(dict(image_id=int(sample['img_id']),
                            category_id=int(label) + 1,
                            bbox=[x1, y1, x2 - x1, y2 - y1],
                            score=float(score)))
    return out


def mean_pose(train_ann: str) -> np.ndarray:
    """The mean training pose: each keypoint's mean position relative to
    its person's box, ``(K, 2)`` in box units, over its visible labels."""
    with open(train_ann) as f:
        coco = json.load(f)
    sums, counts = None, None
    for ann in coco['annotations']:
        k = np.asarray(ann['keypoints'], float).reshape(-1, 3)
        x, y, w, h = ann['bbox']
        if sums is None:
            sums, counts = np.zeros((len(k), 2)), np.zeros(len(k))
        seen = k[:, 2] > 0
        sums[seen] += (k[seen, :2] - [x, y]) / [max(w, 1), max(h, 1)]
        counts[seen] += 1
    return sums / np.maximum(counts, 1)[:, None]


def mean_pose_keypoint_ap(predictions: list, train_ann: str,
                          val_ann: str) -> float:
    """Keypoint AP (%) of the trivial baseline: the mean training pose
    placed in each detected box, at the box's score."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    pose = mean_pose(train_ann)
    results = []
    for det in coco_boxes(predictions):
        x, y, w, h = det['bbox']
        points = np.concatenate([pose * [w, h] + [x, y],
                                 np.ones((len(pose), 1))], 1)
        results.append(dict(image_id=det['image_id'], category_id=1,
                            keypoints=points.ravel().tolist(),
                            score=det['score']))
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(val_ann)
        if not results:
            return 0.0
        ev = COCOeval(gt, gt.loadRes(results), 'keypoints')
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return 100 * float(ev.stats[0])


def judge(aps: dict, lengths) -> dict:
    """The protocol's reading of one arm: ``aps`` length -> box AP.

    Returns:
        dict: ``best`` AP and its length, ``last_gain`` (longest minus the
        length half as long) and ``flattened`` (``last_gain`` <
        ``FLAT_GAIN``), None where a length is missing.
    """
    present = [n for n in lengths if aps.get(n) is not None]
    if not present:
        return dict(best=None, best_length=None, last_gain=None,
                    flattened=None)
    best_length = max(present, key=lambda n: (aps[n], -n))
    gain = (aps[lengths[-1]] - aps[lengths[-2]]
            if len(lengths) > 1 and all(aps.get(n) is not None
                                        for n in lengths[-2:]) else None)
    return dict(best=aps[best_length], best_length=best_length,
                last_gain=None if gain is None else round(gain, 1),
                flattened=None if gain is None else gain < FLAT_GAIN)


def read_size(results_dir: str, protocol: Protocol, size: int) -> dict:
    """Both arms of one size from the records (those present)."""
    arms = {}
    for arm in ('scratch', 'pretrained', 'pretrained-shapes'):
        aps = {}
        for n in protocol.lengths:
            record = read_record(results_dir, stem(arm, n, size))
            if record is not None:
                aps[n] = record.box_ap
        if aps:
            arms[arm] = dict(aps=aps, **judge(aps, protocol.lengths))
    return arms


def verdicts(arms: dict, lengths) -> dict:
    """Caught up and readable, for a size with both arms."""
    s, p = arms['scratch'], arms['pretrained']
    shortest = lengths[0]
    lead = (p['aps'].get(shortest) - s['aps'].get(shortest)
            if shortest in p['aps'] and shortest in s['aps'] else None)
    gap = p['best'] - s['best']
    ceiling = s['best'] > CEILING and p['best'] > CEILING
    return dict(gap=round(gap, 1), caught_up=gap <= CAUGHT_UP,
                lead_at_shortest=None if lead is None else round(lead, 1),
                readable=not ceiling and lead is not None
                and lead >= MIN_LEAD)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument('--part', choices=sorted(PARTS) + ['all'],
                        default='all')
    parser.add_argument('--quick', action='store_true')
    parser.add_argument('--report', action='store_true',
                        help='only the tables and figures, from the records')
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu',
                        help='cuda: the same protocol on a GPU, its records '
                        'in results/gpu and report in docs/figures/scenes-gpu')
    parser.add_argument('--work-dir')
    parser.add_argument('--data-dir')
    parser.add_argument('--results-dir')
    parser.add_argument('--figures')
    parser.add_argument('--write-configs', metavar='DIR',
                        help='write the study\'s configs (as '
                        'configs/toy/scenes/ holds them) into DIR and exit')
    small = parser.add_argument_group(
        'a smaller study (derived configs, records in the work dir)')
    for flag in ('sizes', 'lengths', 'keypoint-lengths'):
        small.add_argument(f'--{flag}', type=int, nargs='+')
    for flag in ('interval', 'keypoint-interval', 'num-train', 'num-val',
                 'keypoint-num-train', 'keypoint-num-val',
                 'pretrain-images', 'pretrain-epochs'):
        small.add_argument(f'--{flag}', type=int)
    args = parser.parse_args(argv)
    overrides = {k: getattr(args, k) for k in (
        'sizes', 'lengths', 'interval', 'keypoint_lengths',
        'keypoint_interval') if getattr(args, k) is not None}
    for key, world, item in (
            ('num_train', 'world', 'num_train'),
            ('num_val', 'world', 'num_val'),
            ('keypoint_num_train', 'keypoint_world', 'num_train'),
            ('keypoint_num_val', 'keypoint_world', 'num_val'),
            ('pretrain_images', 'pretrain', 'images'),
            ('pretrain_epochs', 'pretrain', 'epochs')):
        if getattr(args, key) is not None:
            overrides.setdefault(world, {})[item] = getattr(args, key)
    try:
        protocol = Protocol(args.quick, **overrides)
    except ValueError as err:
        parser.error(str(err))
    if args.write_configs:
        write_configs(args.write_configs, protocol, '..')
        return 0
    if args.device == 'cuda':
        import torch
        if not torch.cuda.is_available():
            sys.exit('--device cuda: torch sees no GPU here')
    name = ('toy-study-quick' if args.quick else 'toy-study-custom'
            if protocol.custom else 'toy-study')
    if args.device == 'cuda':
        name += '-gpu'
    args.work_dir = osp.abspath(args.work_dir or osp.join('work_dirs', name))
    args.data_dir = osp.abspath(args.data_dir or osp.join('data', name))
    gpu = ('gpu', ) if args.device == 'cuda' else ()
    args.results_dir = args.results_dir or (
        osp.join(args.work_dir, 'results') if protocol.custom
        else osp.join(ROOT, 'results', *gpu))
    args.figures = args.figures or (
        osp.join(args.work_dir, 'figures') if protocol.custom
        else osp.join(ROOT, 'docs', 'figures',
                      'scenes-gpu' if gpu else 'scenes'))
    study = Study(args, protocol)
    start = time.time()
    study.data()
    if protocol.custom:
        write_configs(study.configs, protocol, TOY,
                      pretrain_dir=study.pretrain_dir)
    if not args.report:
        parts = (sorted(protocol.parts) if args.part == 'all' or
                 protocol.custom else [args.part])
        for part in parts:
            works = study.run_part(part)
            study.publish(works)
    report(study)
    print('\ntime per run (s): ' + ', '.join(
        f'{k} {v:.0f}' for k, v in study.seconds.items()))
    print(f'total: {time.time() - start:.0f} s; records in '
          f'{args.results_dir}, report in {args.figures}')
    return 0


def report(study: Study) -> None:
    """The study's tables and figures from every record present."""
    from pycocotools.coco import COCO
    args, protocol = study.args, study.protocol
    os.makedirs(args.figures, exist_ok=True)
    lengths = list(protocol.lengths)
    rows, gaps = [], {}
    # the intervals need each arm's predictions, so they are computed
    # where the runs' checkpoints are (the session that trained them) and
    # kept beside the tables for the report of a later part
    gap_file = osp.join(args.figures, 'gaps.json')
    stored = _read_json(gap_file)
    with contextlib.redirect_stdout(io.StringIO()):
        val = COCO(study.paths['scenes']['val_ann'])
    for size in protocol.sizes:
        arms = read_size(args.results_dir, protocol, size)
        per_class = study.counts['scenes'][size]['per_class']
        for arm, a in arms.items():
            rows.append(dict(
                images=size, instances_per_class=round(per_class),
                arm=arm, **{f'{n} it': a['aps'].get(n) for n in lengths},
                best=a['best'], best_length=a['best_length'],
                last_gain=a['last_gain'], flattened=a['flattened']))
        if 'scratch' in arms and 'pretrained' in arms:
            v = verdicts(arms, lengths)
            best = {arm: stem(arm, arms[arm]['best_length'], size)
                    for arm in ('scratch', 'pretrained')}
            kept = stored.get(str(size), {})
            if kept.get('runs') == best and kept['interval']['samples']:
                interval = kept['interval']  # (computed when they ran)
            elif all(study.can_predict(n) for n in best.values()):
                matched = {arm: bootstrap.MatchedDetections(
                    val, coco_boxes(study.detections(name)))
                    for arm, name in best.items()}
                interval = bootstrap.gap_interval(
                    matched['scratch'], matched['pretrained'],
                    BOOTSTRAP['samples'], BOOTSTRAP['seed'],
                    BOOTSTRAP['level'])
            else:
                study.say(f'size {size}: no checkpoints of {best} here and '
                          'no interval computed when they ran')
                interval = dict(gap=None, low=None, high=None, samples=0)
            if interval['samples']:
                stored[str(size)] = dict(runs=best, interval=interval)
                study.say(f'size {size}: gap {v["gap"]:+.1f} from the '
                          f'records, {interval["gap"]:+.1f} from the '
                          'predictions the interval resamples')
            gaps[size] = dict(per_class=per_class, **v,
                              **{k: interval[k] for k in ('low', 'high')})
    _write_json(stored, gap_file)
    write_tables(args.figures, rows, gaps, lengths, min(protocol.sizes))
    keypoints = keypoint_report(study)
    figures(study, gaps, keypoints)


def _read_json(path: str) -> dict:
    if not osp.isfile(path):
        return {}
    with open(path) as f:
        return json.load(f)


def _write_json(data: dict, path: str) -> None:
    with open(path, 'w') as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write('\n')


def _cell(value) -> str:
    if value is None:
        return '-'
    if isinstance(value, bool):
        return 'yes' if value else 'no'
    return f'{value:.1f}' if isinstance(value, float) else str(value)


def write_tables(folder: str, rows: list, gaps: dict, lengths,
                 smallest: int) -> None:
    with open(osp.join(folder, 'study.csv'), 'w', newline='') as f:
        if rows:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    head = ['images', 'instances / class', 'arm',
            *[f'{n} it' for n in lengths], 'best', 'last gain', 'flattened']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for r in rows:
        lines.append('| ' + ' | '.join(_cell(v) for v in (
            r['images'], r['instances_per_class'], r['arm'],
            *[r[f'{n} it'] for n in lengths], r['best'], r['last_gain'],
            r['flattened'])) + ' |')
    lines += ['', '| images | instances / class | pretrained - scratch '
              '(best of each) | 95 % interval | caught up | lead at the '
              'shortest length | readable |', '|---|---|---|---|---|---|---|']
    for size, g in gaps.items():
        ci = ('-' if g['low'] is None else
              f'[{g["low"]:+.1f}, {g["high"]:+.1f}]')
        lines.append(
            f'| {size} | {g["per_class"]:.0f} | {g["gap"]:+.1f} | {ci} | '
            f'{_cell(g["caught_up"])} | {_cell(g["lead_at_shortest"])} | '
            f'{_cell(g["readable"])} |')
    if smallest in gaps:  # the rule of the smallest size
        kept = gaps[smallest]['gap'] > MIN_LEAD
        lines += ['', f'At {smallest} images '
                  f'({gaps[smallest]["per_class"]:.0f} instances per class) '
                  f'pretrained leads by {gaps[smallest]["gap"]:+.1f}: '
                  + ('the world keeps ImageNet\'s head start (more than '
                     f'{MIN_LEAD:g} AP).' if kept else
                     'the change of world closed the gap there (the '
                     f'protocol asks for more than {MIN_LEAD:g} AP).')]
    table = '\n'.join(lines) + '\n'
    with open(osp.join(folder, 'study.md'), 'w') as f:
        f.write(table)
    print('\n' + table)


def keypoint_report(study: Study) -> dict:
    """The keypoint arms' AP per length and the mean-pose baseline on each
    arm's best run's boxes."""
    protocol, args = study.protocol, study.args
    size = protocol.keypoint_world['num_train']
    baseline_file = osp.join(args.figures, 'keypoint_baseline.json')
    stored, out = _read_json(baseline_file), {}
    for arm in ('keypoint-scratch', 'keypoint-pretrained'):
        aps = {}
        for n in protocol.keypoint_lengths:
            record = read_record(args.results_dir, stem(arm, n, size))
            if record is not None:
                aps[n] = record.keypoint_ap
        if not aps:
            continue
        best = max(aps, key=lambda n: (aps[n], -n))
        name = stem(arm, best, size)
        if stored.get(arm, {}).get('run') == name and \
                stored[arm]['mean_pose'] is not None:
            baseline = stored[arm]['mean_pose']
        elif study.can_predict(name):
            baseline = round(mean_pose_keypoint_ap(
                study.detections(name), study.paths['figures']['train_ann'],
                study.paths['figures']['val_ann']), 1)
        else:
            study.say(f'{name}: no checkpoint here and no baseline computed '
                      'when it ran')
            baseline = None
        if baseline is not None:
            stored[arm] = dict(run=name, mean_pose=baseline)
        out[arm] = dict(aps=aps, mean_pose=baseline,
                        **judge(aps, protocol.keypoint_lengths))
    _write_json(stored, baseline_file)
    if out:
        lines = ['| arm | ' + ' | '.join(
            f'{n} it' for n in protocol.keypoint_lengths)
            + ' | last gain | flattened | mean pose in its best run\'s '
            'boxes |', '|' + '---|' * (len(protocol.keypoint_lengths) + 4)]
        for arm, k in out.items():
            lines.append(f'| {arm} | ' + ' | '.join(
                _cell(k['aps'].get(n)) for n in protocol.keypoint_lengths)
                + f' | {_cell(k["last_gain"])} | {_cell(k["flattened"])} | '
                f'{_cell(k["mean_pose"])} |')
        with open(osp.join(args.figures, 'keypoints.md'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
        print('\n'.join(lines))
    return out


def _curve(study: Study, name: str):
    record = read_record(study.args.results_dir, name)
    if record is None:
        return None
    return osp.join(study.args.results_dir, 'logs', record.curve)


def figures(study: Study, gaps: dict, keypoints: dict) -> None:
    """Toy Fig. 1, the less-data curves, the gap against instances per
    class, the keypoint arms."""
    protocol, folder = study.protocol, study.args.figures
    largest = protocol.sizes[-1]
    one_x = str(12 * largest // 4)  # the paper's 1x: 12 epochs
    runs = [(f'{arm} {n} it', _curve(study, stem(arm, n, largest)))
            for arm in ('scratch', 'pretrained')
            for n in protocol.lengths[::-1]]
    runs = [r for r in runs if r[1]]
    if runs:
        call_tool(plots.main, [
            *[r[1] for r in runs], '--labels', *[r[0] for r in runs],
            '--iters-per-x', one_x, '--out', osp.join(folder, 'fig1.png'),
            '--csv', osp.join(folder, 'fig1.csv'), '--title',
            f'toy scenes, {largest} images: every schedule'], study.log)
    small = [(f'{arm}, {size} images',
              _curve(study, stem(arm, protocol.lengths[-1], size)))
             for size in protocol.sizes[:-1]
             for arm in ('scratch', 'pretrained')]
    small = [r for r in small if r[1]]
    if small:
        call_tool(plots.main, [
            *[r[1] for r in small], '--labels', *[r[0] for r in small],
            '--iters-per-x', one_x, '--onset', '--out',
            osp.join(folder, 'less_data.png'), '--csv',
            osp.join(folder, 'less_data.csv'), '--title',
            'toy scenes: less data, the longest schedule'], study.log)
    if gaps:
        plot_gap(gaps, osp.join(folder, 'gap.png'))
    if keypoints:
        plot_keypoints(keypoints, protocol.keypoint_lengths,
                       osp.join(folder, 'keypoints.png'))


def plot_gap(gaps: dict, out: str) -> None:
    """Pretrained minus scratch box AP, with its bootstrap interval,
    against instances per class, beside the paper's points."""
    from matplotlib.figure import Figure
    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.subplots()
    sizes = sorted(gaps)
    xs = [gaps[s]['per_class'] for s in sizes]
    ys = [gaps[s]['gap'] for s in sizes]
    # (a size whose interval could not be computed: no bar)
    err = [[0 if gaps[s]['low'] is None else y - gaps[s]['low']
            for s, y in zip(sizes, ys)],
           [0 if gaps[s]['high'] is None else gaps[s]['high'] - y
            for s, y in zip(sizes, ys)]]
    ax.errorbar(xs, ys, yerr=err, fmt='o-', color='C0', capsize=3,
                label='toy scenes (95 % bootstrap interval)')
    for s, x, y in zip(sizes, xs, ys):
        ax.annotate(f'{s} img', (x, y), textcoords='offset points',
                    xytext=(4, 4), fontsize=8)
    px = [p[1] for p in PAPER_POINTS]
    py = [p[3] - p[2] for p in PAPER_POINTS]
    ax.plot(px, py, 's--', color='C1', label='paper, COCO (§5, Table 1)')
    for p, x, y in zip(PAPER_POINTS, px, py):
        ax.annotate(p[0], (x, y), textcoords='offset points', xytext=(4, -10),
                    fontsize=8, color='C1')
    ax.axhline(0, color='grey', lw=0.8)
    ax.axhspan(-CAUGHT_UP, CAUGHT_UP, color='grey', alpha=0.12,
               label=f'caught up (within {CAUGHT_UP:g} AP)')
    ax.set_xscale('log')
    ax.set_xlabel('annotated instances per class in the training set')
    ax.set_ylabel('box AP: pretrained - scratch (each at its best length)')
    ax.set_title('The gap between the arms against target data')
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f'wrote {out}')


def plot_keypoints(keypoints: dict, lengths, out: str) -> None:
    from matplotlib.figure import Figure
    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.subplots()
    for i, (arm, k) in enumerate(keypoints.items()):
        ns = [n for n in lengths if k['aps'].get(n) is not None]
        ax.plot(ns, [k['aps'][n] for n in ns], 'o-', color=f'C{i}',
                label=arm)
        if k['mean_pose'] is not None:
            ax.axhline(k['mean_pose'], color=f'C{i}', ls=':',
                       label=f'mean pose in {arm}\'s boxes')
    ax.set_xscale('log', base=2)
    ax.set_xlabel('schedule length (iterations at batch 4)')
    ax.set_ylabel('keypoint AP (%)')
    ax.set_title('Toy keypoints: both arms and the mean-pose baseline')
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f'wrote {out}')


if __name__ == '__main__':
    sys.exit(main())
