"""Drawing keypoints and their skeleton on detections (``tools/test.py
--show-dir`` / ``--show``, mmdet's ``DetVisualizationHook``)."""
from typing import List, Optional

import numpy as np
from mmdet.registry import VISUALIZERS
from mmdet.visualization import DetLocalVisualizer

#: colours (RGB) of the left side, the right side and the middle
LEFT, RIGHT, MIDDLE = (255, 64, 64), (64, 128, 255), (64, 255, 64)


def _side_colours(names) -> List[tuple]:
    return [LEFT if n.startswith('left_') else
            RIGHT if n.startswith('right_') else MIDDLE for n in names]


@VISUALIZERS.register_module()
class KeypointDetLocalVisualizer(DetLocalVisualizer):
    """mmdet's ``DetLocalVisualizer`` that also draws each instance's
    ``keypoints`` (ground truth: x, y, visibility; predictions: x, y,
    score) and the skeleton between them: left-side points red, right-side
    blue, the middle green, so that a left/right mix-up shows at a glance.

    The keypoint names and the skeleton come from the dataset's metainfo
    (``keypoint_names``, ``skeleton`` 1-based, as in COCO's files;
    ``CocoKeypointDataset`` puts them there); instances without
    ``keypoints`` are drawn as mmdet draws them.

    Args:
        kpt_thr (float): Predicted keypoints whose score is at most this
            are not drawn (ground truth: the absent ones, visibility 0).
            Defaults to ``-inf``: every predicted keypoint (COCO's
            evaluation scores all of them).
        kpt_radius (int): Radius of the points in pixels. Defaults to 2.
        name, *args, **kwargs: ``DetLocalVisualizer``'s arguments.
    """

    def __init__(self, name: str = 'visualizer', *args,
                 kpt_thr: float = -float('inf'), kpt_radius: int = 2,
                 **kwargs) -> None:
        # (mmengine's visualizer manager needs ``name`` in the signature)
        super().__init__(name, *args, **kwargs)
        self.kpt_thr = kpt_thr
        self.kpt_radius = kpt_radius

    def _draw_instances(self, image: np.ndarray, instances,
                        classes: Optional[List[str]],
                        palette: Optional[List[tuple]]) -> np.ndarray:
        drawn = super()._draw_instances(image, instances, classes, palette)
        if 'keypoints' not in instances or len(instances) == 0:
            return drawn
        points = instances.keypoints
        points = (points.cpu().numpy() if hasattr(points, 'cpu') else
                  np.asarray(points))
        is_gt = 'scores' not in instances
        self.set_image(drawn)
        names = self.dataset_meta.get('keypoint_names') or [
            str(i) for i in range(points.shape[1])]
        colours = _side_colours(names)
        skeleton = self.dataset_meta.get('skeleton') or []
        shown = [(p[:, 2] > 0) if is_gt else (p[:, 2] > self.kpt_thr)
                 for p in points]
        for person, seen in zip(points, shown):
            for a, b in skeleton:
                a, b = a - 1, b - 1
                if seen[a] and seen[b]:
                    colour = colours[a] if colours[a] == colours[b] else \
                        MIDDLE
                    self.draw_lines(person[[a, b], 0], person[[a, b], 1],
                                    colors=[colour], line_widths=1)
        # the points over the lines (matplotlib puts lines above patches
        # in one drawing)
        self.set_image(self.get_image())
        for person, seen in zip(points, shown):
            if seen.any():
                kinds = [colours[i] for i in np.flatnonzero(seen)]
                self.draw_circles(person[seen, :2],
                                  np.full(int(seen.sum()), self.kpt_radius),
                                  edge_colors=kinds, face_colors=kinds,
                                  alpha=1.0)
        return self.get_image()
