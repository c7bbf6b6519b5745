"""Progress bars (limitdyn/_progress.py): when they show, and which bar.

A terminal and a Jupyter kernel are faked: ``sys.stderr.isatty`` is patched, and a kernel
is ``ipykernel`` in ``sys.modules`` plus an ``IPython.get_ipython()`` with a ``kernel``.
"""

from __future__ import annotations

import io
import sys
import types
import warnings
from typing import Any

import pytest

from limitdyn import _progress
from limitdyn._progress import in_notebook, progress_bar, progress_enabled
from limitdyn.errors import InputError


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.fixture
def script(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A script: no kernel, no TQDM_DISABLE (stderr is set in each test with ``_stderr``,
    since pytest's capture replaces it between a fixture and the test)."""
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    return monkeypatch


def _stderr(monkeypatch: pytest.MonkeyPatch, *, tty: bool = False) -> _Stream:
    stream = _Stream(tty=tty)
    monkeypatch.setattr(sys, "stderr", stream)
    return stream


def _terminal(monkeypatch: pytest.MonkeyPatch) -> _Stream:
    return _stderr(monkeypatch, tty=True)


def _kernel(monkeypatch: pytest.MonkeyPatch, *, shell: Any = "kernel") -> None:
    if shell == "kernel":
        shell = types.SimpleNamespace(kernel=object())
    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: shell  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    monkeypatch.setitem(sys.modules, "IPython", fake)


def test_default_is_quiet_in_a_script(script: pytest.MonkeyPatch) -> None:
    _stderr(script)
    assert not in_notebook()
    assert progress_enabled(None) is False


def test_default_shows_on_a_terminal(script: pytest.MonkeyPatch) -> None:
    _terminal(script)
    assert progress_enabled(None) is True


def test_default_shows_in_a_kernel(script: pytest.MonkeyPatch) -> None:
    """The defect: bars showed only when stderr was a terminal, never in Jupyter."""
    _kernel(script)
    assert in_notebook()
    assert progress_enabled(None) is True


@pytest.mark.parametrize("shell", [None, types.SimpleNamespace()])
def test_ipython_without_a_kernel_is_not_a_notebook(
    script: pytest.MonkeyPatch, shell: object
) -> None:
    """ipykernel imported, but the shell is absent or a terminal IPython (no ``kernel``)."""
    _stderr(script)
    _kernel(script, shell=shell)
    assert not in_notebook()
    assert progress_enabled(None) is False


def test_ipykernel_alone_is_not_a_notebook(script: pytest.MonkeyPatch) -> None:
    script.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    script.setitem(sys.modules, "IPython", types.ModuleType("IPython"))  # no get_ipython
    assert not in_notebook()


def test_explicit_choice_wins_over_the_context(script: pytest.MonkeyPatch) -> None:
    assert progress_enabled(True) is True
    _terminal(script)
    _kernel(script)
    assert progress_enabled(False) is False


@pytest.mark.parametrize("value", ["1", "True", "yes"])
def test_tqdm_disable_turns_off_even_an_asked_bar(script: pytest.MonkeyPatch, value: str) -> None:
    script.setenv("TQDM_DISABLE", value)
    err = _terminal(script)
    _kernel(script)
    assert progress_enabled(None) is False
    assert progress_enabled(True) is False
    assert list(progress_bar(range(3), desc="quiet", enabled=True)) == [0, 1, 2]
    assert err.getvalue() == ""


@pytest.mark.parametrize("value", ["", "0", "false"])
def test_tqdm_disable_off_values(script: pytest.MonkeyPatch, value: str) -> None:
    script.setenv("TQDM_DISABLE", value)
    assert progress_enabled(True) is True


@pytest.mark.parametrize("bad", ["yes", 1, 0.0])
def test_progress_must_be_a_bool_or_none(script: pytest.MonkeyPatch, bad: object) -> None:
    with pytest.raises(InputError, match=f"progress must be True, False or None, got {bad!r}"):
        progress_enabled(bad)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="progress must be"):
        progress_bar(range(2), desc="x", enabled=bad)  # type: ignore[arg-type]


def test_asked_bar_in_a_script_is_the_text_bar(script: pytest.MonkeyPatch) -> None:
    err = _stderr(script)
    assert list(progress_bar(range(4), desc="demo", enabled=True)) == [0, 1, 2, 3]
    assert "demo:" in err.getvalue() and "/4 [" in err.getvalue()


def test_quiet_bar_writes_nothing(script: pytest.MonkeyPatch) -> None:
    err = _stderr(script)
    assert list(progress_bar(iter([5, 6]), desc="demo")) == [5, 6]
    assert err.getvalue() == ""


def test_kernel_with_ipywidgets_gets_the_widget(script: pytest.MonkeyPatch) -> None:
    pytest.importorskip("ipywidgets")
    from tqdm.notebook import tqdm as notebook_tqdm  # imported before IPython is faked

    _kernel(script)
    assert _progress._bar_class() is notebook_tqdm


def test_kernel_without_ipywidgets_falls_back_quietly(script: pytest.MonkeyPatch) -> None:
    """No TqdmWarning ("IProgress not found") when the notebook extra is missing."""
    from tqdm.std import tqdm as text_tqdm

    err = _stderr(script)
    _kernel(script)
    script.setitem(sys.modules, "ipywidgets", None)  # import ipywidgets -> ImportError
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _progress._bar_class() is text_tqdm
        assert list(progress_bar(range(3), desc="fallback", enabled=True)) == [0, 1, 2]
    assert "fallback" in err.getvalue()


def test_outside_a_kernel_the_bar_is_text(script: pytest.MonkeyPatch) -> None:
    from tqdm.std import tqdm as text_tqdm

    _terminal(script)
    assert _progress._bar_class() is text_tqdm


def test_bar_closes_when_the_loop_stops_early(script: pytest.MonkeyPatch) -> None:
    err = _stderr(script)
    bar = progress_bar(range(10), desc="early", enabled=True)
    for i in bar:
        if i == 2:
            break
    shown = err.getvalue()
    assert "early:" in shown
    bar.close()  # type: ignore[attr-defined]
    # closing a leave=False bar clears its line
    cleared = err.getvalue()[len(shown) :]
    assert cleared.strip() == "" and cleared.endswith("\r")
