"""Every notebook in notebooks/ runs top to bottom (they only call the public API), and the
quickstart shows the rich displays: a scheme's update rule in LaTeX, a study as HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))


def _execute(path: Path) -> Any:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    return notebook


def _outputs(notebook: Any) -> list[Any]:
    return [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    ]


_RUNS: dict[Path, Any] = {}


def _run(path: Path) -> Any:
    if path not in _RUNS:
        _RUNS[path] = _execute(path)
    return _RUNS[path]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path: Path) -> None:
    errors = [o for o in _outputs(_run(path)) if o.get("output_type") == "error"]
    assert not errors


def test_quickstart_shows_rich_reprs() -> None:
    notebook = _run(Path(__file__).parents[1] / "notebooks" / "quickstart.ipynb")
    shown = [
        o.get("data", {}) for o in _outputs(notebook) if o.get("output_type") == "execute_result"
    ]
    latex = [d["text/latex"] for d in shown if "text/latex" in d]
    # the toy GAN as the text describes it: critic first, the generator sees y_{n+1}
    assert (
        r"$\begin{aligned}y_{n+1} &= y_{n} + \tau \left(x_{n} - x_{r}\right) \\ "
        r"x_{n+1} &= x_{n} - \tau y_{n+1}\end{aligned}$"
    ) in latex
    assert r"$\begin{aligned}\dot{y} &= x - x_{r} \\ \dot{x} &= - y\end{aligned}$" in latex
    html = [d["text/html"] for d in shown if "text/html" in d]
    assert any("<table" in h and "tau" in h for h in html), "the convergence study's table"
    warnings = [
        o
        for o in _outputs(notebook)
        if o.get("name") == "stderr" and "Warning" in o.get("text", "")
    ]
    assert not warnings
