"""The scheme-file commands of ``limitdyn``: ``analyze``, ``converge`` and ``run``.

Each reads a scheme file (``docs/scheme_files.rst``) and calls the public API. A bad
file or option (a :class:`~limitdyn.errors.SpecError` or
:class:`~limitdyn.errors.InputError` found before any work) is one line on stderr and
status 2; ``--debug`` shows the traceback instead. :mod:`limitdyn.cli` registers the
commands (:func:`add_commands`) and runs them (:data:`COMMANDS`).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import InputError, SpecError

__all__ = ["COMMANDS", "add_commands"]

#: exit status of a bad command line or file
USAGE = 2

_ANALYZE_EXAMPLE = """\
example:
  limitdyn analyze limitdyn/examples/turinici_toy_gan_text.toml --order 2 --format markdown
  limitdyn analyze scheme.toml --stability --invariants --format json > analysis.json
"""
_CONVERGE_EXAMPLE = """\
example:
  limitdyn converge limitdyn/examples/heavy_ball.toml --taus 0.02 0.01 0.005 --csv conv.csv
  limitdyn converge scheme.toml --t-end 2 --reference 1 --plot conv.png --json conv.json
"""
_RUN_EXAMPLE = """\
example:
  limitdyn run limitdyn/examples/dirac_gan_alternating.toml --tau 0.05 --steps 400 --csv run.csv
  limitdyn run scheme.toml --tau 0.01 --t-end 5 --plot run.png
"""


def add_commands(commands: Any) -> None:
    """Add ``analyze``, ``converge`` and ``run`` to the subparsers ``commands``."""
    raw = argparse.RawDescriptionHelpFormatter
    analyze = commands.add_parser(
        "analyze",
        help="limit ODE, modified equations, invariants, stability of a scheme file",
        description="Analyse the scheme of a TOML scheme file (see docs/scheme_files.rst).",
        epilog=_ANALYZE_EXAMPLE,
        formatter_class=raw,
    )
    analyze.add_argument("file", metavar="FILE", help="the scheme file (TOML)")
    analyze.add_argument(
        "--order", type=int, default=2, help="order of the modified equation (default: 2)"
    )
    analyze.add_argument(
        "--invariants", action="store_true", help="also the first integrals of the limit"
    )
    analyze.add_argument(
        "--stability",
        action="store_true",
        help="also the equilibria, their linear stability and the largest stable step",
    )
    analyze.add_argument(
        "--format",
        default="text",
        choices=("text", "latex", "json", "markdown"),
        help="output format (default: text; json follows the documented schema)",
    )
    converge = commands.add_parser(
        "converge",
        help="a convergence study of a scheme file's iterates as tau shrinks",
        description="Iterate the scheme of a file for several step sizes and measure the "
        "error against the limit ODE (or a modified equation) on the cumulative learning "
        "rate axis. Defaults come from the file's [run] table.",
        epilog=_CONVERGE_EXAMPLE,
        formatter_class=raw,
    )
    converge.add_argument("file", metavar="FILE", help="the scheme file (TOML)")
    converge.add_argument("--taus", type=float, nargs="+", metavar="TAU", help="step sizes")
    converge.add_argument("--t-end", type=float, help="final cumulative learning rate")
    converge.add_argument(
        "--reference", help="'limit' (default) or the order k of a modified equation"
    )
    converge.add_argument("--norm", choices=("max", "final"), help="error norm (default: max)")
    _numeric_options(converge)
    converge.add_argument("--plot", metavar="PNG", help="write the log-log error plot")
    converge.add_argument("--csv", metavar="CSV", help="write tau, error, local order, status")
    converge.add_argument("--json", metavar="JSON", help="write the study as JSON")
    run = commands.add_parser(
        "run",
        help="iterate a scheme file and write the trajectory",
        description="Iterate the scheme of a file from its initial state. Defaults come "
        "from the file's [run] table.",
        epilog=_RUN_EXAMPLE,
        formatter_class=raw,
    )
    run.add_argument("file", metavar="FILE", help="the scheme file (TOML)")
    run.add_argument("--tau", type=float, help="step size")
    length = run.add_mutually_exclusive_group()
    length.add_argument("--steps", type=int, help="number of steps")
    length.add_argument("--t-end", type=float, help="final cumulative learning rate")
    _numeric_options(run)
    run.add_argument("--csv", metavar="CSV", help="write t and the state at every iterate")
    run.add_argument("--plot", metavar="PNG", help="write the trajectory plot")


def _numeric_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--engine", choices=("auto", "numpy", "numba"), help="where loops run (default: auto)"
    )


def _usage(message: str) -> int:
    sys.stderr.write(f"limitdyn: error: {message}\n")
    return USAGE


def _checked(args: argparse.Namespace, prepare: Callable[[], Any]) -> Any:
    """``prepare()``, with its SpecError/InputError as a usage error (status 2)."""
    try:
        return prepare()
    except (SpecError, InputError) as exc:
        if args.debug:
            raise
        raise _Usage(str(exc)) from None


class _Usage(Exception):
    """A bad file or option: one line, status 2."""


def _load(path: str) -> Any:
    from .spec import load_scheme

    return load_scheme(path)


def _analyze(args: argparse.Namespace) -> int:
    from .spec import analyze

    try:
        spec = _checked(args, lambda: _load(args.file))
        result = _checked(
            args,
            lambda: analyze(
                spec, order=args.order, invariants=args.invariants, stability=args.stability
            ),
        )
    except _Usage as exc:
        return _usage(str(exc))
    sys.stdout.write(result.render(args.format))
    return 0


def _outputs(args: argparse.Namespace, names: tuple[str, ...]) -> None:
    for name in names:
        target = getattr(args, name)
        if target is None:
            continue
        if not target:
            raise InputError(f"--{name} is empty; give a file name")
        parent = Path(target).parent
        if not parent.is_dir():
            raise InputError(f"--{name} {target}: the directory {parent} does not exist")


def _converge(args: argparse.Namespace) -> int:
    from .numeric import convergence_study

    try:

        def prepare() -> dict[str, Any]:
            spec = _load(args.file)
            settings = spec.run
            taus = args.taus or list(settings.taus)
            if not taus:
                raise InputError("no step sizes: give --taus or taus in the file's [run] table")
            t_end = args.t_end if args.t_end is not None else settings.t_end
            if t_end is None:
                raise InputError("no final time: give --t-end or t_end in the file's [run] table")
            reference: str | int = settings.reference
            if args.reference is not None:
                reference = int(args.reference) if args.reference.isdigit() else args.reference
            if isinstance(reference, str) and reference != "limit":
                raise InputError(f"--reference {reference!r}: give 'limit' or an order k")
            _outputs(args, ("plot", "csv", "json"))
            return {
                "scheme": spec.scheme,
                "z0": spec.z0(),
                "t_end": t_end,
                "taus": taus,
                "params": spec.params() or None,
                "reference": reference,
                "norm": args.norm or settings.norm,
                "engine": args.engine or settings.engine,
                "file": spec.file,
            }

        kw = _checked(args, prepare)
    except _Usage as exc:
        return _usage(str(exc))
    file = kw.pop("file")
    scheme, z0 = kw.pop("scheme"), kw.pop("z0")
    study = convergence_study(scheme, z0, progress=None, **kw)
    sys.stdout.write(study.table() + "\n")
    if args.csv:
        _write_csv(
            args.csv,
            ["tau", "error", "local_order", "status"],
            [
                [t, e, "" if i == 0 else study.local_orders[i - 1], s]
                for i, (t, e, s) in enumerate(zip(study.taus, study.errors, study.status))
            ],
        )
    if args.json:
        data = {
            "format": "limitdyn-convergence",
            "version": 1,
            "file": file,
            "reference": study.reference,
            "norm": study.norm,
            "t_end": study.t_end,
            "order": _finite(study.order),
            "order_reason": study.order_reason,
            "levels": [
                {
                    "tau": float(t),
                    "error": _finite(e),
                    "local_order": None if i == 0 else _finite(study.local_orders[i - 1]),
                    "status": str(s),
                }
                for i, (t, e, s) in enumerate(zip(study.taus, study.errors, study.status))
            ],
        }
        Path(args.json).write_text(json.dumps(data, indent=2) + "\n")
    if args.plot:
        _plot(args.plot, study.plot)
    return 0


def _run(args: argparse.Namespace) -> int:
    from .numeric import iterate

    try:

        def prepare() -> dict[str, Any]:
            spec = _load(args.file)
            settings = spec.run
            tau = args.tau if args.tau is not None else settings.tau
            if tau is None:
                raise InputError("no step size: give --tau or tau in the file's [run] table")
            steps, t_end = args.steps, args.t_end
            if steps is None and t_end is None:
                steps, t_end = settings.steps, settings.t_end
                if steps is not None and t_end is not None:
                    t_end = None  # the file gives both: steps win
            if steps is None and t_end is None:
                raise InputError("give --steps N or --t-end T (or one of them in [run])")
            _outputs(args, ("plot", "csv"))
            return {
                "scheme": spec.scheme,
                "z0": spec.z0(),
                "tau": tau,
                "steps": steps,
                "t_end": t_end,
                "params": spec.params() or None,
                "engine": args.engine or settings.engine,
            }

        kw = _checked(args, prepare)
    except _Usage as exc:
        return _usage(str(exc))
    scheme, z0 = kw.pop("scheme"), kw.pop("z0")
    trajectory = iterate(scheme, z0, **kw)
    final = ", ".join(f"{v} = {x:.10g}" for v, x in zip(trajectory.variables, trajectory.final))
    sys.stdout.write(f"{len(trajectory) - 1} steps to t = {trajectory.t[-1]:.10g}: {final}\n")
    if args.csv:
        header = ["t", *(str(v) for v in trajectory.variables)]
        _write_csv(args.csv, header, [[t, *z] for t, z in zip(trajectory.t, trajectory.z)])
    if args.plot:
        _plot(args.plot, trajectory.plot)
    return 0


def _finite(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _write_csv(path: str, header: list[str], rows: list[list[Any]]) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([repr(float(x)) if isinstance(x, float) else x for x in row])


def _plot(path: str, draw: Callable[..., Any]) -> None:
    from ._optional import import_optional

    figure_module = import_optional("matplotlib.figure")
    figure = figure_module.Figure(figsize=(6, 4))
    draw(ax=figure.add_subplot())
    figure.tight_layout()
    figure.savefig(path, dpi=150)


#: the commands, for :func:`limitdyn.cli.main`
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "analyze": _analyze,
    "converge": _converge,
    "run": _run,
}
