"""What runs leave for readers, one file format a module:

- ``curves``: a run's learning curve (``curve.jsonl``) and the curve's
  state inside a checkpoint;
- ``results``: the published record ``results/<config>.json`` (one typed
  structure) and the published weights-only checkpoint.
"""
