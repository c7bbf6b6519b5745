"""The Sphinx site in docs/: the API reference covers every public name, the local
intersphinx inventories are current, the gallery lists every figure, the guide pages'
examples run, and (slow) the whole site builds nitpicky with warnings as errors."""

from __future__ import annotations

import doctest
import importlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[1] / "docs"
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(DOCS / "_inv"))

import build_inventories  # noqa: E402
import limitdyn_docs  # noqa: E402

#: public subpackages whose ``__all__`` the reference must cover (symbolic/ and numeric/ are
#: layers whose public names ``limitdyn`` re-exports)
SUBPACKAGES = (
    "particles",
    "gans",
    "spec",
    "sweep",
    "testing",
    "testing.strategies",
    "figures",
    "plotting",
)
#: names of ``limitdyn.__all__`` that are not API objects: the version and the subpackages
#: (each has its own section)
NOT_OBJECTS = {"__version__", "errors", "particles", "sweep"}
#: the guide: one page per capability of the issue (docs/index.rst links them)
GUIDE = (
    "getting_started",
    "guide/schemes",
    "guide/modified",
    "guide/invariants",
    "stability",
    "guide/gans",
    "metric_flows",
    "guide/sgd",
    "guide/convergence",
    "guide/particles",
    "scheme_files",
    "sweeps",
    "guide/property_testing",
    "theory",
    "references",
    "architecture",
    "gallery/index",
    "notebooks",
    "api",
)


def public_names() -> set[str]:
    import limitdyn

    names = {n for n in limitdyn.__all__ if n not in NOT_OBJECTS}
    for sub in SUBPACKAGES:
        module = importlib.import_module(f"limitdyn.{sub}")
        names |= {f"{sub}.{n}" for n in module.__all__}
    # the errors that limitdyn does not re-export are documented as errors.NAME
    names |= {f"errors.{n}" for n in limitdyn.errors.__all__ if n not in limitdyn.__all__}
    return names


def documented_names() -> set[str]:
    """The entries of every autosummary list in docs/api.rst."""
    names: set[str] = set()
    text = (DOCS / "api.rst").read_text()
    for block in re.split(r"\n(?=\.\. )", text):
        if block.startswith(".. autosummary::"):
            names |= set(re.findall(r"^ {3}([A-Za-z_][\w.]*)[ \t]*$", block, re.M))
    return names


def test_api_reference_covers_every_public_name() -> None:
    missing = sorted(public_names() - documented_names())
    assert not missing, f"public names missing from docs/api.rst: {missing}"


def test_api_reference_lists_only_public_names() -> None:
    extra = sorted(documented_names() - public_names())
    assert not extra, f"docs/api.rst documents names that no __all__ exports: {extra}"


def toctree_entries(page: str) -> set[str]:
    """The documents that the toctrees of docs/``page``.rst list, relative to docs/."""
    folder = Path(page).parent
    entries: set[str] = set()
    for block in re.split(r"\n(?=\.\. )", (DOCS / f"{page}.rst").read_text()):
        if block.startswith(".. toctree::"):
            for entry in re.findall(r"^ {3}([\w./-]+)[ \t]*$", block, re.M):
                entries.add(str(Path(os.path.normpath(folder / entry))))
    return entries


def test_every_guide_page_is_in_the_toctree() -> None:
    listed = toctree_entries("index") | toctree_entries("guide/index")
    for page in GUIDE:
        assert (DOCS / f"{page}.rst").exists() or page == "gallery/index", f"docs/{page}.rst"
        assert page in listed, f"{page} is in no toctree of docs/index.rst or docs/guide/index.rst"


def test_theory_page_states_the_corrections() -> None:
    """The three corrections of /work/shared/REFERENCES.md: Turinici's eq. (1) sign,
    Delgadino's Q = [-c, c]^(K+2) (printed 1+L+1), the toy GAN's conserved quantity."""
    text = (DOCS / "theory.rst").read_text()
    assert "saddle" in text and "center" in text
    assert "[-c, c]^{K+2}" in text and "1 + L + 1" in text
    assert r"\cosh\theta + \frac{\omega^2}{2\gamma}" in text


def test_local_inventories_are_current() -> None:
    """docs/_inv/*.inv are exactly what build_inventories.py writes (regenerate with
    ``python docs/_inv/build_inventories.py``), and every target points into its project's
    real documentation."""
    from sphinx.util.inventory import InventoryFile

    for project, (base, targets) in build_inventories.PROJECTS.items():
        path = DOCS / "_inv" / f"{project}.inv"
        assert path.read_bytes() == build_inventories.inventory_bytes(project), project
        with path.open("rb") as stream:
            inventory = InventoryFile.load(stream, base, lambda b, u: f"{b}/{u}")
        data = getattr(inventory, "data", inventory)  # Sphinx >= 8.2 wraps the mapping
        found = {name for entries in data.values() for name in entries}
        assert found == {name for _, name, _ in targets}, project
        for entries in data.values():
            for item in entries.values():
                uri = item.uri if hasattr(item, "uri") else item[2]
                assert uri.startswith(base + "/"), (project, uri)


def test_gallery_page_lists_every_figure() -> None:
    from limitdyn.figures import _registry

    _registry._load()
    recipes = [_registry._REGISTRY[n] for n in sorted(_registry._REGISTRY)]
    text = limitdyn_docs.gallery_rst(recipes)
    assert len(recipes) >= 14
    for recipe in recipes:
        assert f"\n{recipe.name}\n{'-' * len(recipe.name)}\n" in text
        assert f"**{limitdyn_docs.plain(recipe.title)}**" in text
        for said in (recipe.source, recipe.equation):  # what MANIFEST.md states, on the page
            assert limitdyn_docs.plain(said) in text, (recipe.name, said)
        assert f".. image:: {recipe.name}.png" in text
        assert f"limitdyn figures --only {recipe.name}" in text


def test_private_references_resolve_to_public_names() -> None:
    candidates = limitdyn_docs.public_candidates
    assert (
        candidates("limitdyn.numeric._study.Trajectory", None)[0] == "limitdyn.numeric.Trajectory"
    )
    assert "limitdyn.Trajectory" in candidates("limitdyn.numeric._study.Trajectory", None)
    assert candidates("integrate", "limitdyn.gans")[:2] == [
        "limitdyn.gans.integrate",
        "limitdyn.integrate",
    ]
    assert candidates("numpy.ndarray", None) == []


@pytest.mark.parametrize(
    "page", [p for p in GUIDE if p.startswith(("guide/", "getting_started", "theory"))]
)
def test_guide_examples_run(page: str) -> None:
    """The ``>>>`` examples of the guide pages are doctests."""
    result = doctest.testfile(
        str(DOCS / f"{page}.rst"),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        raise_on_error=False,
        verbose=False,
    )
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {page}"


@pytest.mark.slow
def test_site_builds_nitpicky_without_warnings(tmp_path: Path) -> None:
    sphinx = shutil.which("sphinx-build", path=str(Path(sys.executable).parent))
    if sphinx is None:
        pytest.skip("sphinx is not installed (the docs extra)")
    run = subprocess.run(
        [sphinx, "-q", "-n", "-W", "--keep-going", "-b", "html", str(DOCS), str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-4000:]
