from .keypoint_visualizer import KeypointDetLocalVisualizer

__all__ = ['KeypointDetLocalVisualizer']
