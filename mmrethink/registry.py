"""mmrethink's registries: children of mmdet's, under the scope ``mmrethink``.

mmrethink's own modules register into **mmdet's** registries, so that they
resolve under ``default_scope='mmdet'`` in any config. These children exist
for one reason: a config inheriting ``mmrethink::...`` gets
``_scope_='mmrethink'`` on the dicts our files define (mmengine does that for
every ``pkg::`` base), and mmengine then looks for registries of that scope.
Each child holds nothing of its own; a lookup falls through to its mmdet
parent.
"""
from mmdet import registry as mmdet

from mmengine.registry import Registry


def _child(parent: Registry) -> Registry:
    return Registry(parent.name, parent=parent, scope='mmrethink',
                    locations=['mmrethink'])


RUNNERS = _child(mmdet.RUNNERS)
RUNNER_CONSTRUCTORS = _child(mmdet.RUNNER_CONSTRUCTORS)
LOOPS = _child(mmdet.LOOPS)
HOOKS = _child(mmdet.HOOKS)
DATASETS = _child(mmdet.DATASETS)
DATA_SAMPLERS = _child(mmdet.DATA_SAMPLERS)
TRANSFORMS = _child(mmdet.TRANSFORMS)
MODELS = _child(mmdet.MODELS)
MODEL_WRAPPERS = _child(mmdet.MODEL_WRAPPERS)
WEIGHT_INITIALIZERS = _child(mmdet.WEIGHT_INITIALIZERS)
OPTIMIZERS = _child(mmdet.OPTIMIZERS)
OPTIM_WRAPPERS = _child(mmdet.OPTIM_WRAPPERS)
OPTIM_WRAPPER_CONSTRUCTORS = _child(mmdet.OPTIM_WRAPPER_CONSTRUCTORS)
PARAM_SCHEDULERS = _child(mmdet.PARAM_SCHEDULERS)
METRICS = _child(mmdet.METRICS)
EVALUATOR = _child(mmdet.EVALUATOR)
TASK_UTILS = _child(mmdet.TASK_UTILS)
VISUALIZERS = _child(mmdet.VISUALIZERS)
VISBACKENDS = _child(mmdet.VISBACKENDS)
LOG_PROCESSORS = _child(mmdet.LOG_PROCESSORS)
