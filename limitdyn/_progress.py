"""Progress bars: widgets in Jupyter, text on a terminal, quiet in scripts and CI.

The rule of every ``progress=`` option of the package:

- ``progress=None`` (the default): a bar in a Jupyter kernel or when stderr is a
  terminal, none otherwise (pipes, CI logs, files);
- ``progress=True`` / ``False``: always / never;
- the environment variable ``TQDM_DISABLE`` (any value but ``""``, ``0``, ``false``,
  ``no``, ``off``) turns every bar off, even one asked for.

In a kernel the bar is a widget (:mod:`tqdm.notebook`) when ipywidgets >= 8 is
installed (the ``notebook`` extra), else the text bar, without tqdm's warning about
the missing widgets.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from .errors import InputError, OptionalDependencyError

T = TypeVar("T")

__all__ = ["in_notebook", "progress_bar", "progress_enabled"]

_OFF = ("", "0", "false", "no", "off")


def in_notebook() -> bool:
    """Whether the code runs in a Jupyter kernel (IPython with a kernel attached).

    Looks at what is already imported and imports nothing: ``ipykernel`` must be in
    :data:`sys.modules` and IPython's ``get_ipython()`` must have a ``kernel``.
    """
    if "ipykernel" not in sys.modules:
        return False
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    if get_ipython is None:
        return False
    try:
        shell = get_ipython()
    except Exception:  # a half-initialised IPython is not a kernel
        return False
    return getattr(shell, "kernel", None) is not None


def _disabled_by_env() -> bool:
    return os.environ.get("TQDM_DISABLE", "").strip().lower() not in _OFF


def _stderr_is_terminal() -> bool:
    isatty = getattr(sys.stderr, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except ValueError:  # a closed stream
        return False


def progress_enabled(enabled: bool | None = None) -> bool:
    """Whether a bar shows for ``progress=enabled`` here (the rule of the module docstring).

    Raises
    ------
    InputError
        If ``enabled`` is not True, False or None.

    Examples
    --------
    >>> import os
    >>> progress_enabled(False)
    False
    >>> progress_enabled(True) == (os.environ.get("TQDM_DISABLE", "") in ("", "0"))
    True
    >>> progress_enabled("yes")
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: progress must be True, False or None, got 'yes'
    """
    if enabled is not None and not isinstance(enabled, bool):
        raise InputError(f"progress must be True, False or None, got {enabled!r}")
    if _disabled_by_env():
        return False
    if enabled is None:
        return in_notebook() or _stderr_is_terminal()
    return enabled


def _bar_class() -> Any:
    """:class:`tqdm.notebook.tqdm` in a kernel with ipywidgets, else :class:`tqdm.std.tqdm`."""
    if in_notebook():
        from ._optional import import_optional

        try:
            import_optional("ipywidgets")
        except OptionalDependencyError:
            pass
        else:
            from tqdm import TqdmWarning

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", TqdmWarning)
                from tqdm.notebook import tqdm as notebook_tqdm
            return notebook_tqdm
    from tqdm.std import tqdm

    return tqdm


def progress_bar(
    items: Iterable[T], *, desc: str, total: int | None = None, enabled: bool | None = None
) -> Iterator[T]:
    """Iterate over ``items``, with a bar when :func:`progress_enabled` says so.

    Parameters
    ----------
    items : iterable
        What to iterate over.
    desc : str
        The bar's label.
    total : int, optional
        The number of items, when ``items`` has no length.
    enabled : bool or None
        ``progress=`` of the calling function.

    Raises
    ------
    InputError
        If ``enabled`` is not True, False or None (at the call, not at the first item).

    Examples
    --------
    >>> list(progress_bar(range(3), desc="demo", enabled=False))
    [0, 1, 2]
    """
    if not progress_enabled(enabled):
        return iter(items)
    return _closing(_bar_class()(items, desc=desc, total=total, leave=False))


def _closing(bar: Any) -> Iterator[Any]:
    """Iterate over a tqdm bar and close it however the loop ends."""
    try:
        yield from bar
    finally:
        bar.close()
