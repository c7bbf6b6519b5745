"""``limitdyn sweep CONFIG.toml --local N | --scheduler tcp://host:port``.

The configuration file (TOML)::

    function = "limitdyn.sweep:wgan_point"   # module:function, imported (never evaluated)
    store = "wgan-store"                      # relative to the file's directory
    seed = 0                                  # optional
    retries = 2                               # optional
    version = "1"                             # optional: the function's version

    [fixed]                                   # optional: the same at every point
    steps = 200

    [grid]                                    # a Cartesian grid ...
    n_generator = [16, 64]
    lr = [0.1, 0.05]

    # ... or explicit points instead of [grid]:
    # [[points]]
    # n_generator = 16

The summary (and a table of failed points) goes to stdout; the status is 1 when a point
failed, 2 for a bad command line or configuration.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Any

from .errors import InputError, SpecError

__all__ = ["add_parser", "load_config", "run"]

_KEYS = {"function", "store", "seed", "retries", "version", "fixed", "grid", "points"}


def add_parser(commands: Any) -> None:
    """Add the ``sweep`` subcommand to ``commands`` (an argparse subparsers object)."""
    parser = commands.add_parser("sweep", help="run a parameter sweep from a TOML file")
    parser.add_argument("config", metavar="CONFIG.toml", help="the sweep's configuration")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--local", type=int, metavar="N", help="N local worker processes (default: CPU count)"
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="a dask.distributed scheduler, e.g. tcp://host:8786 (the sweep extra)",
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: only when stderr is a terminal)",
    )


def _toml() -> Any:
    from ._optional import toml_module

    return toml_module()


def _resolve(name: Any, file: str) -> Any:
    if not isinstance(name, str) or name.count(":") != 1:
        raise SpecError(f"function must be 'module:name', got {name!r}", file=file)
    module_name, _, attr = name.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise SpecError(
            f"function {name!r}: cannot import {module_name!r}: {exc}", file=file
        ) from None
    for part in attr.split("."):
        if not part.isidentifier() or not hasattr(obj, part):
            raise SpecError(f"function {name!r}: {module_name} has no {attr!r}", file=file)
        obj = getattr(obj, part)
    if not callable(obj):
        raise SpecError(f"function {name!r} is not callable", file=file)
    return obj


def load_config(path: str | Path) -> dict[str, Any]:
    """The checked configuration: ``fn``, ``points`` (with ``fixed`` merged), ``store``,
    ``seed``, ``retries``, ``version``.

    Raises
    ------
    SpecError
        Naming the file, for a missing file, bad TOML, an unknown or missing key.
    """
    file = str(path)
    try:
        text = Path(path).read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read the configuration: {exc.strerror}", file=file) from None
    try:
        data = _toml().loads(text.decode())
    except (ValueError, UnicodeDecodeError) as exc:
        raise SpecError(f"not valid TOML: {exc}", file=file) from None
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise SpecError(
            f"unknown key {unknown[0]!r}; valid keys: {', '.join(sorted(_KEYS))}", file=file
        )
    for key in ("function", "store"):
        if key not in data:
            raise SpecError(f"missing key {key!r}", file=file)
    if ("grid" in data) == ("points" in data):
        raise SpecError("give exactly one of [grid] and [[points]]", file=file)
    fixed = data.get("fixed", {})
    if not isinstance(fixed, dict):
        raise SpecError("fixed must be a table", file=file)
    from .sweep import expand_grid

    try:
        points = expand_grid(data["grid"] if "grid" in data else data["points"])
    except InputError as exc:
        raise SpecError(str(exc), file=file) from None
    clash = sorted(set(fixed) & set(points[0]))
    if clash:
        raise SpecError(f"{clash[0]!r} is both in [fixed] and in the points", file=file)
    store = Path(data["store"])
    if not store.is_absolute():
        store = Path(path).resolve().parent / store
    return {
        "fn": _resolve(data["function"], file),
        "points": [dict(p, **fixed) for p in points],
        "store": store,
        "seed": data.get("seed", 0),
        "retries": data.get("retries", 2),
        "version": data.get("version"),
    }


def run(args: argparse.Namespace) -> int:
    """Run the sweep of ``args.config``; 1 when a point failed, 2 for a bad configuration."""
    from .sweep import sweep

    try:
        if args.local is not None and args.local < 1:
            raise InputError(f"--local takes a positive number of workers, got {args.local}")
        config = load_config(args.config)
    except (InputError, SpecError) as exc:
        if args.debug:
            raise
        sys.stderr.write(f"limitdyn: error: {exc}\n")
        return 2
    client = None
    executor = None
    if args.scheduler is not None:
        from ._optional import import_optional

        distributed = import_optional("distributed")
        client = distributed.Client(args.scheduler)
        executor = client.get_executor(pure=False)
    try:
        result = sweep(
            config["fn"],
            config["points"],
            store=config["store"],
            executor=executor,
            workers=args.local,
            seed=config["seed"],
            retries=config["retries"],
            version=config["version"],
            progress=args.progress,
        )
    finally:
        if client is not None:
            client.close()
    sys.stdout.write(result.summary() + "\n")
    return 0 if result.ok else 1
