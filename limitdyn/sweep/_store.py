"""The on-disk store of a sweep: one checksummed record per finished point, written atomically.

Layout of a store directory::

    store/
      SWEEP_STORE            marker (a directory that lacks it and is not empty is refused)
      results/<key>.json     the record of one point (the commit point of its result)
      results/<key>-<h>.npz  its arrays, named by a prefix of their own SHA-256
      claims/<key>.claim     "a driver is computing this point" (created with O_EXCL)

Crash safety. Every file is written to a temporary name in its final directory, flushed,
``fsync``-ed, then moved into place (``os.link`` when the name must not exist yet, so that
of two writers exactly one wins; ``os.replace`` over a record found corrupt), and the
directory is ``fsync``-ed. A record carries the SHA-256 of its own canonical JSON and the
SHA-256 of its npz file: a truncated, partial or altered file fails the check and its point
counts as not done (it is computed again and the record replaced). Arrays are written
before the record that names them, under a name derived from their content, so a valid
record never names a missing or half-written npz.

Two drivers on one store. A driver computes a point only after creating its claim file
with ``O_CREAT | O_EXCL`` (atomic on local file systems and NFSv3+); it re-reads the record
after claiming (another driver may have just finished it), writes the result, then removes
the claim. A claim names its host, process id and driver, and its owner refreshes its
modification time while it runs; a claim whose process is gone (same host) or that has not
been refreshed for ``stale_after`` seconds (any host) is broken by renaming it away, which
only one driver can do.

Keys. :func:`point_key` hashes the canonical JSON of the function's qualified name, its
version, the digest of any arguments bound by :func:`functools.partial`, the point and the
point's seed (entropy and spawn key of its :class:`numpy.random.SeedSequence`): identical
points with different seeds never share a key.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import io
import json
import os
import pickle
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError

__all__ = ["Store", "canonical", "canonical_json", "function_identity", "point_key"]

MARKER = "SWEEP_STORE"
#: bump when the record layout changes (old records then fail the check and are recomputed)
FORMAT = 1


def canonical(value: Any, where: str = "value") -> Any:
    """``value`` as plain JSON data: numpy scalars to Python, tuples to lists, dicts checked.

    Accepted: None, bool, int, float, str, and lists, tuples and str-keyed dicts of them.

    Raises
    ------
    InputError
        For anything else, naming ``where``.

    Examples
    --------
    >>> canonical({"lr": np.float64(0.5), "sizes": (4, np.int64(8))})
    {'lr': 0.5, 'sizes': [4, 8]}
    >>> canonical({"f": print}, "point 0")
    Traceback (most recent call last):
    ...
    limitdyn.errors.InputError: point 0['f'] must be None, a bool, int, float, str or a \
list or dict of them, got builtin_function_or_method
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [canonical(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise InputError(f"{where} has a key {k!r} that is not a str")
            out[k] = canonical(v, f"{where}[{k!r}]")
        return out
    raise InputError(
        f"{where} must be None, a bool, int, float, str or a list or dict of them, "
        f"got {type(value).__name__}"
    )


def structure(value: Any) -> Any:
    """JSON data that determines ``value``: what bound arguments contribute to a key.

    Plain data as :func:`canonical`; SymPy objects by ``srepr``; dataclasses (schemes,
    targets, models) by class and fields; arrays by dtype, shape and the SHA-256 of their
    bytes; functions and classes by qualified name; anything else by its pickle's SHA-256.
    Cached properties are not fields, so a computed cache does not change the digest.

    Examples
    --------
    >>> import sympy
    >>> structure([sympy.Rational(1, 3), np.zeros(2)])[0]
    ['sympy', 'Rational(1, 3)']
    """
    if value is None or isinstance(value, (bool, str, int, float, np.bool_, np.number)):
        return canonical(value)
    if isinstance(value, (list, tuple)):
        return [structure(v) for v in value]
    if isinstance(value, Mapping):
        items = [[structure(k), structure(v)] for k, v in value.items()]
        return ["mapping", sorted(items, key=canonical_json)]
    if isinstance(value, (set, frozenset)):
        return ["set", sorted((structure(v) for v in value), key=canonical_json)]
    if type(value).__module__.partition(".")[0] == "sympy":
        import sympy

        return ["sympy", sympy.srepr(value)]
    if isinstance(value, np.ndarray):
        data = np.ascontiguousarray(value)
        return ["array", str(data.dtype), list(data.shape), _sha256(data.tobytes())]
    if isinstance(value, np.dtype):
        return ["dtype", str(value)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: structure(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return ["dataclass", f"{type(value).__module__}.{type(value).__qualname__}", fields]
    if callable(value) and hasattr(value, "__qualname__"):
        return ["callable", f"{getattr(value, '__module__', '')}.{value.__qualname__}"]
    try:
        return ["pickle", _sha256(pickle.dumps(value, protocol=4))]
    except Exception as exc:
        raise InputError(f"cannot digest a bound argument of type {type(value).__name__}") from exc


def canonical_json(value: Any) -> str:
    """The one JSON text of canonical data: sorted keys, no spaces, floats by ``repr``.

    Examples
    --------
    >>> canonical_json({"b": [1, 2.5], "a": None})
    '{"a":null,"b":[1,2.5]}'
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=True)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def function_identity(fn: Callable[..., Any], version: Any = None) -> dict[str, Any]:
    """What of ``fn`` enters the keys: qualified name, version, digest of bound arguments.

    ``fn`` is a module-level function, or a :func:`functools.partial` of one whose bound
    arguments are digested by :func:`structure` (a digest that differs between two
    environments only makes points be computed again; it never shares a result between
    different arguments). The version is ``version``, else ``fn.__version__``, else ``"0"``.

    Raises
    ------
    InputError
        For a lambda or a function defined inside another one (no stable name, and worker
        processes cannot import it).

    Examples
    --------
    >>> function_identity(canonical_json)["name"]
    'limitdyn.sweep._store.canonical_json'
    """
    bound = ""
    inner = fn
    if isinstance(fn, functools.partial):
        inner = fn.func
        bound = _sha256(canonical_json(structure([list(fn.args), dict(fn.keywords)])).encode())
    qualname = getattr(inner, "__qualname__", None)
    module = getattr(inner, "__module__", None)
    if not callable(inner) or not qualname or not module:
        raise InputError(f"fn must be a module-level function, got {fn!r}")
    if "<lambda>" in qualname or "<locals>" in qualname:
        raise InputError(
            f"fn must be a module-level function (stable name, importable by workers), "
            f"got {module}.{qualname}"
        )
    if version is None:
        version = getattr(inner, "__version__", "0")
    return {"name": f"{module}.{qualname}", "version": str(version), "bound": bound}


def point_key(identity: Mapping[str, Any], point: Mapping[str, Any], seed: Any) -> str:
    """The stable key of one point: SHA-256 of the canonical JSON of all that defines it.

    ``seed`` is the point's :class:`numpy.random.SeedSequence`.

    Examples
    --------
    >>> ident = {"name": "m.f", "version": "1", "bound": ""}
    >>> a, b = np.random.SeedSequence(0).spawn(2)
    >>> point_key(ident, {"n": 1}, a) == point_key(ident, {"n": 1}, a)
    True
    >>> point_key(ident, {"n": 1}, a) == point_key(ident, {"n": 1}, b)
    False
    """
    body = {
        "format": FORMAT,
        "fn": dict(identity),
        "point": canonical(point, "point"),
        "seed": _seed_identity(seed),
    }
    return _sha256(canonical_json(body).encode())


def _seed_identity(seed: Any) -> dict[str, Any]:
    entropy = seed.entropy
    return {
        "entropy": [int(e) for e in entropy] if isinstance(entropy, (list, tuple)) else entropy,
        "spawn_key": [int(k) for k in seed.spawn_key],
    }


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # directories cannot be opened on some platforms
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_temp(directory: Path, data: bytes) -> Path:
    """``data`` in a new temporary file of ``directory``, flushed and fsync-ed."""
    tmp = directory / f".tmp-{uuid.uuid4().hex}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    return tmp


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


@dataclass(frozen=True)
class Record:
    """A verified record of one point (what :meth:`Store.load` returns)."""

    key: str
    data: dict[str, Any]
    arrays_path: Path | None

    @property
    def status(self) -> str:
        return str(self.data["status"])


class Store:
    """A sweep store rooted at ``path`` (created with its marker when missing or empty).

    Parameters
    ----------
    path : str or Path
    stale_after : float
        Seconds after which a claim not refreshed by its owner is taken to be abandoned.

    Raises
    ------
    InputError
        If ``path`` is a file, or a non-empty directory that is not a sweep store.

    Examples
    --------
    >>> import tempfile
    >>> store = Store(tempfile.mkdtemp())
    >>> seq = np.random.SeedSequence(0)
    >>> store.write("k1", {"status": "done", "scalars": {"x": 1.5}}, {"y": np.arange(3)})
    True
    >>> record = store.load("k1")
    >>> record.status, record.data["scalars"], store.load_arrays(record)["y"].tolist()
    ('done', {'x': 1.5}, [0, 1, 2])
    >>> store.load("missing") is None
    True
    """

    def __init__(self, path: str | os.PathLike[str], *, stale_after: float = 600.0) -> None:
        root = Path(path)
        if root.exists() and not root.is_dir():
            raise InputError(f"store {str(root)!r} is a file, not a directory")
        # one listing, not exists() then iterdir(): a driver creating the store writes the
        # marker before anything else, so any listing with entries but no marker is foreign
        entries = set(os.listdir(root)) if root.is_dir() else set()
        if entries and MARKER not in entries:
            raise InputError(
                f"store {str(root)!r} is a non-empty directory that is not a sweep store "
                f"(no {MARKER} file); give a new or empty directory"
            )
        if not (isinstance(stale_after, (int, float)) and stale_after > 0):
            raise InputError(f"stale_after must be a positive number, got {stale_after!r}")
        self.root = root
        self.results = root / "results"
        self.claims = root / "claims"
        self.stale_after = float(stale_after)
        self.owner = {"host": socket.gethostname(), "pid": os.getpid(), "id": uuid.uuid4().hex}
        # the marker first, then the folders: a second driver opening the same new store
        # at the same moment must never see folders without the marker
        root.mkdir(parents=True, exist_ok=True)
        marker = root / MARKER
        if not marker.exists():
            with contextlib.suppress(FileExistsError):
                fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                os.write(fd, f"limitdyn sweep store, format {FORMAT}\n".encode())
                os.close(fd)
        for d in (self.results, self.claims):
            d.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"Store({str(self.root)!r})"

    # records -----------------------------------------------------------------------------

    def _record_path(self, key: str) -> Path:
        return self.results / f"{key}.json"

    def load(self, key: str, *, check_arrays: bool = True) -> Record | None:
        """The verified record of ``key``, or None when missing, partial or corrupt.

        Examples
        --------
        >>> import tempfile
        >>> import numpy as np
        >>> from limitdyn.sweep import Store
        >>> store = Store(tempfile.mkdtemp())
        >>> store.write("k1", {"status": "done", "scalars": {"x": 1.5}})
        True
        >>> store.load("k1").data["scalars"], store.load("nothing") is None
        ({'x': 1.5}, True)
        >>> path = store.results / "k1.json"
        >>> # changed behind the checksum
        >>> _ = path.write_text(path.read_text().replace("1.5", "2.5"))
        >>> store.load("k1") is None
        True
        """
        try:
            raw = self._record_path(key).read_bytes()
        except FileNotFoundError:
            return None
        try:
            outer = json.loads(raw)
            data = outer["record"]
            ok = outer["checksum"] == _sha256(canonical_json(data).encode())
            ok = ok and data.get("key") == key and data.get("format") == FORMAT
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        if not ok:
            return None
        arrays = data.get("arrays")
        path = None
        if arrays:
            path = self.results / arrays["file"]
            if check_arrays and not self._file_ok(path, arrays["sha256"]):
                return None
        return Record(key, data, path)

    @staticmethod
    def _file_ok(path: Path, digest: str) -> bool:
        try:
            return _sha256(path.read_bytes()) == digest
        except OSError:
            return False

    def load_arrays(self, record: Record) -> dict[str, np.ndarray]:
        """The arrays of ``record`` (checked against their checksum again, as they are read).

        Raises
        ------
        InputError
            If the npz file is missing or changed since the record was written.

        Examples
        --------
        >>> import tempfile
        >>> import numpy as np
        >>> from limitdyn.sweep import Store
        >>> store = Store(tempfile.mkdtemp())
        >>> store.write("k1", {"status": "done"}, {"y": np.arange(3.0)})
        True
        >>> store.load_arrays(store.load("k1"))["y"].tolist()
        [0.0, 1.0, 2.0]
        """
        if record.arrays_path is None:
            return {}
        data = record.arrays_path.read_bytes() if record.arrays_path.exists() else b""
        if _sha256(data) != record.data["arrays"]["sha256"]:
            raise InputError(
                f"arrays of point {record.data.get('index')} ({record.arrays_path}) are "
                "missing or corrupt; rerun the sweep to recompute it"
            )
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}

    def write(
        self, key: str, data: Mapping[str, Any], arrays: Mapping[str, np.ndarray] | None = None
    ) -> bool:
        """Write the record of ``key`` (and its arrays) atomically.

        A record of a failed point, or one found partial or corrupt, is replaced. Returns
        False (and writes nothing) when a valid record of a finished point exists already:
        another driver finished it first.

        Examples
        --------
        >>> import tempfile
        >>> import numpy as np
        >>> from limitdyn.sweep import Store
        >>> store = Store(tempfile.mkdtemp())
        >>> store.write("k1", {"status": "failed", "error": "boom"})
        True
        >>> store.write("k1", {"status": "done"})  # a failed point is replaced
        True
        >>> # a finished one is kept: another driver got there first
        >>> store.write("k1", {"status": "done"})
        False
        >>> store.load("k1").status
        'done'
        """
        body = dict(data, key=key, format=FORMAT)
        body["arrays"] = None
        if arrays:
            buffer = io.BytesIO()
            np.savez(buffer, **{k: np.asarray(v) for k, v in arrays.items()})  # type: ignore[arg-type]
            blob = buffer.getvalue()
            digest = _sha256(blob)
            name = f"{key}-{digest[:16]}.npz"
            target = self.results / name
            if not self._file_ok(target, digest):
                tmp = _write_temp(self.results, blob)
                os.replace(tmp, target)
            body["arrays"] = {"file": name, "sha256": digest, "names": sorted(arrays)}
        body = canonical(body, "record")
        text = canonical_json({"checksum": _sha256(canonical_json(body).encode()), "record": body})
        final = self._record_path(key)
        tmp = _write_temp(self.results, text.encode())
        try:
            try:
                os.link(tmp, final)
            except FileExistsError:
                existing = self.load(key)
                if existing is not None and existing.status == "done":
                    return False
                os.replace(tmp, final)  # the one there failed, or is partial or corrupt
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        _fsync_dir(self.results)
        return True

    # claims ------------------------------------------------------------------------------

    def _claim_path(self, key: str) -> Path:
        return self.claims / f"{key}.claim"

    def claim(self, key: str) -> bool:
        """Claim ``key`` for this driver; False when another live driver holds it.

        Examples
        --------
        >>> import tempfile
        >>> import numpy as np
        >>> from limitdyn.sweep import Store
        >>> store = Store(tempfile.mkdtemp())
        >>> other = Store(store.root)  # a second driver on the same store
        >>> store.claim("k1"), other.claim("k1"), other.is_claimed("k1")
        (True, False, True)
        >>> store.release("k1")
        >>> other.claim("k1")
        True
        """
        path = self._claim_path(key)
        payload = json.dumps(dict(self.owner, time=time.time())).encode()
        for _ in range(3):
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                if not self._break_if_stale(path):
                    return False
                continue
            try:
                os.write(fd, payload)
                os.fsync(fd)
            finally:
                os.close(fd)
            return True
        return False

    def _read_claim(self, path: Path) -> dict[str, Any] | None:
        try:
            out = json.loads(path.read_bytes())
            return out if isinstance(out, dict) else {}
        except FileNotFoundError:
            return None
        except ValueError:
            return {}  # being written, or torn by a crash

    def _stale(self, path: Path, owner: dict[str, Any]) -> bool:
        try:
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError:
            return False
        if owner.get("host") == self.owner["host"] and isinstance(owner.get("pid"), int):
            if owner.get("id") == self.owner["id"]:
                return False
            if not _pid_alive(owner["pid"]):
                return True
        return age > self.stale_after

    def _break_if_stale(self, path: Path) -> bool:
        """Remove an abandoned claim; True when it is gone (by us or its owner)."""
        owner = self._read_claim(path)
        if owner is None:
            return True
        if not self._stale(path, owner):
            return False
        aside = path.with_name(f"{path.name}.stale-{uuid.uuid4().hex}")
        try:
            os.rename(path, aside)  # of several breakers, one moves it
        except FileNotFoundError:
            return True
        if self._read_claim(aside) != owner:  # a fresh claim slipped in: put it back
            with contextlib.suppress(FileExistsError, FileNotFoundError):
                os.link(aside, path)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(aside)
        return True

    def is_claimed(self, key: str) -> bool:
        """Whether a live claim (another driver's, or ours) holds ``key``.

        Examples
        --------
        >>> import tempfile
        >>> import numpy as np
        >>> from limitdyn.sweep import Store
        >>> store = Store(tempfile.mkdtemp())
        >>> store.is_claimed("k1"), store.claim("k1"), store.is_claimed("k1")
        (False, True, True)
        """
        path = self._claim_path(key)
        owner = self._read_claim(path)
        return owner is not None and not self._stale(path, owner)

    def release(self, key: str) -> None:
        """Remove our claim of ``key`` (nothing when it is not ours).

        Examples
        --------
        >>> import tempfile
        >>> import numpy as np
        >>> from limitdyn.sweep import Store
        >>> store = Store(tempfile.mkdtemp())
        >>> other = Store(store.root)
        >>> store.claim("k1")
        True
        >>> other.release("k1")  # not its claim: nothing happens
        >>> store.is_claimed("k1")
        True
        >>> store.release("k1")
        >>> store.is_claimed("k1")
        False
        """
        path = self._claim_path(key)
        owner = self._read_claim(path)
        if owner is not None and owner.get("id") == self.owner["id"]:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)

    def refresh(self, keys: Any) -> None:
        """Touch our claims of ``keys``, so that other drivers see us alive.

        Examples
        --------
        >>> import tempfile
        >>> import numpy as np
        >>> from limitdyn.sweep import Store
        >>> store = Store(tempfile.mkdtemp())
        >>> import os, time
        >>> store.claim("k1")
        True
        >>> (path,) = store.claims.iterdir()
        >>> # an hour without a sign of life
        >>> os.utime(path, (time.time() - 3600, time.time() - 3600))
        >>> store.refresh(["k1"])
        >>> time.time() - path.stat().st_mtime < 60
        True
        """
        now = time.time()
        for key in keys:
            with contextlib.suppress(FileNotFoundError):
                os.utime(self._claim_path(key), (now, now))
