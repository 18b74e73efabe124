"""COCO person keypoints: the dataset, the transforms that carry keypoints
(the flip mirrors and swaps), the keypoint head's targets, loss and
decoding, and keypoint AP equal to pycocotools'."""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmrethink.datasets.coco_keypoints import (COCO_KEYPOINTS,
                                               CocoKeypointDataset,
                                               flip_indices)
from mmrethink.datasets.keypoint_transforms import (KeypointRandomFlip,
                                                    KeypointResize)

K = len(COCO_KEYPOINTS)
SKELETON = [[16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12]]


def _person(ann_id, image_id, box, visible, rng, crowd=False):
    """An annotation with ``visible`` keypoints inside ``box``."""
    x, y, w, h = box
    points = np.zeros((K, 3))
    for k in visible:
        points[k] = (x + rng.uniform(0.1, 0.9) * w,
                     y + rng.uniform(0.1, 0.9) * h, rng.choice([1, 2]))
    return dict(id=ann_id, image_id=image_id, category_id=1, bbox=box,
                area=w * h, iscrowd=int(crowd),
                segmentation=[[x, y, x + w, y, x + w, y + h, x, y + h]],
                keypoints=points.ravel().round(2).tolist(),
                num_keypoints=len(visible))


def make_keypoint_coco(root, seed=0):
    """Three images: two people with keypoints (and a crowd) in the first,
    one in the second, the third's only person has no visible keypoint."""
    import cv2
    rng = np.random.default_rng(seed)
    images, anns = [], []
    for i in range(3):
        name = f'{i}.jpg'
        cv2.imwrite(osp.join(root, name),
                    rng.integers(0, 255, (60, 80, 3), dtype=np.uint8))
        images.append(dict(id=i + 1, file_name=name, width=80, height=60))
    anns.append(_person(1, 1, [5, 5, 30, 40], range(K), rng))
    anns.append(_person(2, 1, [40, 10, 30, 40], [0, 1, 5, 6], rng))
    anns.append(_person(3, 1, [0, 0, 80, 60], [], rng, crowd=True))
    anns.append(_person(4, 2, [10, 10, 50, 40], [5, 9, 10], rng))
    anns.append(_person(5, 3, [10, 10, 50, 40], [], rng))
    path = osp.join(root, 'person_keypoints.json')
    with open(path, 'w') as f:
        json.dump(dict(images=images, annotations=anns, categories=[dict(
            id=1, name='person', supercategory='person',
            keypoints=list(COCO_KEYPOINTS), skeleton=SKELETON)]), f)
    return path


@pytest.fixture(scope='module')
def keypoint_coco(tmp_path_factory):
    root = tmp_path_factory.mktemp('keypoint_coco')
    return str(root), make_keypoint_coco(str(root))


def _dataset(keypoint_coco, **kwargs):
    root, ann = keypoint_coco
    return CocoKeypointDataset(data_root=root, ann_file=ann,
                               data_prefix=dict(img=''), pipeline=[],
                               filter_cfg=dict(filter_empty_gt=True),
                               **kwargs)


def _mirror(name):
    side = {'left': 'right', 'right': 'left'}
    first, _, rest = name.partition('_')
    return f'{side[first]}_{rest}' if first in side else name


def test_flip_indices_swap_left_and_right():
    flipped = flip_indices(COCO_KEYPOINTS)
    # all 17: the nose is its own mirror, every left_* its right_*
    assert [COCO_KEYPOINTS[i] for i in flipped] == [
        _mirror(n) for n in COCO_KEYPOINTS]
    assert [COCO_KEYPOINTS[i] for i in flipped][:3] == [
        'nose', 'right_eye', 'left_eye']
    with pytest.raises(ValueError, match="'left_tail' has no 'right_tail'"):
        flip_indices(['nose', 'left_tail'])


def test_dataset_reads_keypoints_and_drops_images_without_visible_ones(
        keypoint_coco):
    dataset = _dataset(keypoint_coco)
    assert [dataset.get_data_info(i)['img_id']
            for i in range(len(dataset))] == [1, 2]
    assert dataset.metainfo['keypoint_names'] == COCO_KEYPOINTS
    assert dataset.metainfo['skeleton'] == SKELETON
    first = dataset.get_data_info(0)
    assert [len(i['keypoints']) for i in first['instances']] == [K, K, K]
    assert [i['ignore_flag'] for i in first['instances']] == [0, 0, 1]
    with open(keypoint_coco[1]) as f:
        raw = json.load(f)['annotations'][1]['keypoints']
    assert np.allclose(np.ravel(first['instances'][1]['keypoints']), raw)
    assert first['flip_indices'] == flip_indices(COCO_KEYPOINTS)
    # validation keeps every image
    assert len(_dataset(keypoint_coco, test_mode=True)) == 3


def test_bad_keypoint_input_names_the_file(keypoint_coco, tmp_path):
    root, ann = keypoint_coco
    with pytest.raises(ValueError, match='num_keypoints=6'):
        _dataset(keypoint_coco, num_keypoints=6)
    with open(ann) as f:
        data = json.load(f)
    data['annotations'][3]['keypoints'] = [1, 2, 2] * 5
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps(data))
    with pytest.raises(ValueError) as err:
        CocoKeypointDataset(data_root=root, ann_file=str(bad),
                            data_prefix=dict(img=''), pipeline=[])
    assert str(bad) in str(err.value)
    assert 'annotation id 4' in str(err.value)
    assert '15 values; expected 51' in str(err.value)


def test_a_flipped_image_has_its_keypoints_mirrored_and_swapped():
    names = ('nose', 'left_eye', 'right_eye')
    points = np.array([[[20, 4, 2], [12, 5, 2], [30, 6, 1]],
                       [[0, 0, 0], [3, 3, 2], [0, 0, 0]]], np.float32)
    results = dict(img=np.zeros((10, 40, 3), np.uint8), img_shape=(10, 40),
                   gt_keypoints=points.copy(),
                   flip_indices=flip_indices(names))
    out = KeypointRandomFlip(prob=1.0)(results)
    assert out['flip'] and out['flip_direction'] == 'horizontal'
    got = out['gt_keypoints']
    # the left eye is the mirror of the right one, and the other way
    assert got[0].tolist() == [[20, 4, 2], [10, 6, 1], [28, 5, 2]]
    # an absent point stays absent (0, 0, 0), not (40, 0, 0)
    assert got[1].tolist() == [[0, 0, 0], [0, 0, 0], [37, 3, 2]]


def test_resize_scales_keypoints_and_hides_those_outside():
    points = np.array([[[10, 20, 2], [39, 29, 1], [0, 0, 0]]], np.float32)
    results = dict(img=np.zeros((30, 40, 3), np.uint8), img_shape=(30, 40),
                   gt_keypoints=points.copy())
    out = KeypointResize(scale=(80, 60), keep_ratio=False)(results)
    assert out['gt_keypoints'][0].tolist() == [[20, 40, 2], [78, 58, 1],
                                               [0, 0, 0]]


def _detections(ann_file, seed=1):
    """Noisy copies of the ground truth's people, one false positive, and
    a person missed: reference detections, per image."""
    with open(ann_file) as f:
        data = json.load(f)
    rng = np.random.default_rng(seed)
    per_image = {img['id']: [] for img in data['images']}
    for ann in data['annotations']:
        if ann['iscrowd'] or not ann['num_keypoints'] or ann['id'] == 4:
            continue
        points = np.array(ann['keypoints'], float).reshape(-1, 3)
        points[:, :2] += rng.normal(0, 1.5, (K, 2))
        points[:, 2] = rng.uniform(0, 1, K)
        x, y, w, h = ann['bbox']
        per_image[ann['image_id']].append(
            ([x, y, x + w, y + h], float(rng.uniform(0.5, 1)), points))
    fake = rng.uniform(0, 50, (K, 3))
    per_image[1].append(([0, 0, 50, 50], 0.7, fake))
    return per_image


@pytest.mark.parametrize('backend', ['pycocotools', 'faster_coco_eval'])
def test_keypoint_ap_equals_pycocotools(keypoint_coco, backend):
    from mmdet.datasets.api_wrappers import COCO
    from pycocotools.cocoeval import COCOeval

    from mmrethink.evaluation import CocoKeypointMetric
    _, ann = keypoint_coco
    per_image = _detections(ann)
    metric = CocoKeypointMetric(ann_file=ann, metric=['keypoints'],
                                backend=backend)
    metric.dataset_meta = dict(classes=('person', ))
    samples = []
    for img_id, dets in per_image.items():
        boxes = torch.tensor([d[0] for d in dets], dtype=torch.float32)
        samples.append(dict(
            img_id=img_id, ori_shape=(60, 80), pred_instances=dict(
                bboxes=boxes.reshape(-1, 4),
                scores=torch.tensor([d[1] for d in dets]),
                labels=torch.zeros(len(dets), dtype=torch.long),
                keypoints=torch.tensor(np.array(
                    [d[2] for d in dets]).reshape(-1, K, 3)))))
    metric.process({}, samples)
    ours = metric.keypoint_stats([r for _, r in metric.results])
    # pycocotools on the same detections, as its README does it
    gt = COCO(ann)
    flat = [dict(image_id=i, category_id=1, score=d[1],
                 keypoints=np.asarray(d[2], float).ravel().tolist())
            for i, dets in per_image.items() for d in dets]
    reference = COCOeval(gt, gt.loadRes(flat), 'keypoints')
    reference.evaluate()
    reference.accumulate()
    reference.summarize()
    assert 0 < reference.stats[0] < 1  # a case with something to rank
    assert ours.tolist() == reference.stats[:10].tolist()
    reported = metric.compute_metrics(metric.results)
    assert reported['keypoints_mAP'] == round(reference.stats[0], 3)
    assert reported['keypoints_mAP_50'] == round(reference.stats[1], 3)
    assert 'bbox_mAP' not in reported  # only what was asked


def _head(**kwargs):
    from mmrethink.models import KeypointRCNNHead
    return KeypointRCNNHead(num_keypoints=3, in_channels=8, num_convs=2,
                            conv_out_channels=8, **kwargs)


def test_keypoint_head_shapes_and_targets():
    head = _head()
    assert head(torch.zeros(2, 8, 14, 14)).shape == (2, 3, 56, 56)
    rois = torch.tensor([[10., 20., 66., 76.]])  # 56 px: one px a cell
    points = torch.tensor([[[10.5, 20.5, 2], [65.9, 75.9, 1],
                            [30., 40., 0]]])
    index, valid = head.get_targets(rois, points)
    assert valid.tolist() == [[True, True, False]]  # the absent one is not
    assert index[0, :2].tolist() == [0, 55 * 56 + 55]
    # a point on the far edge belongs to the last cell; outside: no target
    edge = torch.tensor([[[66., 76., 2], [9., 30., 2], [70., 30., 2]]])
    index, valid = head.get_targets(rois, edge)
    assert valid.tolist() == [[True, False, False]]
    assert index[0, 0] == 55 * 56 + 55
    with pytest.raises(ValueError, match='num_keypoints=3'):
        head.get_targets(rois, torch.zeros(1, 17, 3))


def test_keypoint_loss_is_a_spatial_softmax_over_the_visible_ones():
    head = _head()
    logits = torch.randn(2, 3, 56, 56, requires_grad=True)
    index = torch.randint(0, 56 * 56, (2, 3))
    valid = torch.tensor([[True, False, True], [False, False, True]])
    loss = head.loss(logits, index, valid)
    flat = logits.flatten(2)
    expected = sum(torch.nn.functional.cross_entropy(
        flat[n, k][None], index[n, k][None])
        for n, k in [(0, 0), (0, 2), (1, 2)]) / 3
    assert torch.allclose(loss, expected)
    # nothing visible: zero, and still a graph (every rank's DDP needs it)
    none = head.loss(logits, index, torch.zeros_like(valid))
    none.backward()
    assert none.item() == 0 and logits.grad is not None


def test_decoding_puts_the_peak_cell_back_in_the_box():
    head = _head()
    logits = torch.full((1, 3, 56, 56), -10.)
    cells = [(3, 5), (50, 10), (28, 28)]  # (row, col) of each peak
    for k, (r, c) in enumerate(cells):
        logits[0, k, r, c] = 10.
    box = torch.tensor([[100., 200., 212., 256.]])  # 112 x 56 px
    points = head.decode(logits, box)
    # the heatmaps resized to the box's 56 x 112 px: a peak cell becomes
    # two columns of equal value (bicubic, symmetric), the first one wins
    big = torch.nn.functional.interpolate(logits, size=(56, 112),
                                          mode='bicubic',
                                          align_corners=False)[0]
    for k, (r, c) in enumerate(cells):
        x, y, score = points[0, k].tolist()
        assert (x, y) == (100 + 2 * c + 0.5, 200 + r + 0.5)
        assert score == pytest.approx(float(big[k, r, 2 * c]), abs=1e-6)
        assert big[k, r, 2 * c] == big[k].max()


def test_keypoint_mask_rcnn_trains_and_predicts_keypoints(keypoint_coco):
    """The toy GN Mask R-CNN (shrunk from the paper's) with the keypoint
    branch: boxes, masks and keypoints from one RoI head, on COCO person
    keypoints through the keypoint pipeline."""
    from mmcv.transforms import LoadImageFromFile
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope
    from mmdet.registry import MODELS

    from conftest import TOY_CONFIG
    from mmrethink.datasets import (LoadKeypointAnnotations,
                                    PackKeypointDetInputs)
    init_default_scope('mmdet')
    model_cfg = Config.fromfile(TOY_CONFIG).model
    model_cfg.roi_head.type = 'KeypointRoIHead'
    model_cfg.roi_head.bbox_head.num_classes = 1
    model_cfg.roi_head.mask_head.num_classes = 1
    model_cfg.roi_head.keypoint_roi_extractor = dict(
        model_cfg.roi_head.mask_roi_extractor.to_dict(),
        roi_layer=dict(model_cfg.roi_head.mask_roi_extractor.roi_layer,
                       output_size=14))
    model_cfg.roi_head.keypoint_head = dict(
        type='KeypointRCNNHead', num_keypoints=K, in_channels=64,
        num_convs=2, conv_out_channels=32)
    model_cfg.test_cfg.rcnn.score_thr = 0.0  # untrained: keep every box
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    model.init_weights()
    dataset = _dataset(keypoint_coco)
    dataset.pipeline.transforms.extend([
        LoadImageFromFile(),
        LoadKeypointAnnotations(with_bbox=True, with_mask=True),
        KeypointResize(scale=(96, 72), keep_ratio=True),
        KeypointRandomFlip(prob=0.5),
        PackKeypointDetInputs()])
    batch = pseudo_collate([dataset[0], dataset[1]])
    gt = batch['data_samples'][0].gt_instances
    assert gt.keypoints.shape == (2, K, 3)  # the crowd is ignored_instances
    data = model.data_preprocessor(batch, training=True)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert torch.isfinite(losses['loss_keypoint'])
    assert losses['loss_keypoint'] > 0  # positives with visible keypoints
    losses['loss_keypoint'].backward()
    assert model.roi_head.keypoint_head.deconv.weight.grad.abs().sum() > 0

    model.eval()
    with torch.no_grad():
        results = model.test_step(pseudo_collate([dataset[0]]))
    pred = results[0].pred_instances
    assert len(pred.bboxes) > 0
    assert pred.keypoints.shape == (len(pred.bboxes), K, 3)
    # in the original image's pixels (80 x 60), each in its box
    boxes, points = pred.bboxes, pred.keypoints
    assert boxes[:, 2].max() <= 80 + 1e-3 and boxes[:, 3].max() <= 60 + 1e-3
    assert (points[..., 0] >= boxes[:, None, 0] - 1e-3).all()
    assert (points[..., 0] <= boxes[:, None, 2] + 1e-3).all()
    assert (points[..., 1] >= boxes[:, None, 1] - 1e-3).all()
    assert (points[..., 1] <= boxes[:, None, 3] + 1e-3).all()
