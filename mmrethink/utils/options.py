"""A misspelt option of our modules names the closest valid one."""
import difflib
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


def check_options(obj: object, unknown: dict) -> None:
    """Refuse the keyword arguments an ``__init__`` collected in
    ``**unknown``, naming the closest valid option of each.

    Our hooks and samplers end their ``__init__`` signature with
    ``**unknown`` and call this first, so that a config's typo fails with
    a suggestion (Python's own error names only the unknown keyword)::

        CurveHook(monitr='coco/segm_mAP')
        TypeError: CurveHook: unknown option 'monitr' (did you mean
        'monitor'?). Options: monitor, filename

    Raises:
        TypeError: if ``unknown`` is not empty.
    """
    if not unknown:
        return
    options = [o for o in accepted_options(type(obj)) if o != 'unknown']
    hints = []
    for key in unknown:
        close = difflib.get_close_matches(key, options, n=1)
        hints.append(f'{key!r}' + (f' (did you mean {close[0]!r}?)'
                                   if close else ''))
    raise TypeError(f'{type(obj).__name__}: unknown option '
                    f'{", ".join(hints)}. Options: {", ".join(options)}')
