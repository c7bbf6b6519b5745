"""The ``limitdyn`` command line: a thin layer over the public API."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__
from .errors import LimitdynError


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="limitdyn",
        description="The small-step limit of discrete training dynamics.",
    )
    parser.add_argument("--version", action="version", version=f"limitdyn {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback when something fails"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    figures = commands.add_parser("figures", help="write the reproduced figures (PNG and PDF)")
    figures.add_argument("--out", default="figures", help="output directory (default: figures)")
    figures.add_argument(
        "--only", action="append", metavar="NAME", help="write only this figure (repeatable)"
    )
    figures.add_argument("--list", action="store_true", help="list the figure names and exit")
    figures.add_argument(
        "--format",
        action="append",
        dest="formats",
        metavar="FMT",
        help="file format (repeatable; default: png and pdf)",
    )
    return parser


def _figures(args: argparse.Namespace) -> int:
    from .figures import available, write_figures

    if args.list:
        for name, title in available().items():
            sys.stdout.write(f"{name:32s} {title}\n")
        return 0
    written = write_figures(args.out, only=args.only, formats=args.formats or ("png", "pdf"))
    for path in written:
        sys.stdout.write(f"{path}\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``limitdyn`` command; returns the exit status."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        if args.command == "figures":
            return _figures(args)
    except (LimitdynError, OSError) as exc:
        if args.debug:
            raise
        sys.stderr.write(f"limitdyn: error: {exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("limitdyn: interrupted\n")
        return 130
    parser.error(f"unknown command {args.command!r}")
    return 2  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
