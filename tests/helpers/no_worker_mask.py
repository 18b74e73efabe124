"""An ablation for the pre-emption tests: imported by a config
(``custom_imports``), it empties the set of signals that data loader
workers are created immune to, so that a group SIGTERM reaches them as it
would without mmrethink's pre-emption."""
import mmrethink.runner.preemption as preemption

preemption.WORKER_BLOCKED = frozenset()
