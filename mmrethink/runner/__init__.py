"""The train loop and what it runs: resumes that skip the trained batches
and stay exact, pre-emption, the ranks' agreement per iteration."""
from .agreement import IterationAgreement
from .batch_stream import BatchStream, SeededIndex, SeededSamples
from .loops import ResumableIterBasedTrainLoop
from .preemption import PREEMPTED_EXIT_CODE, STOP_SIGNALS, Preemption

__all__ = [
    'ResumableIterBasedTrainLoop', 'BatchStream', 'SeededIndex',
    'SeededSamples', 'IterationAgreement', 'Preemption',
    'PREEMPTED_EXIT_CODE', 'STOP_SIGNALS'
]
