"""The ``limitdyn`` command line: a thin layer over the public API.

Every failure is one line on stderr and a non-zero status (the traceback only with
``--debug``): 2 for a bad command line (checked before anything is computed), 1 for an
error while working, 130 for Ctrl-C and 143 for SIGTERM (temporary files removed first).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import NoReturn

from . import __version__, _cli_sweep
from ._cli_analyze import COMMANDS as _FILE_COMMANDS
from ._cli_analyze import add_commands as _add_file_commands
from .errors import InputError, LimitdynError

#: exit status of a bad command line (argparse's)
USAGE = 2


class _Terminated(BaseException):
    """SIGTERM, raised where the process is so that ``finally`` blocks clean up."""


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line: ``limitdyn: error: ...``, status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="limitdyn",
        description="The small-step limit of discrete training dynamics.",
    )
    parser.add_argument("--version", action="version", version=f"limitdyn {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback when something fails"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    figures = commands.add_parser(
        "figures",
        help="write the reproduced figures (PNG and PDF)",
        epilog="example:\n  limitdyn figures --out figs --only dual-flow-oscillation --data\n"
        "  limitdyn figures --out figs --manifest",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    figures.add_argument("--out", default="figures", help="output directory (default: figures)")
    figures.add_argument(
        "--only", action="append", metavar="NAME", help="write only this figure (repeatable)"
    )
    figures.add_argument("--list", action="store_true", help="list the figure names and exit")
    figures.add_argument(
        "--data",
        action="store_true",
        help="also write the arrays behind each figure (NAME.npz and NAME.csv)",
    )
    figures.add_argument(
        "--manifest",
        action="store_true",
        help="also write MANIFEST.md: each figure's source, the equation or figure it "
        "reproduces, its command and parameters",
    )
    figures.add_argument(
        "--format",
        action="append",
        dest="formats",
        metavar="FMT",
        help="file format (repeatable; default: png and pdf)",
    )
    figures.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="one line per figure on stderr (default: only when stderr is a terminal)",
    )
    cache = commands.add_parser("cache", help="inspect or empty the on-disk cache")
    actions = cache.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("info", help="print the cache root, its entries and their sizes")
    actions.add_parser("clear", help="remove every entry of the cache root")
    _add_file_commands(commands)
    _cli_sweep.add_parser(commands)
    return parser


def _figures(args: argparse.Namespace) -> int:
    from ._progress import progress_enabled
    from .figures import available, check_formats, write_figures, write_manifest

    if args.list:
        for name, title in available().items():
            sys.stdout.write(f"{name:32s} {title}\n")
        return 0
    # every option is checked before the first figure is computed
    try:
        if not args.out:
            raise InputError("--out is empty; give a directory ('.' for the current one)")
        formats = check_formats(args.formats or ("png", "pdf"))
        names = available()
        unknown = [name for name in args.only or () if name not in names]
        if unknown:
            raise InputError(f"unknown figure {unknown[0]!r}; valid names: {', '.join(names)}")
        progress = progress_enabled(args.progress)
    except InputError as exc:
        if args.debug:
            raise
        return _usage_error(str(exc))
    todo = list(args.only) if args.only else list(names)
    start = time.perf_counter()
    written: list[Path] = []

    def report(path: Path) -> None:  # each path as soon as its file is complete
        sys.stdout.write(f"{path}\n")
        sys.stdout.flush()
        written.append(path)

    for index, name in enumerate(todo, 1):
        if progress:
            sys.stderr.write(f"limitdyn: figure {index}/{len(todo)}: {name}\n")
            sys.stderr.flush()
        write_figures(
            args.out,
            only=[name],
            formats=formats,
            progress=False,
            on_written=report,
            data=args.data,
        )
    if args.manifest:
        report(write_manifest(args.out, only=todo, formats=formats))
    if progress:
        seconds = time.perf_counter() - start
        sys.stderr.write(f"limitdyn: wrote {len(written)} files in {seconds:.1f} s\n")
    return 0


def _cache(args: argparse.Namespace) -> int:
    from . import _cachedir

    root = _cachedir.configured_root()
    if args.action == "clear":
        removed = _cachedir.clear(root)
        files = sum(entry.files for entry in removed)
        size = sum(entry.size for entry in removed)
        sys.stdout.write(f"removed {files} files ({_size(size)}) from {root}\n")
        return 0
    where = f"${_cachedir.ENV}" if os.environ.get(_cachedir.ENV) else "default"
    state = ""
    if not root.exists():
        state = ", not created yet"
    elif not _cachedir.is_cache_root(root):
        state = f", not a limitdyn cache root: no {_cachedir.MARKER}"
    sys.stdout.write(f"root: {root} ({where}{state})\n")
    found = _cachedir.entries(root)
    for entry in found:
        sys.stdout.write(f"  {entry.name:16s} {entry.files:6d} files {_size(entry.size):>10s}\n")
    total = sum(entry.size for entry in found)
    files = sum(entry.files for entry in found)
    sys.stdout.write(f"  {'total':16s} {files:6d} files {_size(total):>10s}\n")
    return 0


def _size(n: int) -> str:
    """``n`` bytes for people: ``"512 B"``, ``"3.1 MiB"``."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def _usage_error(message: str) -> int:
    sys.stderr.write(f"limitdyn: error: {message}\n")
    return USAGE


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not interrupt cleanup
    raise _Terminated


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    """While inside, SIGTERM raises :class:`_Terminated` (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``limitdyn`` command; returns the exit status."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    commands = {"figures": _figures, "cache": _cache, **_FILE_COMMANDS, "sweep": _cli_sweep.run}
    try:
        with _sigterm_raises():
            return commands[args.command](args)
    except _Terminated:
        sys.stderr.write("limitdyn: terminated\n")
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        sys.stderr.write("limitdyn: interrupted\n")
        return 130
    except (LimitdynError, OSError) as exc:
        if args.debug:
            raise
        sys.stderr.write(f"limitdyn: error: {exc}\n")
        return 1
    except Exception as exc:
        if args.debug:
            raise
        sys.stderr.write(
            f"limitdyn: error: {type(exc).__name__}: {exc} (--debug shows the traceback)\n"
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
