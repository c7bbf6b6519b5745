"""Local Sphinx extension of the limitdyn docs: notebooks, figure gallery, public names.

- ``builder-inited``: copy ``notebooks/*.ipynb`` into ``docs/notebooks/`` (rendered by myst-nb
  without execution) and draw every figure of the registry (:func:`limitdyn.figures.available`)
  into ``docs/gallery/`` with a generated ``gallery/index.rst``. Both folders are build output
  (ignored by git). Images are redrawn only when a source file of ``limitdyn`` changed
  (a hash of the package's sources is stored in ``gallery/.stamp``); all figures take about
  20 s on one core.
- ``missing-reference``: a reference to a private path (``limitdyn.numeric._study.Trajectory``,
  as type hints render) or a bare name (``integrate`` in a See Also of a ``limitdyn.gans``
  docstring) resolves to the public name it is documented under, searching the current
  module first, then ``limitdyn`` and its public subpackages. Anything else stays a warning.
"""

from __future__ import annotations

import hashlib
import importlib
import re
import sys
from pathlib import Path
from typing import Any

from sphinx.util.nodes import make_refnode

DOCS = Path(__file__).resolve().parents[1]
ROOT = DOCS.parent
PUBLIC = (
    "limitdyn",
    "limitdyn.particles",
    "limitdyn.gans",
    "limitdyn.spec",
    "limitdyn.sweep",
    "limitdyn.testing",
    "limitdyn.testing.strategies",
    "limitdyn.figures",
    "limitdyn.plotting",
)
#: private paths of other projects as type hints render them, and the short import names
#: (``sp``, ``np``, ``st``) of string annotations -> their documented names
ALIASES = {
    "sp.Symbol": "sympy.core.symbol.Symbol",
    "sp.Expr": "sympy.core.expr.Expr",
    "sp.ImmutableMatrix": "sympy.matrices.immutable.ImmutableDenseMatrix",
    "sp.Matrix": "sympy.matrices.dense.MutableDenseMatrix",
    "sp.Rational": "sympy.core.numbers.Rational",
    "sympy.pretty": "sympy.printing.pretty.pretty.pretty",
    "sympy.cse": "sympy.simplify.cse_main.cse",
    "np.ndarray": "numpy.ndarray",
    "np.random.Generator": "numpy.random.Generator",
    "st.SearchStrategy": "hypothesis.strategies.SearchStrategy",
    "numpy.random._generator.Generator": "numpy.random.Generator",
    "numpy.random.bit_generator.SeedSequence": "numpy.random.SeedSequence",
    "concurrent.futures._base.Executor": "concurrent.futures.Executor",
    "concurrent.futures.process.ProcessPoolExecutor": "concurrent.futures.ProcessPoolExecutor",
}


# ---------------------------------------------------------------- notebooks


def copy_notebooks(source: Path, target: Path) -> list[str]:
    """Mirror ``source/*.ipynb`` into ``target`` (unchanged files are not rewritten)."""
    target.mkdir(exist_ok=True)
    names = sorted(p.name for p in source.glob("*.ipynb"))
    for stale in target.glob("*.ipynb"):
        if stale.name not in names:
            stale.unlink()
    for name in names:
        new = (source / name).read_bytes()
        old = target / name
        if not old.exists() or old.read_bytes() != new:
            old.write_bytes(new)
    return names


# ---------------------------------------------------------------- gallery


def sources_hash() -> str:
    """A hash of every source file of the package: the figures depend on all of it."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "limitdyn").rglob("*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def plain(text: str) -> str:
    """``text`` as literal reStructuredText (inline markup characters escaped)."""
    return re.sub(r"([\\*`|_])", r"\\\1", text)


def figure_source(recipe: Any) -> tuple[str, str]:
    """What a recipe reproduces (its ``source`` and ``equation``, with its ``parameters``)
    and where its code lives."""
    make = recipe.make
    module = make.__module__.replace(".", "/") + ".py"
    source = getattr(recipe, "source", "") or ""
    equation = getattr(recipe, "equation", "") or ""
    parameters = dict(getattr(recipe, "parameters", {}) or {})
    described = ""
    if source or equation:
        described = plain(f"Reproduces {equation or 'a result'} of {source or 'the literature'}.")
    if parameters:
        settings = ", ".join(f"``{k} = {v!r}``" for k, v in parameters.items())
        described += f" Parameters: {settings}."
    return described.strip(), f"``{module}``, function ``{make.__name__}``"


def gallery_rst(recipes: list[Any]) -> str:
    """The gallery page: every recipe with its title, source, command and image."""
    lines = [
        "Figure gallery",
        "==============",
        "",
        "Every figure that ``limitdyn figures`` writes, drawn from the figure registry when",
        "the docs are built (``limitdyn figures --list`` names them;",
        "``limitdyn figures --only NAME`` writes one).",
        "",
    ]
    for recipe in recipes:
        described, where = figure_source(recipe)
        lines += [
            f".. _figure-{recipe.name}:",
            "",
            recipe.name,
            "-" * len(recipe.name),
            "",
            f"**{plain(recipe.title)}**",
            "",
        ]
        if described:
            lines += [described, ""]
        lines += [
            f"Source: {where}. Command: ``limitdyn figures --only {recipe.name}``.",
            "",
            f".. image:: {recipe.name}.png",
            f"   :alt: {recipe.title}",  # an option value: no inline markup
            "   :width: 90%",
            "",
        ]
    return "\n".join(lines)


def build_gallery(target: Path) -> list[str]:
    """Draw every registered figure into ``target`` (cached) and write its index page."""
    import matplotlib

    matplotlib.use("Agg")
    from limitdyn.figures import _registry

    _registry._load()
    recipes = [_registry._REGISTRY[name] for name in sorted(_registry._REGISTRY)]
    target.mkdir(exist_ok=True)
    stamp = target / ".stamp"
    key = sources_hash()
    fresh = stamp.exists() and stamp.read_text() == key
    for recipe in recipes:
        image = target / f"{recipe.name}.png"
        if fresh and image.exists():
            continue
        result = recipe.make()
        result.figure.savefig(image, dpi=72)
    for old in target.glob("*.png"):
        if old.stem not in {r.name for r in recipes}:
            old.unlink()
    stamp.write_text(key)
    page = target / "index.rst"
    text = gallery_rst(recipes)
    if not page.exists() or page.read_text() != text:
        page.write_text(text)
    return [r.name for r in recipes]


def on_builder_inited(app: Any) -> None:
    srcdir = Path(app.srcdir)
    copy_notebooks(ROOT / "notebooks", srcdir / "notebooks")
    build_gallery(srcdir / "gallery")


# ---------------------------------------------------------------- references


def public_candidates(target: str, module: str | None) -> list[str]:
    """Public names a private or bare reference ``target`` may mean, best first."""
    name = target.rsplit(".", 1)[-1]
    if target.startswith("limitdyn."):
        public = ".".join(p for p in target.split(".") if not p.startswith("_"))
        heads = [public.rsplit(".", 1)[0]] if "." in public else []
    elif "." in target:
        return []
    else:
        heads = []
    if module:
        heads.append(module)
    heads += list(PUBLIC)
    seen: list[str] = []
    for head in heads:
        candidate = f"{head}.{name}"
        if candidate != target and candidate not in seen:
            seen.append(candidate)
    return seen


def on_missing_reference(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    outside = ALIASES.get(target) or (target.split("[")[0] if "[" in target else None)
    if outside:
        from sphinx.ext.intersphinx import missing_reference

        node = node.deepcopy()
        node["reftarget"] = outside
        return missing_reference(app, env, node, contnode)
    domain = env.get_domain("py")
    objects = domain.objects
    chain = _owner_chain(node)
    candidates = inherited_candidates(target, chain) + public_candidates(
        target, node.get("py:module")
    )
    for candidate in candidates:
        if candidate in objects:
            entry = objects[candidate]
            return make_refnode(
                app.builder, node["refdoc"], entry.docname, entry.node_id, contnode, candidate
            )
    if not target.startswith("limitdyn.") and defined_in(target, chain or _package_modules()):
        return contnode  # a private helper of the docstring's own module: shown as code
    return None


def _docstring_path(node: Any) -> list[Any]:
    """The objects along the dotted path of the docstring holding ``node``
    (its source reads ``...:docstring of limitdyn.numeric._study.Trajectory.plot``)."""
    source = node.source or (node.parent.source if node.parent is not None else None) or ""
    found = re.search(r"docstring of (\S+)", source)
    if not found:
        return []
    parts = found.group(1).split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        path = [obj]
        for attr in parts[cut:]:
            obj = getattr(obj, attr, None)
            if obj is None:
                break
            path.append(obj)
        return path
    return []


def _owner_chain(node: Any) -> list[Any]:
    """The docstring's object, the classes and functions on its path and their modules."""
    chain: list[Any] = []
    for obj in reversed(_docstring_path(node)):
        chain.append(obj)
        module = getattr(obj, "__module__", None)
        if isinstance(obj, type) or callable(obj):
            if isinstance(module, str) and module in sys.modules:
                chain.append(sys.modules[module])
    return chain


def _package_modules() -> list[Any]:
    """limitdyn's loaded modules and the classes they define (for a bare name in an
    autosummary line, which has no docstring source)."""
    found: list[Any] = []
    for name, module in list(sys.modules.items()):
        if not name.startswith("limitdyn") or module is None:
            continue
        found.append(module)
        found += [
            obj
            for obj in vars(module).values()
            if isinstance(obj, type) and getattr(obj, "__module__", None) == name
        ]
    return found


def _has(obj: Any, name: str) -> bool:
    return (
        hasattr(obj, name)
        or name in getattr(obj, "__annotations__", {})
        or name in getattr(obj, "__dataclass_fields__", {})
    )


def inherited_candidates(target: str, chain: list[Any]) -> list[str]:
    """``Base.name`` under a public path, for a bare method or attribute of a class."""
    if "." in target:
        return []
    found: list[str] = []
    for obj in chain:
        if isinstance(obj, type) and _has(obj, target):
            for base in obj.__mro__:
                if target in vars(base):
                    found += [f"{head}.{base.__name__}.{target}" for head in PUBLIC]
    return found


def defined_in(target: str, owners: list[Any]) -> bool:
    """Whether ``target`` (``name`` or ``Class.attr``) names something of one of ``owners``:
    a private constant, helper or attribute that the reference does not document."""
    first, *rest = target.split(".")
    for owner in owners:
        if not _has(owner, first):
            continue
        obj = getattr(owner, first, None)
        if all(_has(obj, attr) for attr in rest[:1]) or not rest:
            return True
    return False


#: split summaries at sentence ends outside ``literals`` (autosummary's own pattern splits
#: ``H + tau H_1 + ... + tau**k H_k`` inside the literal and then warns about it)
OUTSIDE_LITERALS = re.compile(r"\.(?:\s+)(?=(?:[^`]*``[^`]*``)*[^`]*$)")


def setup(app: Any) -> dict[str, Any]:
    from sphinx.ext import autosummary

    autosummary.periods_re = OUTSIDE_LITERALS
    app.connect("builder-inited", on_builder_inited)
    app.connect("missing-reference", on_missing_reference, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
