"""The train loop: resumes skip the trained batches and stay exact."""
from .batch_stream import BatchStream, SeededIndex, SeededSamples
from .loops import ResumableIterBasedTrainLoop

__all__ = [
    'ResumableIterBasedTrainLoop', 'BatchStream', 'SeededIndex',
    'SeededSamples'
]
