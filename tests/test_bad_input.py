"""Bad input gets an error naming the file or key at fault, before training
starts where it can; and where mmdet/mmengine alone do worse, a test shows
what they do (the ``*_mmdet_*`` tests)."""
import json
import os
import os.path as osp
import shutil

import pytest
from mmdet.datasets import CocoDataset
from mmengine.registry import init_default_scope

from conftest import ROOT, TOY_CONFIG, call_python, toy_data_options
from mmrethink.datasets.checked_coco import CheckedCocoDataset
from mmrethink.datasets.toy_shapes import CLASSES
from mmrethink.hooks import CurveHook

PIPELINE = [dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations', with_bbox=True, with_mask=True)]


@pytest.fixture
def data(toy_data, tmp_path):
    """A private copy of the toy data, free to break."""
    root = tmp_path / 'data'
    shutil.copytree(toy_data['root'], root)
    return root


def _dataset(root, cls=CheckedCocoDataset, classes=CLASSES, **kwargs):
    init_default_scope('mmdet')
    return cls(data_root=str(root) + os.sep,
               ann_file='annotations/instances_train.json',
               data_prefix=dict(img='train/'),
               metainfo=dict(classes=classes), pipeline=PIPELINE, **kwargs)


def _edit_annotations(root, edit):
    path = root / 'annotations' / 'instances_train.json'
    coco = json.loads(path.read_text())
    edit(coco)
    path.write_text(json.dumps(coco))
    return path


def test_good_data_loads(data):
    dataset = _dataset(data)
    assert len(dataset) > 0
    assert dataset[0]['img'].shape[:2] == (192, 192)


def test_missing_annotation_file(data):
    path = data / 'annotations' / 'instances_train.json'
    path.unlink()
    with pytest.raises(FileNotFoundError,
                       match=f'annotation file {path} does not exist'):
        _dataset(data)


def test_truncated_annotation_file(data):
    path = data / 'annotations' / 'instances_train.json'
    path.write_text(path.read_text()[:5000])
    with pytest.raises(ValueError) as err:
        _dataset(data)
    assert f'annotation file {path} is not valid JSON' in str(err.value)
    assert 'line 1' in str(err.value)


def test_truncated_annotation_file_mmdet_does_not_name_it(data):
    path = data / 'annotations' / 'instances_train.json'
    path.write_text(path.read_text()[:5000])
    with pytest.raises(json.JSONDecodeError) as err:
        _dataset(data, cls=CocoDataset)
    assert str(path) not in str(err.value)


@pytest.mark.parametrize('key', ['images', 'annotations', 'categories'])
def test_missing_top_level_key(data, key):
    path = _edit_annotations(data, lambda coco: coco.pop(key))
    with pytest.raises(ValueError,
                       match=f"{path}: key '{key}' is missing; expected a "
                       'list'):
        _dataset(data)


def test_test_mode_needs_no_annotations(data):
    _edit_annotations(data, lambda coco: coco.pop('annotations'))
    assert len(_dataset(data, test_mode=True)) == 16


def test_class_missing_from_the_file(data):
    classes = CLASSES[:-1] + ('dots-hexagon', )
    with pytest.raises(ValueError, match=r"no categories \['dots-hexagon'\]"):
        _dataset(data, classes=classes)


def test_class_missing_from_the_file_mmdet_drops_it_silently(data):
    classes = CLASSES[:-1] + ('dots-hexagon', )
    dataset = _dataset(data, cls=CocoDataset, classes=classes)
    assert len(dataset.cat_ids) == len(CLASSES) - 1


def test_annotation_without_bbox(data):
    def drop_bbox(coco):
        ann = coco['annotations'][3]
        ann.pop('bbox')
        drop_bbox.ids = (ann['image_id'], ann['id'])

    _edit_annotations(data, drop_bbox)
    image_id, ann_id = drop_bbox.ids
    with pytest.raises(ValueError) as err:
        _dataset(data)
    message = str(err.value)
    assert f'image id {image_id}' in message and str(ann_id) in message
    assert "KeyError: 'bbox'" in message


def test_missing_images_are_found_before_training(data):
    gone = sorted(os.listdir(data / 'train'))[:2]
    for name in gone:
        (data / 'train' / name).unlink()
    with pytest.raises(FileNotFoundError) as err:
        _dataset(data)
    assert '2 of the 16 images' in str(err.value)
    assert gone[0] in str(err.value)
    # mmdet's dataset builds and fails only when a loader reaches them
    assert len(_dataset(data, cls=CocoDataset)) == 16


def test_unreadable_image_names_it(data):
    dataset = _dataset(data)
    info = dataset.get_data_info(5)
    with open(info['img_path'], 'wb') as f:
        f.write(b'not a jpeg')
    with pytest.raises(RuntimeError) as err:
        dataset[5]
    message = str(err.value)
    assert info['img_path'] in message
    assert f'img_id {info["img_id"]}' in message
    dataset.check_images = False
    os.remove(info['img_path'])
    with pytest.raises(RuntimeError, match='No such file'):
        dataset[5]


@pytest.mark.slow
def test_training_stops_on_a_corrupt_annotation_file_and_keeps_the_work_dir(
        data, tmp_path):
    work = tmp_path / 'work'
    work.mkdir()
    (work / 'iter_150.pth').write_bytes(b'an earlier checkpoint')
    (work / 'last_checkpoint').write_text(str(work / 'iter_150.pth'))
    path = data / 'annotations' / 'instances_train.json'
    path.write_text(path.read_text()[:5000])
    paths = dict(root=str(data) + os.sep,
                 val_ann=str(data / 'annotations' / 'instances_val.json'))
    proc = call_python(
        [osp.join(ROOT, 'tools', 'train.py'), TOY_CONFIG, '--work-dir',
         str(work), '--cfg-options', *toy_data_options(paths)], timeout=600)
    assert proc.returncode != 0
    assert f'annotation file {path} is not valid JSON' in proc.stdout
    assert (work / 'iter_150.pth').read_bytes() == b'an earlier checkpoint'
    assert (work / 'last_checkpoint').read_text() == str(work /
                                                         'iter_150.pth')


# --- unknown options ------------------------------------------------------
def test_unknown_hook_option_suggests_the_right_one():
    with pytest.raises(TypeError) as err:
        CurveHook(monitr='coco/segm_mAP')
    message = str(err.value)
    assert "unknown option 'monitr'" in message
    assert "did you mean 'monitor'" in message
    assert 'filename' in message  # the options are listed


def test_unknown_option_through_the_config_registry():
    from mmdet.registry import HOOKS
    init_default_scope('mmdet')
    with pytest.raises(TypeError, match="did you mean 'monitor'"):
        HOOKS.build(dict(type='CurveHook', monitr='coco/segm_mAP'))


def test_unknown_dataset_option_is_named(data):
    with pytest.raises(TypeError, match='check_image'):
        _dataset(data, check_image=False)


# --- the moved or checked options of pre-emption ---------------------------
def test_stop_signals_are_the_loops_not_the_checkpoint_hooks():
    from mmrethink.hooks import ResumableCheckpointHook
    with pytest.raises(ValueError,
                       match=r"train_cfg.stop_signals=\['SIGUSR1'\]"):
        ResumableCheckpointHook(interval=2, signals=['SIGUSR1'])


@pytest.mark.parametrize('signals, said', [
    ('SIGTERM', 'expected a list of signal names'),
    (['SIGTREM'], "unknown signal 'SIGTREM'")])
def test_bad_stop_signals_are_named(signals, said):
    from mmrethink.runner import IterationAgreement, Preemption
    with pytest.raises(ValueError, match=said):
        Preemption(signals, IterationAgreement())


def test_preemption_without_our_checkpoint_hook_says_what_to_do():
    """mmengine's own CheckpointHook cannot write the stop's checkpoint:
    refused when training starts, not at the signal."""
    from mmengine.hooks import CheckpointHook

    from mmrethink.runner import IterationAgreement, Preemption

    class Runner:
        hooks = [CheckpointHook(interval=2)]

    preemption = Preemption(['SIGTERM'], IterationAgreement())
    with pytest.raises(ValueError, match='stop_signals=\\[\\]'):
        preemption.before_train(Runner())
    assert preemption._previous == {}  # no handler was installed


def test_a_curve_state_of_another_shape_is_named():
    from mmrethink.records.curves import CurveState
    with pytest.raises(ValueError, match=r"checkpoint\['curve_hook'\]: "
                       r"expected the fields \['loss_count'"):
        CurveState.from_checkpoint({'curve_hook': {'records': []}})
    assert CurveState.from_checkpoint({}) is None
    state = CurveState(records=[{'iter': 2, 'val': {}}], loss_count=3)
    checkpoint = {}
    state.to_checkpoint(checkpoint)
    assert CurveState.from_checkpoint(checkpoint) == state
