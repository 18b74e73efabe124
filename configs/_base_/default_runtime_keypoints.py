# The runtime of every mmrethink config (./default_runtime.py) with keypoint
# AP as the metric that picks the best checkpoint and the curve's best point
# (the paper's Fig. 6 metric); box and mask AP are on the curve too. The
# visualizer (tools/test.py --show-dir) also draws keypoints and skeleton.
_base_ = './default_runtime.py'

default_hooks = dict(checkpoint=dict(save_best='coco/keypoints_mAP'))
custom_hooks = [
    dict(type='CurveHook', monitor='coco/keypoints_mAP'),
    dict(type='DivergenceHook'),
    dict(type='RandomStateHook')
]
visualizer = dict(type='KeypointDetLocalVisualizer')
