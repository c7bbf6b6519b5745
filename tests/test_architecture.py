"""The package's architecture, as docs/architecture.rst states it, checked on the source.

Imports are read from the syntax tree of every module (module level and inside
functions; ``if TYPE_CHECKING:`` blocks are annotations, not imports, and are skipped).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "limitdyn"

#: layer of each top-level part; data flows from low to high layers
LAYERS = {
    "limitdyn.errors": 0,
    "limitdyn._optional": 0,
    "limitdyn._validate": 0,
    "limitdyn._progress": 0,
    "limitdyn._engine": 0,
    "limitdyn._display": 0,
    "limitdyn._cachedir": 0,
    "limitdyn._model_checks": 1,
    "limitdyn._scheme": 1,
    "limitdyn._multistep": 1,
    "limitdyn._ode": 1,
    "limitdyn._latex": 1,
    "limitdyn._stochastic": 1,
    "limitdyn._metric": 1,
    "limitdyn._proximal": 1,
    "limitdyn.symbolic": 2,
    "limitdyn.numeric": 3,
    "limitdyn.particles": 3,
    "limitdyn.gans": 3,
    "limitdyn.spec": 3,  # scheme files: builds model objects, reports symbolic analyses
    "limitdyn.plotting": 4,
    "limitdyn.figures": 5,
    "limitdyn.testing": 5,
    "limitdyn.cli": 5,
    "limitdyn._cli_analyze": 5,
    "limitdyn.sweep": 5,
    "limitdyn._cli_sweep": 5,
    "limitdyn": 5,  # the lazy public facade, used by the top layer
}
MODEL = (
    "limitdyn._model_checks",
    "limitdyn._scheme",
    "limitdyn._multistep",
    "limitdyn._ode",
    "limitdyn._latex",
    "limitdyn._stochastic",
    "limitdyn._metric",
    "limitdyn._proximal",
)
MAX_LINES = 700
#: the performance-specialised kernel module, one file on purpose (see its docstring)
LONG_MODULES = {"limitdyn.particles._kernels"}


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1])


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path) -> list[tuple[str, bool]]:
    """``(module, at_module_level)`` for every import of the file, resolved to a module."""
    out: list[tuple[str, bool]] = []
    pkg = _package(path)

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    visit(sub, top)
                continue
            inner = top and not isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
            )
            if isinstance(child, ast.Import):
                out.extend((a.name, top) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = pkg.split(".")[: len(pkg.split(".")) - child.level + 1]
                    mod = ".".join([*base, *([child.module] if child.module else [])])
                else:
                    mod = child.module or ""
                for a in child.names:
                    cand = f"{mod}.{a.name}"
                    file = ROOT.parent / cand.replace(".", "/")
                    is_module = file.with_suffix(".py").exists() or file.is_dir()
                    out.append((cand if is_module else mod, top))
            visit(child, inner)

    visit(ast.parse(path.read_text()), True)
    return out


MODULES = {_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _resolve(mod: str) -> str | None:
    while mod and mod not in MODULES:
        mod = mod.rpartition(".")[0]
    return mod or None


def _layer(mod: str) -> int:
    best = ""
    for key in LAYERS:
        if (mod == key or mod.startswith(key + ".")) and len(key) > len(best):
            best = key
    return LAYERS[best]


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        deps = {_resolve(m) for m, _ in _imports(path) if m.startswith("limitdyn")}
        graph[name] = {d for d in deps if d is not None and d != name}
    return graph


def test_no_import_cycle() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def dfs(u: str, stack: list[str]) -> None:
        state[u] = 1
        stack.append(u)
        for v in sorted(graph[u]):
            if state.get(v) == 1:
                cycles.append([*stack[stack.index(v) :], v])
            elif v not in state:
                dfs(v, stack)
        stack.pop()
        state[u] = 2

    for m in sorted(graph):
        if m not in state:
            dfs(m, [])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize("module", MODEL)
def test_model_imports_only_sympy_stdlib_and_errors(module: str) -> None:
    """The exact model knows nothing of numerics or analyses."""
    allowed_internal = {"limitdyn.errors", *MODEL}
    for mod, _top in _imports(MODULES[module]):
        root = mod.split(".")[0]
        if root == "limitdyn":
            assert _resolve(mod) in allowed_internal, f"{module} imports {mod}"
        else:
            assert root == "sympy" or root in _STDLIB, f"{module} imports {mod}"


def test_data_flows_one_way() -> None:
    """Module-level imports go to the same or a lower layer; the only upward imports are
    the one-line ``.plot*`` delegates of result types, inside functions, into plotting."""
    bad = []
    for name, path in MODULES.items():
        for mod, top in _imports(path):
            target = _resolve(mod) if mod.startswith("limitdyn") else None
            if target is None or _layer(target) <= _layer(name):
                continue
            if not top and _layer(target) == LAYERS["limitdyn.plotting"]:
                continue
            bad.append(f"{name} imports {target}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_are_short(module: str) -> None:
    lines = MODULES[module].read_text().count("\n")
    limit = 10**6 if module in LONG_MODULES else MAX_LINES
    assert lines <= limit, f"{module} has {lines} lines (limit {MAX_LINES})"


def test_long_kernel_module_says_why() -> None:
    for module in LONG_MODULES:
        doc = ast.get_docstring(ast.parse(MODULES[module].read_text())) or ""
        assert "cache" in doc and "one file" in doc, module


_STDLIB = {
    "__future__",
    "abc",
    "collections",
    "dataclasses",
    "functools",
    "itertools",
    "math",
    "typing",
    "warnings",
}
