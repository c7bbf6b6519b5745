"""The one cache root of limitdyn and its verified entries.

Everything limitdyn keeps between processes lives under one directory, the *cache root*:
``$LIMITDYN_CACHE_DIR`` when set, else the platform's user cache directory
(``$XDG_CACHE_HOME/limitdyn`` or ``~/.cache/limitdyn`` on Linux, ``~/Library/Caches/limitdyn``
on macOS, ``%LOCALAPPDATA%\\limitdyn\\Cache`` on Windows). It holds

- ``generated-v<N>/``: the modules generated for schemes and ODEs (``numeric/_compile.py``);
- ``numba/``: numba's on-disk cache of every limitdyn function jitted by
  :func:`cached_njit` (particle kernels, numeric kernels, generated loops);
- ``.limitdyn-cache``: the marker that makes ``limitdyn cache clear`` accept the directory.

Each numba cache file gets a checksum beside it (``<file>.sha256``) when numba saves it; the
checksum is checked before numba reads the file, and a file that does not match it (or has
none) is deleted, so the function is compiled and saved again instead of loaded. Saves and
loads of one function hold a file lock, so two processes never interleave an index with
another's data. A root deleted while running is created again; a root that cannot be used
gives one :class:`~limitdyn.errors.CacheWarning`, and a private temporary root, removed at
exit, takes its place for the rest of the process.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import os
import re
import shutil
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import CacheWarning, InputError

__all__ = [
    "ENV",
    "MARKER",
    "Entry",
    "atomic_write",
    "cached_njit",
    "clear",
    "configured_root",
    "entries",
    "is_cache_root",
    "report_unusable",
    "root",
    "subdir",
    "verify",
    "write_checksum",
]

#: the environment variable naming the cache root
ENV = "LIMITDYN_CACHE_DIR"
#: the file that marks a directory as a limitdyn cache root
MARKER = ".limitdyn-cache"
_MARKER_TEXT = "This directory is a limitdyn cache root; `limitdyn cache clear` empties it.\n"
#: the names of the entries limitdyn writes under a root (all that `clear` removes)
_ENTRY = re.compile(r"generated-v\d+|numba")
_CHECKSUM = ".sha256"
_PACKAGE = Path(__file__).resolve().parent

_lock = threading.Lock()
_usable: dict[Path, Path] = {}  # configured root -> the root in use (itself or a fallback)
_warned = False


def default_root() -> Path:
    """The platform's user cache directory for limitdyn."""
    home = Path.home()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(home / "AppData" / "Local")
        return Path(base) / "limitdyn" / "Cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "limitdyn"
    return Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "limitdyn"


def configured_root() -> Path:
    """The root asked for (``$LIMITDYN_CACHE_DIR`` or the default); nothing is created.

    Examples
    --------
    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"LIMITDYN_CACHE_DIR": "/tmp/ld-doc"}):
    ...     configured_root().as_posix()
    '/tmp/ld-doc'
    """
    configured = os.environ.get(ENV)
    return Path(configured).expanduser() if configured else default_root()


def root() -> Path:
    """The cache root in use, created (again, if it was deleted) and marked.

    The first call checks that the root can be written; when it cannot, one
    :class:`~limitdyn.errors.CacheWarning` is given and a private temporary root, removed at
    exit, is used instead for as long as the configured root stays the same.
    """
    configured = configured_root()
    with _lock:
        current = _usable.get(configured)
        try:
            _prepare(configured if current is None else current, probe=current is None)
        except OSError as exc:
            current = _fallback(configured, exc)
        else:
            current = configured if current is None else current
        _usable[configured] = current
        return current


def subdir(name: str) -> Path:
    """The entry ``name`` of the cache root, created if missing."""
    for _ in range(2):
        path = root() / name
        try:
            path.mkdir(parents=True, exist_ok=True)
            return path
        except OSError as exc:
            report_unusable(exc)
    return path  # pragma: no cover - the fallback root could not be written either


def report_unusable(exc: OSError) -> None:
    """Move to a private temporary root: writing under the current one failed with ``exc``."""
    configured = configured_root()
    with _lock:
        _usable[configured] = _fallback(configured, exc)


def _prepare(path: Path, *, probe: bool) -> None:
    path.mkdir(parents=True, exist_ok=True)
    if probe:
        tempfile.TemporaryFile(dir=path).close()
    marker = path / MARKER
    if not marker.exists() and all(_is_entry(child.name) for child in path.iterdir()):
        # only a directory holding nothing but limitdyn's entries becomes a marked root
        atomic_write(marker, _MARKER_TEXT.encode())


def _fallback(configured: Path, exc: OSError) -> Path:
    global _warned
    private = Path(tempfile.mkdtemp(prefix="limitdyn-cache-"))
    atexit.register(shutil.rmtree, private, ignore_errors=True)
    atomic_write(private / MARKER, _MARKER_TEXT.encode())
    if not _warned:
        _warned = True
        reason = exc.strerror or str(exc)
        warnings.warn(
            f"limitdyn cache root {configured} cannot be used ({reason}); "
            f"caching in {private} until the process exits (set {ENV} to a writable directory)",
            CacheWarning,
            stacklevel=3,
        )
    return private


def _is_entry(name: str) -> bool:
    return name == MARKER or _ENTRY.fullmatch(name) is not None


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data`` in one rename: readers see the old file or the new one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# -- verified files ----------------------------------------------------------------------


def _digest(path: str | os.PathLike[str]) -> bytes:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest().encode()


def write_checksum(path: str | os.PathLike[str]) -> None:
    """Write the sha256 of the file ``path`` beside it, as ``<path>.sha256``."""
    atomic_write(Path(f"{os.fspath(path)}{_CHECKSUM}"), _digest(path))


def verify(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` may be read: missing, or matching its checksum.

    A file that does not match its checksum, or has none, is deleted with its checksum.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "entry.nbc"
    >>> _ = f.write_bytes(b"compiled code")
    >>> write_checksum(f); verify(f)
    True
    >>> _ = f.write_bytes(b"compiled cod")  # truncated
    >>> verify(f), f.exists()
    (False, False)
    """
    checksum = f"{os.fspath(path)}{_CHECKSUM}"
    try:
        with open(checksum, "rb") as handle:
            expected = handle.read()
        if _digest(path) == expected:
            return True
    except FileNotFoundError:
        if not os.path.exists(path):
            return True
    except OSError:
        pass
    for stale in (path, checksum):
        with contextlib.suppress(OSError):
            os.unlink(stale)
    return False


@contextlib.contextmanager
def _file_lock(path: str, *, exclusive: bool) -> Iterator[None]:
    """An advisory lock on ``path`` (POSIX ``flock``); no lock where that is unavailable."""
    try:
        import fcntl

        os.makedirs(os.path.dirname(path), exist_ok=True)
        handle = open(path, "a+b")  # closed below, which releases the lock
    except (ImportError, OSError):
        yield
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        handle.close()  # releases the lock


# -- numba -------------------------------------------------------------------------------


def cached_njit(func: Callable[..., Any], **options: Any) -> Any:
    """``numba.njit(func, **options)`` with a verified on-disk cache under the cache root.

    This replaces ``cache=True``: limitdyn's functions (and generated modules) cache in
    ``<root>/numba/``, every cache file is checked against its checksum before numba reads
    it, and a damaged entry is compiled again. Other files keep numba's own locations.
    """
    import numba

    options.pop("cache", None)
    dispatcher = numba.njit(**options)(func)
    dispatcher._cache = _verified_cache_class()(dispatcher.py_func)
    return dispatcher


def _ours(py_file: str) -> bool:
    path = Path(py_file).resolve()
    return path.name.startswith("limitdyn_generated_") or _PACKAGE in path.parents


@functools.lru_cache(maxsize=1)
def _verified_cache_class() -> type:
    """numba's ``FunctionCache`` with the root locator and checksummed files (numba >= 0.58)."""
    from numba.core import caching

    class RootLocator(caching._SourceFileBackedLocatorMixin, caching._CacheLocator):
        """limitdyn's files cache under ``<root>/numba/``, keyed by their directory."""

        def __init__(self, py_func: Any, py_file: str):
            self._py_file = py_file
            self._lineno = py_func.__code__.co_firstlineno
            subpath = self.get_suitable_cache_subpath(py_file)
            self._cache_path = str(root() / "numba" / subpath)

        def get_cache_path(self) -> str:
            return self._cache_path

        def ensure_cache_path(self) -> None:
            root()  # a root deleted while running is created and marked again
            super().ensure_cache_path()

        @classmethod
        def from_function(cls, py_func: Any, py_file: str) -> Any:
            if not (os.path.exists(py_file) and _ours(py_file)):
                return None
            for _ in range(2):
                locator = cls(py_func, py_file)
                try:
                    locator.ensure_cache_path()
                    return locator
                except OSError as exc:
                    report_unusable(exc)
            return None

    class Impl(caching.CompileResultCacheImpl):
        _locator_classes = [  # noqa: RUF012 - numba's own (mutable) class attribute
            RootLocator,
            *caching.CompileResultCacheImpl._locator_classes,
        ]

    class VerifiedFile(caching.IndexDataCacheFile):
        """Checksums written after each save and checked before each read."""

        def _load_index(self) -> Any:
            return super()._load_index() if verify(self._index_path) else {}

        def _save_index(self, overloads: Any) -> None:
            super()._save_index(overloads)
            write_checksum(self._index_path)

        def _load_data(self, name: str) -> Any:
            path = self._data_path(name)
            if not verify(path):
                raise FileNotFoundError(path)  # numba treats it as a missing entry
            return super()._load_data(name)

        def _save_data(self, name: str, data: Any) -> None:
            super()._save_data(name, data)
            write_checksum(self._data_path(name))

    class VerifiedCache(caching.FunctionCache):
        _impl_class = Impl

        def __init__(self, py_func: Any):
            super().__init__(py_func)
            base = self._impl.filename_base
            self._cache_file = VerifiedFile(
                cache_path=self._cache_path,
                filename_base=base,
                source_stamp=self._impl.locator.get_source_stamp(),
            )
            self._lock_path = os.path.join(self._cache_path, f"{base}.lock")

        def load_overload(self, sig: Any, target_context: Any) -> Any:
            with _file_lock(self._lock_path, exclusive=False):
                try:
                    return super().load_overload(sig, target_context)
                except Exception:  # an entry numba cannot read: compile instead
                    return None

        def save_overload(self, sig: Any, data: Any) -> None:
            with _file_lock(self._lock_path, exclusive=True):
                try:
                    super().save_overload(sig, data)
                except OSError:  # the cache is only an accelerator
                    pass

    return VerifiedCache


# -- inspecting and clearing -------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One entry of a cache root: its name, number of files and size in bytes."""

    name: str
    files: int
    size: int


def is_cache_root(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` carries the limitdyn cache marker."""
    return (Path(path) / MARKER).is_file()


def entries(path: str | os.PathLike[str]) -> list[Entry]:
    """limitdyn's entries under the root ``path`` (none if it does not exist), by name."""
    directory = Path(path)
    if not directory.is_dir():
        return []
    found = []
    for child in sorted(directory.iterdir()):
        if child.is_dir() and _ENTRY.fullmatch(child.name):
            files = [f for f in child.rglob("*") if f.is_file()]
            found.append(Entry(child.name, len(files), sum(f.stat().st_size for f in files)))
    return found


def clear(path: str | os.PathLike[str]) -> list[Entry]:
    """Remove limitdyn's entries under the cache root ``path``; returns what was removed.

    Raises
    ------
    InputError
        If ``path`` exists but is not a limitdyn cache root (it has no marker file), so
        that a mistaken ``LIMITDYN_CACHE_DIR`` cannot empty an unrelated directory.
    """
    directory = Path(path)
    if not directory.exists():
        return []
    if not is_cache_root(directory):
        raise InputError(
            f"{directory} is not a limitdyn cache root (no {MARKER} file in it); not clearing it"
        )
    removed = entries(directory)
    for entry in removed:
        shutil.rmtree(directory / entry.name, ignore_errors=True)
    return removed
