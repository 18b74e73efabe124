"""The keypoint task end to end: the toy world's stick figures, the toy
keypoint config (the paper's, shrunk) that learns them, the flip through
its pipeline, the drawing of keypoints, and the paper's keypoint config
training and validating a few iterations on a small COCO keypoint set."""
import filecmp
import json
import os.path as osp
import pickle

import numpy as np
import pytest
import torch

from conftest import ROOT, run_tool_main
from mmrethink.datasets.coco_keypoints import COCO_KEYPOINTS
from mmrethink.datasets.toy_figures import make_toy_keypoint_coco

TOY_KEYPOINT_CONFIG = osp.join(
    ROOT, 'configs', 'toy',
    'keypoint-mask-rcnn_r18-scratch_fpn_gn-all_1xb4-toy-1x_figures.py')
PAPER_KEYPOINT_CONFIG = osp.join(
    ROOT, 'configs', 'rethinking', 'keypoint-mask-rcnn_r50-scratch_fpn_gn-'
    'all_8xb2-ms-640-800-2x_coco-keypoints.py')
PAIRS = [(COCO_KEYPOINTS.index(f'left_{p}'), COCO_KEYPOINTS.index(
    f'right_{p}')) for p in ('shoulder', 'hip', 'eye', 'ear')]


def _options(paths, root):
    """``--cfg-options`` pointing a keypoint config at a toy figures set."""
    root = root.rstrip('/') + '/'
    return [f'train_dataloader.dataset.data_root={root}',
            'train_dataloader.dataset.ann_file=annotations/'
            'person_keypoints_train.json',
            'train_dataloader.dataset.data_prefix.img=train/',
            f'val_dataloader.dataset.data_root={root}',
            'val_dataloader.dataset.ann_file=annotations/'
            'person_keypoints_val.json',
            'val_dataloader.dataset.data_prefix.img=val/',
            f'test_dataloader.dataset.data_root={root}',
            'test_dataloader.dataset.ann_file=annotations/'
            'person_keypoints_val.json',
            'test_dataloader.dataset.data_prefix.img=val/',
            f'val_evaluator.ann_file={paths["val_ann"]}',
            f'test_evaluator.ann_file={paths["val_ann"]}']


@pytest.fixture(scope='module')
def figures(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('toy_figures'))
    return root, make_toy_keypoint_coco(root, num_train=256, num_val=32)


def test_figures_are_deterministic_and_face_the_viewer(figures, tmp_path):
    root, paths = figures
    again = make_toy_keypoint_coco(str(tmp_path), num_train=256, num_val=32)
    assert filecmp.cmp(paths['train_ann'], again['train_ann'], shallow=False)
    assert filecmp.cmp(osp.join(root, 'train', '000007.png'),
                       osp.join(tmp_path, 'train', '000007.png'),
                       shallow=False)
    with open(paths['train_ann']) as f:
        coco = json.load(f)
    assert coco['categories'][0]['keypoints'] == list(COCO_KEYPOINTS)
    anns = coco['annotations']
    assert len(anns) > 256  # 1-3 figures an image, a few hidden
    both = 0
    for ann in anns:
        points = np.array(ann['keypoints']).reshape(-1, 3)
        assert ann['num_keypoints'] == int((points[:, 2] > 0).sum())
        for left, right in PAIRS:
            if points[left, 2] and points[right, 2]:
                both += 1
                # facing the viewer: its left is on the image's right
                assert points[left, 0] > points[right, 0], ann['id']
    assert both > 3 * len(anns)
    # some keypoints are occluded (v=1) or outside the image (v=0)
    flags = np.array([a['keypoints'][2::3] for a in anns]).ravel()
    assert (flags == 1).any() and (flags == 0).any()


def _toy_dataset(root, flip_prob):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmdet.registry import DATASETS
    init_default_scope('mmdet')
    cfg = Config.fromfile(TOY_KEYPOINT_CONFIG).train_dataloader.dataset
    cfg.data_root = root + '/'
    for t in cfg.pipeline:
        if t.type == 'KeypointRandomFlip':
            t.prob = flip_prob
    return DATASETS.build(cfg)


def test_the_toy_pipeline_mirrors_and_swaps_on_a_flip(figures):
    """The toy config's own training pipeline: a flipped figure's keypoints
    are mirrored and relabelled, so its left stays on the image's right."""
    root, _ = figures
    plain, flipped = _toy_dataset(root, 0.0), _toy_dataset(root, 1.0)
    swap = plain.metainfo['flip_indices']
    assert [COCO_KEYPOINTS[i] for i in swap[:3]] == [
        'nose', 'right_eye', 'left_eye']
    checked = 0
    for i in range(8):
        a, b = plain[i], flipped[i]
        assert b['data_samples'].flip and not a['data_samples'].flip
        width = a['data_samples'].img_shape[1]
        pa = a['data_samples'].gt_instances.keypoints.numpy()
        pb = b['data_samples'].gt_instances.keypoints.numpy()
        assert torch.equal(a['inputs'].flip(-1), b['inputs'])
        seen = pa[:, swap, 2] > 0
        # mirrored: x -> w - x of the partner, y its y; the same
        # visibility
        assert np.allclose(pb[..., 0][seen], width - pa[:, swap, 0][seen])
        assert np.array_equal(pb[..., 1][seen], pa[:, swap, 1][seen])
        assert np.array_equal(pb[..., 2], pa[:, swap, 2])
        for left, right in PAIRS:
            both = (pb[:, left, 2] > 0) & (pb[:, right, 2] > 0)
            assert (pb[both, left, 0] > pb[both, right, 0]).all()
            checked += int(both.sum())
    assert checked > 30


def _randomized(samples, seed=0):
    """The same detections with each keypoint drawn uniformly in its box:
    the random-heatmap baseline."""
    rng = np.random.default_rng(seed)
    out = []
    for sample in samples:
        pred = sample['pred_instances']
        boxes = pred['bboxes'].numpy()
        points = pred['keypoints'].clone()
        n, k = points.shape[:2]
        u = rng.uniform(size=(n, k, 2))
        points[..., 0] = torch.from_numpy(
            boxes[:, None, 0] + u[..., 0] * (boxes[:, None, 2] -
                                             boxes[:, None, 0]))
        points[..., 1] = torch.from_numpy(
            boxes[:, None, 1] + u[..., 1] * (boxes[:, None, 3] -
                                             boxes[:, None, 1]))
        out.append(dict(sample, pred_instances=dict(pred, keypoints=points)))
    return out


def _relabelled(samples):
    """The same detections with the left and right keypoints swapped."""
    from mmrethink.datasets.coco_keypoints import flip_indices
    swap = flip_indices(COCO_KEYPOINTS)
    return [dict(s, pred_instances=dict(
        s['pred_instances'], keypoints=s['pred_instances']['keypoints'][
            :, swap])) for s in samples]


def _keypoint_ap(samples, ann_file):
    from mmrethink.evaluation import CocoKeypointMetric
    metric = CocoKeypointMetric(ann_file=ann_file, metric=['keypoints'])
    metric.dataset_meta = dict(classes=('person', ))
    metric.process({}, samples)
    return metric.compute_metrics(metric.results)


@pytest.mark.slow
def test_toy_keypoint_config_learns_keypoints(figures, tmp_path):
    """The toy keypoint config trained briefly (about two minutes on two
    cores, as users launch it: tools/train.py's main, no fixed seed):
    keypoint AP well above the same detections with random heatmaps, and
    the predictions drawn with their skeleton by tools/test.py
    --show-dir."""
    root, paths = figures
    options = _options(paths, root) + [
        'train_cfg.max_iters=240', 'train_cfg.val_interval=240',
        'train_cfg.dynamic_intervals=None', 'randomness.seed=None',
        'default_hooks.checkpoint.interval=240']
    work = str(tmp_path / 'work')
    run_tool_main('train', [TOY_KEYPOINT_CONFIG, '--work-dir', work,
                            '--cfg-options', *options])
    with open(osp.join(work, 'curve.jsonl')) as f:
        points = [json.loads(line) for line in f]
    trained = points[-1]['val']
    assert points[-1]['iter'] == 240
    out = str(tmp_path / 'preds.pkl')
    printed = run_tool_main('test', [
        TOY_KEYPOINT_CONFIG, osp.join(work, 'iter_240.pth'), '--work-dir',
        str(tmp_path / 'test'), '--out', out, '--show-dir', 'shown',
        '--cfg-options', *options])
    tested = json.loads(printed.strip().splitlines()[-1])
    assert tested['coco/keypoints_mAP'] == pytest.approx(
        trained['coco/keypoints_mAP'], abs=1e-3)
    with open(out, 'rb') as f:
        samples = pickle.load(f)
    ours = _keypoint_ap(samples, paths['val_ann'])
    baseline = _keypoint_ap(_randomized(samples), paths['val_ann'])
    assert ours['keypoints_mAP'] == pytest.approx(
        tested['coco/keypoints_mAP'], abs=1e-3)
    # measured at 240 iterations (docs/keypoints.md): AP 5.1, AP50 24.7;
    # the same boxes with random keypoints 0.0 and 0.0
    assert ours['keypoints_mAP_50'] > baseline['keypoints_mAP_50'] + 0.1, (
        ours, baseline)
    assert ours['keypoints_mAP'] > baseline['keypoints_mAP'] + 0.01, (
        ours, baseline)
    # left and right learnt apart: the same predictions with every left/
    # right pair relabelled (what a flip without the swap teaches half the
    # time) score far lower (measured: 0.0 and 0.0)
    swapped = _keypoint_ap(_relabelled(samples), paths['val_ann'])
    assert swapped['keypoints_mAP_50'] < ours['keypoints_mAP_50'] - 0.1, (
        ours, swapped)
    assert trained['coco/bbox_mAP'] > 0.05
    # tools/plot_curves.py plots keypoint AP as it plots box AP
    from mmrethink.launch import run_main
    from mmrethink.records import plots
    figure = str(tmp_path / 'curve.png')
    status, text = run_main(plots.main, [
        work, '--metric', 'coco/keypoints_mAP', '--out', figure, '--csv',
        str(tmp_path / 'curve.csv')])
    assert status == 0, text
    with open(tmp_path / 'curve.csv') as f:
        rows = f.read().splitlines()
    assert rows[0].split(',')[-1] == 'coco/keypoints_mAP'
    assert float(rows[-1].split(',')[-1]) == pytest.approx(
        trained['coco/keypoints_mAP'])
    # --show-dir: every validation image, with keypoints drawn
    import glob
    import cv2
    shown = sorted(glob.glob(osp.join(tmp_path, 'test', '*', 'shown',
                                      '*.png')))
    assert len(shown) == 32
    drawn = cv2.imread(shown[0])
    plain = cv2.imread(osp.join(root, 'val', osp.basename(shown[0])))
    assert drawn.shape[1] == 2 * plain.shape[1]  # ground truth | prediction


def test_the_visualizer_draws_keypoints_by_side(figures):
    """Left points red, right blue, the middle green, the skeleton between
    them; instances without keypoints are drawn as mmdet draws them."""
    from mmengine.structures import InstanceData

    from mmrethink.visualization import KeypointDetLocalVisualizer
    from mmrethink.visualization.keypoint_visualizer import (LEFT, MIDDLE,
                                                             RIGHT)
    vis = KeypointDetLocalVisualizer(name='test_the_visualizer_draws')
    vis.dataset_meta = dict(classes=('person', ),
                            keypoint_names=COCO_KEYPOINTS,
                            skeleton=[[6, 7]])  # the two shoulders
    image = np.zeros((64, 96, 3), np.uint8)
    points = np.zeros((1, len(COCO_KEYPOINTS), 3), np.float32)
    points[0, 0] = (48, 10, 5.0)  # nose
    points[0, 5] = (70, 30, 5.0)  # left shoulder
    points[0, 6] = (26, 30, 5.0)  # right shoulder
    points[0, 7:, 2] = -1.0  # below kpt_thr
    pred = InstanceData(bboxes=torch.tensor([[20., 5., 76., 60.]]),
                        labels=torch.tensor([0]), scores=torch.tensor([0.9]),
                        keypoints=torch.from_numpy(points))
    vis.kpt_thr = 0.0
    out = vis._draw_instances(image.copy(), pred, ['person'], None)
    assert tuple(out[30, 70]) == LEFT and tuple(out[30, 26]) == RIGHT
    assert tuple(out[10, 48]) == MIDDLE
    assert tuple(out[30, 48]) != (0, 0, 0)  # the shoulder line
    assert tuple(out[40, 60]) == (0, 0, 0)  # a hidden point's place
    without = InstanceData(bboxes=pred.bboxes, labels=pred.labels,
                           scores=pred.scores)
    from mmdet.visualization import DetLocalVisualizer
    stock = DetLocalVisualizer(name='test_the_visualizer_draws_stock')
    stock.dataset_meta = vis.dataset_meta
    assert np.array_equal(
        vis._draw_instances(image.copy(), without, ['person'], None),
        stock._draw_instances(image.copy(), without, ['person'], None))


@pytest.mark.slow
def test_paper_keypoint_config_trains_and_validates(tmp_path):
    """The paper's keypoint config itself (R50, 8 x 512 keypoint convs,
    640-800 px), only the data pointed at a small COCO keypoint set: an
    iteration and a validation, with keypoint AP reported."""
    root = str(tmp_path / 'data')
    paths = make_toy_keypoint_coco(root, num_train=2, num_val=2,
                                   img_size=64, max_figures=1)
    options = _options(paths, root) + [
        'train_dataloader.batch_size=1', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0',
        'val_dataloader.persistent_workers=False',
        'train_cfg.max_iters=1', 'train_cfg.val_interval=1',
        'default_hooks.checkpoint.interval=1']
    work = str(tmp_path / 'work')
    run_tool_main('train', [PAPER_KEYPOINT_CONFIG, '--work-dir', work,
                            '--cfg-options', *options])
    with open(osp.join(work, 'curve.jsonl')) as f:
        (point, ) = [json.loads(line) for line in f]
    assert point['iter'] == 1
    # an iteration detects nothing above the score threshold: mmdet then
    # reports no box or mask AP, the keypoint evaluation reports its AP
    assert 'coco/keypoints_mAP' in point['val']
    assert {'loss_keypoint', 'loss_mask', 'loss_bbox'} <= set(point['train'])
    assert osp.isfile(osp.join(work, 'iter_1.pth'))


@pytest.mark.slow
def test_a_downstream_keypoint_config_trains_on_two_processes(
        figures, tmp_path):
    """A project of its own inheriting our toy keypoint config by name
    (``mmrethink::``), launched as users launch: tools/dist_train.sh with 2
    processes (gloo on CPU), 2 persistent loader workers each, no fixed
    seed; it trains, validates keypoint AP and saves on rank 0. Images
    without a positive RoI that holds a visible keypoint keep the keypoint
    head in the graph, as DDP needs."""
    import subprocess

    from conftest import launch_env
    root, paths = figures
    config = tmp_path / 'my_keypoints.py'
    config.write_text(
        "_base_ = 'mmrethink::toy/keypoint-mask-rcnn_r18-scratch_fpn_gn-all_"
        "1xb4-toy-1x_figures.py'\n"
        'loader = dict(batch_size=2, num_workers=2, persistent_workers=True)\n'
        'train_dataloader = loader\nval_dataloader = loader\n'
        'test_dataloader = loader\n'
        'train_cfg = dict(max_iters=8, val_interval=8, '
        'dynamic_intervals=None)\n'
        'default_hooks = dict(checkpoint=dict(interval=8))\n'
        'randomness = dict(seed=None)\n')
    env = launch_env(helpers=False)
    work = tmp_path / 'work'
    proc = subprocess.run(
        ['bash', osp.join(ROOT, 'tools', 'dist_train.sh'), str(config), '2',
         '--work-dir', str(work), '--cfg-options', *_options(paths, root)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        timeout=900, start_new_session=True)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert 'GPU number: 2' in proc.stdout  # mmengine's world size
    with open(work / 'curve.jsonl') as f:
        (point, ) = [json.loads(line) for line in f]
    assert point['iter'] == 8 and 'coco/keypoints_mAP' in point['val']
    assert 'loss_keypoint' in point['train']
    assert (work / 'iter_8.pth').is_file()
