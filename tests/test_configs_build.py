"""The configs our work rests on load and build on the CPU."""
import torch
from mmengine.config import Config

import mmrethink
from conftest import TOY_CONFIG

MMDET_SCRATCH = 'mmdet::scratch/mask-rcnn_r50-scratch_fpn_gn-all_6x_coco.py'


def _build(cfg):
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules()
    return MODELS.build(cfg.model)


def _load_mmdet(name):
    # a child config is the way to load an `mmdet::` file by name
    return Config.fromstring(f"_base_ = '{name}'\n", '.py')


def test_mmdet_scratch_config_loads_and_builds():
    cfg = _load_mmdet(MMDET_SCRATCH)
    assert cfg.model.backbone.init_cfg is None
    assert cfg.train_cfg.max_epochs == 73
    model = _build(cfg)
    norms = {type(m).__name__ for m in model.backbone.modules()}
    assert 'GroupNorm' in norms and 'BatchNorm2d' not in norms


def test_paper_r50_scratch_6x_builds_with_gn_everywhere():
    cfg = Config.fromfile(mmrethink.get_config_path(
        'rethinking/mask-rcnn_r50-scratch_fpn_gn-all_8xb2-6x_coco'))
    model = _build(cfg)
    for part in (model.backbone, model.neck, model.roi_head.bbox_head,
                 model.roi_head.mask_head):
        kinds = {type(m).__name__ for m in part.modules()}
        assert 'GroupNorm' in kinds, type(part).__name__
        assert not kinds & {'BatchNorm2d', 'SyncBatchNorm'}
    assert sum(p.numel() for p in model.parameters()) > 40e6


def test_toy_config_is_the_paper_config_shrunk():
    toy = Config.fromfile(TOY_CONFIG)
    real = Config.fromfile(mmrethink.get_config_path(
        'rethinking/mask-rcnn_r50-scratch_fpn_gn-all_8xb2-6x_coco'))
    # inherited unchanged
    for key in ('frozen_stages', 'norm_eval', 'zero_init_residual',
                'init_cfg'):
        assert toy.model.backbone[key] == real.model.backbone[key]
    assert toy.model.roi_head.bbox_head.type == 'Shared4Conv1FCBBoxHead'
    assert toy.optim_wrapper.paramwise_cfg == real.optim_wrapper.paramwise_cfg
    assert toy.custom_imports == real.custom_imports
    model = _build(toy)
    assert sum(p.numel() for p in model.parameters()) < 3e6
    model.eval()
    with torch.no_grad():
        feats = model.extract_feat(torch.zeros(1, 3, 192, 192))
    assert [f.shape[1] for f in feats] == [64] * 5
