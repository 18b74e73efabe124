"""Generic helpers, about no part of training in particular:

- ``options``: misspelt options name the closest valid one.

(``mmrethink.utils.schedules`` is the old name of
:mod:`mmrethink.schedules`, kept for configs that import it.)
"""
