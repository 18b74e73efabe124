"""Unknown options of our modules fail with the valid ones listed."""
import difflib
import functools
import inspect
from typing import List


def accepted_options(cls: type) -> List[str]:
    """Keyword arguments ``cls(...)`` accepts, following ``**kwargs`` up
    the base classes until an ``__init__`` without them."""
    names: List[str] = []
    for klass in cls.__mro__:
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        params = inspect.signature(init).parameters.values()
        names += [p.name for p in params if p.name != 'self' and p.kind in (
            p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in names]
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            break
    return names


def strict_options(cls: type) -> type:
    """Class decorator: a keyword ``cls`` does not take raises a
    ``TypeError`` that names it, suggests the closest valid one and lists
    them all (Python's own error names only the unknown one).

    Example:
        >>> CurveHook(intervall=5)
        TypeError: CurveHook: unknown option 'intervall'; did you mean
        'dense_interval'? Options: monitor, filename, ...
    """
    init = cls.__init__

    @functools.wraps(init)
    def checked_init(self, *args, **kwargs):
        options = accepted_options(type(self))
        unknown = [k for k in kwargs if k not in options]
        if unknown:
            hints = []
            for key in unknown:
                close = difflib.get_close_matches(key, options, n=1)
                hints.append(f'{key!r}' + (f' (did you mean {close[0]!r}?)'
                                           if close else ''))
            raise TypeError(
                f'{type(self).__name__}: unknown option '
                f'{", ".join(hints)}. Options: {", ".join(options)}')
        init(self, *args, **kwargs)

    cls.__init__ = checked_init
    return cls
