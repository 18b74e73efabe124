"""The paper's schedule rule, in one place (paper §4).

``Nx`` is ``N * 90k`` iterations at batch 16 and the learning rate drops
x0.1 at ``total - 60k`` and ``total - 20k``, whatever the length. At another
batch size every iteration count scales by ``16 / batch`` (the lr by
``batch / 16``), as Detectron2's 9x at batch 64 does. The schedule files in
``configs/_base_/schedules/iter-{N}x.py`` spell the rule out as arithmetic;
the tests check them against this function.
"""
from typing import List, Tuple

ITERS_PER_X = 90000
BASE_BATCH = 16


def paper_schedule(num_x: float,
                   batch_size: int = BASE_BATCH,
                   iters_per_x: int = ITERS_PER_X) -> Tuple[int, List[int]]:
    """Return ``(max_iters, milestones)`` of an ``Nx`` schedule.

    Args:
        num_x (float): Length in units of 1x, e.g. 6 for 6x.
        batch_size (int): Total batch size. Defaults to 16.
        iters_per_x (int): Iterations of 1x at batch 16. Defaults to 90k.

    Returns:
        tuple[int, list[int]]: total iterations and the two lr drops.
    """
    if num_x <= 0 or batch_size <= 0 or iters_per_x <= 0:
        raise ValueError('num_x, batch_size and iters_per_x must be > 0, got '
                         f'{num_x}, {batch_size}, {iters_per_x}')
    scale = BASE_BATCH / batch_size
    total = round(num_x * iters_per_x * scale)
    drops = [total - round(iters_per_x * 2 / 3 * scale),
             total - round(iters_per_x * 2 / 9 * scale)]
    if drops[0] <= 0:
        raise ValueError(f'{num_x}x is too short for the paper rule: the '
                         f'first lr drop would be at iteration {drops[0]}')
    return total, drops
