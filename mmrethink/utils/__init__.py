"""Helpers shared by mmrethink's modules and tools, one concern each:

- ``checkpoint_loading``: how mmengine reads checkpoints in our runs (a
  scope, never process-wide);
- ``checkpoints``: ``last_checkpoint`` and which checkpoint a run resumes;
- ``config_paths``: where our configs are, the ``mmrethink::`` prefix;
- ``curves``: the ``curve.jsonl`` format;
- ``dist``: multi-process launches without GPUs;
- ``fileio``: atomic writes;
- ``launch``: what the tools share (config reading, tools in-process);
- ``loops``: facts about mmengine's train loops;
- ``options``: misspelt options name the closest valid one;
- ``records``: published checkpoints and the ``results/*.json`` records;
- ``safe_load``: checkpoints under ``torch.load(weights_only=True)``;
- ``schedules``: the paper's schedule rule.
"""
