"""Old name of :mod:`mmrethink.schedules` (mmrethink 0.2), kept so that
downstream configs with ``from mmrethink.utils.schedules import ...`` still
resolve; import :mod:`mmrethink.schedules` instead."""
import warnings

from ..schedules import *  # noqa: F401,F403

warnings.warn(
    'mmrethink.utils.schedules is now mmrethink.schedules; change the '
    'import (the old name will be removed)', DeprecationWarning,
    stacklevel=2)
