"""mmengine's ``CheckpointHook`` writing checkpoints that stock torch loads
safely."""
from mmdet.registry import HOOKS
from mmengine.hooks import CheckpointHook

from ..utils.safe_load import from_plain, to_plain


@HOOKS.register_module()
class ResumableCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` whose files hold plain data only.

    mmengine puts its message hub (``HistoryBuffer`` objects holding numpy
    arrays) in every checkpoint, which ``torch.load(weights_only=True)``
    refuses. This hook converts them to tagged tensors and Python numbers
    just before the file is written and back right after a checkpoint is
    loaded (before mmengine reads the message hub), so our checkpoints load
    with stock torch, numpy 1 or 2, and no allow-list
    (:mod:`mmrethink.utils.safe_load` explains why no allow-list of numpy's
    own functions is safe). Arguments are mmengine's.
    """

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Replace numpy and mmengine objects by plain data."""
        for key in list(checkpoint):
            if key not in ('state_dict', 'optimizer'):  # tensors already
                checkpoint[key] = to_plain(checkpoint[key])

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Turn the plain data back into mmengine's objects."""
        for key in list(checkpoint):
            if key not in ('state_dict', 'optimizer'):
                checkpoint[key] = from_plain(checkpoint[key])
