"""Reading scheme files: TOML by :mod:`tomllib`, positions, and the check of every key.

:mod:`tomllib` reports positions for syntax errors only, so :class:`Document` also scans
the (already valid) text once to record where each key and each value starts; a
semantic error found later (an unknown key, a wrong type, an undeclared symbol inside an
expression) is then raised as a :class:`~limitdyn.errors.SpecError` carrying the file,
line and column of the piece at fault. Unknown keys are reported with the closest valid
key (:func:`difflib.get_close_matches`).
"""

from __future__ import annotations

import bisect
import difflib
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._optional import toml_module
from ..errors import SpecError

tomllib = toml_module()

__all__ = ["MAX_FILE_BYTES", "Document", "Kind", "check_table", "load", "loads"]

#: largest scheme file read
MAX_FILE_BYTES = 1_000_000

Path_ = tuple[str | int, ...]


def _line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in re.finditer("\n", text))]


class _Scanner:
    """Where each key and value of a valid TOML text starts, by key path.

    Paths are tuples of keys and array indexes, as in the parsed data
    (``("stage", 1, "field", "y")``).
    """

    _BARE = re.compile(r"[A-Za-z0-9_-]+")

    def __init__(self, text: str):
        self.text = text
        self.i = 0
        self.keys: dict[Path_, int] = {}
        self.values: dict[Path_, int] = {}
        self.arrays: dict[Path_, int] = {}
        self._document()

    # -- lexical helpers ---------------------------------------------------------------
    def _peek(self, k: int = 1) -> str:
        return self.text[self.i : self.i + k]

    def _blank(self, newlines: bool) -> None:
        text = self.text
        while self.i < len(text):
            c = text[self.i]
            if c in " \t\r" or (newlines and c == "\n"):
                self.i += 1
            elif c == "#":
                end = text.find("\n", self.i)
                self.i = len(text) if end < 0 else end
            else:
                return

    def _string(self) -> str:
        text, start = self.text, self.i
        for quote in ('"""', "'''"):
            if text.startswith(quote, start):
                j = start + 3
                while True:
                    j = text.index(quote, j)
                    if quote == '"""' and _escaped(text, j):
                        j += 1
                        continue
                    break
                while text.startswith(quote[0], j + 3):  # up to two quotes end the content
                    j += 1
                self.i = j + 3
                return text[start : self.i]
        quote = text[start]
        j = start + 1
        while text[j] != quote or (quote == '"' and _escaped(text, j)):
            j += 1
        self.i = j + 1
        return text[start : self.i]

    def _key(self) -> tuple[str, ...]:
        parts: list[str] = []
        while True:
            self._blank(False)
            c = self._peek()
            if c in "\"'":
                raw = self._string()
                parts.append(tomllib.loads(f"k = {raw}")["k"])
            else:
                m = self._BARE.match(self.text, self.i)
                if m is None:
                    raise ValueError("no key")
                parts.append(m.group())
                self.i = m.end()
            self._blank(False)
            if self._peek() != ".":
                return tuple(parts)
            self.i += 1

    def _resolve(self, parts: tuple[str, ...]) -> Path_:
        path: Path_ = ()
        for part in parts:
            path = (*path, part)
            if path in self.arrays:
                path = (*path, self.arrays[path])
        return path

    # -- grammar ----------------------------------------------------------------------
    def _document(self) -> None:
        table: Path_ = ()
        text = self.text
        while True:
            self._blank(True)
            if self.i >= len(text):
                return
            start = self.i
            if text.startswith("[[", start):
                self.i += 2
                parts = self._key()
                self.i += 2  # ]]
                base = (*self._resolve(parts[:-1]), parts[-1])
                index = self.arrays.get(base, -1) + 1
                self.arrays[base] = index
                self.keys.setdefault(base, start)
                table = (*base, index)
                self.keys[table] = start
            elif text[start] == "[":
                self.i += 1
                parts = self._key()
                self.i += 1  # ]
                table = self._resolve(parts)
                self.keys.setdefault(table, start)
            else:
                parts = self._key()
                self._record(table, parts, start)
                self._blank(False)
                self.i += 1  # =
                self._blank(False)
                self._value((*table, *parts))

    def _record(self, table: Path_, parts: tuple[str, ...], start: int) -> None:
        for k in range(1, len(parts) + 1):
            self.keys.setdefault((*table, *parts[:k]), start)

    def _value(self, path: Path_) -> None:
        self.values[path] = self.i
        c = self._peek()
        if c in "\"'":
            self._string()
        elif c == "[":
            self.i += 1
            index = 0
            while True:
                self._blank(True)
                if self._peek() == "]":
                    self.i += 1
                    return
                self.keys.setdefault((*path, index), self.i)
                self._value((*path, index))
                index += 1
                self._blank(True)
                if self._peek() == ",":
                    self.i += 1
        elif c == "{":
            self.i += 1
            while True:
                self._blank(False)
                if self._peek() == "}":
                    self.i += 1
                    return
                start = self.i
                parts = self._key()
                self._record(path, parts, start)
                self._blank(False)
                self.i += 1  # =
                self._blank(False)
                self._value((*path, *parts))
                self._blank(False)
                if self._peek() == ",":
                    self.i += 1
        else:
            m = re.compile(r"[^,\]}\n#]*").match(self.text, self.i)
            assert m is not None
            self.i = m.end()


def _escaped(text: str, j: int) -> bool:
    """True when the character at ``j`` follows an odd number of backslashes."""
    k = j
    while k > 0 and text[k - 1] == "\\":
        k -= 1
    return (j - k) % 2 == 1


@dataclass(frozen=True)
class Document:
    """A parsed scheme file: its data, and the positions of its keys and values.

    Attributes
    ----------
    data : dict
        What :func:`tomllib.loads` returned.
    file : str
        The file name shown in errors.
    text : str
        The source text.
    """

    data: dict[str, Any]
    file: str
    text: str
    _keys: dict[Path_, int] = field(default_factory=dict, repr=False)
    _values: dict[Path_, int] = field(default_factory=dict, repr=False)
    _lines: list[int] = field(default_factory=list, repr=False)

    def position(self, path: Path_, *, value: bool = True) -> tuple[int | None, int | None]:
        """``(line, column)``, 1-based, of the value (or key) at ``path``, else of the
        nearest enclosing piece that has one; ``(None, None)`` when none has."""
        table = self._values if value else self._keys
        p = tuple(path)
        while p:
            for where in (table, self._keys):
                if p in where:
                    offset = where[p]
                    line = bisect.bisect_right(self._lines, offset)
                    return line, offset - self._lines[line - 1] + 1
            p = p[:-1]
        return None, None

    def error(
        self, message: str, path: Path_, *, value: bool = True, offset: int | None = None
    ) -> SpecError:
        """A :class:`SpecError` for the piece at ``path`` (its value, or its key).

        ``offset`` is a column inside a string value (an expression's own column): it is
        added when the string is written on one line without escapes.
        """
        line, column = self.position(path, value=value)
        if offset is not None and line is not None and column is not None:
            start = self._values.get(tuple(path))
            if start is not None and self._plain_string(start):
                column += 1 + offset
        where = _show_path(path)
        text = f"{where}: {message}" if where else message
        return SpecError(text, file=self.file, line=line, column=column)

    def _plain_string(self, start: int) -> bool:
        text = self.text
        if text[start] not in "\"'" or text.startswith(text[start] * 3, start):
            return False
        end = text.find(text[start], start + 1)
        return end > 0 and "\\" not in text[start:end] and "\n" not in text[start:end]


def _show_path(path: Path_) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part + 1}]" if out.endswith("stage") else f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def loads(text: str, *, file: str = "<string>") -> Document:
    """Parse ``text`` as a scheme file's TOML (syntax only; see :func:`check_table`).

    Raises
    ------
    SpecError
        For a TOML syntax error, with tomllib's line and column.

    Examples
    --------
    >>> doc = loads('variables = ["x"]\\n[initial]\\nx = 1.5\\n', file="s.toml")
    >>> doc.data["initial"], doc.position(("initial", "x"))
    ({'x': 1.5}, (3, 5))
    >>> loads("x = = 1", file="s.toml")
    Traceback (most recent call last):
    ...
    limitdyn.errors.SpecError: s.toml:1:5: TOML syntax error: Invalid value
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = _TOML_POSITION.search(message)
        reason = _TOML_POSITION.sub("", message).strip()
        line = int(m.group(1)) if m else None
        column = int(m.group(2)) if m else None
        raise SpecError(
            f"TOML syntax error: {reason}", file=file, line=line, column=column
        ) from None
    except RecursionError:
        raise SpecError("TOML syntax error: nested too deeply", file=file) from None
    try:
        scanner = _Scanner(text)
        keys, values = scanner.keys, scanner.values
    except (ValueError, IndexError, RecursionError, tomllib.TOMLDecodeError):  # pragma: no cover
        keys, values = {}, {}  # positions unknown: errors name the file only
    return Document(data, file, text, keys, values, _line_starts(text))


def load(path: str | os.PathLike[str]) -> Document:
    """Read and parse the scheme file at ``path`` (at most :data:`MAX_FILE_BYTES`).

    Raises
    ------
    SpecError
        If the file cannot be read, is too large, is not UTF-8, or is not valid TOML.
    """
    name = os.fspath(path)
    try:
        with open(name, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise SpecError(f"cannot read the file: {exc.strerror or exc}", file=name) from None
    if len(raw) > MAX_FILE_BYTES:
        raise SpecError(f"file larger than {MAX_FILE_BYTES} bytes", file=name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"not UTF-8 text (byte {exc.start})", file=name) from None
    return loads(text, file=name)


# -- key checks -------------------------------------------------------------------------

#: a check of one value: ``None`` when fine, else what is wrong
Kind = Callable[[Any], "str | None"]


def _type_name(value: Any) -> str:
    names = {str: "a string", bool: "a boolean", int: "an integer", float: "a float"}
    names.update({list: "an array", dict: "a table"})
    return names.get(type(value), type(value).__name__)


def is_str(value: Any) -> str | None:
    return None if isinstance(value, str) else f"expected a string, got {_type_name(value)}"


def is_bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"expected true or false, got {_type_name(value)}"


def is_int(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return None
    return f"expected an integer, got {_type_name(value)}"


def is_number(value: Any) -> str | None:
    """A real number: a TOML integer or float, or a string holding an expression."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return f"expected a number or an expression string, got {_type_name(value)}"
    if isinstance(value, float) and not math.isfinite(value):
        return "expected a finite number"
    return None


def is_table(value: Any) -> str | None:
    return None if isinstance(value, dict) else f"expected a table, got {_type_name(value)}"


def array_of(kind: Kind, what: str) -> Kind:
    def check(value: Any) -> str | None:
        if not isinstance(value, list):
            return f"expected an array of {what}, got {_type_name(value)}"
        for item in value:
            if kind(item) is not None:
                return f"expected an array of {what}, got an entry that is {_type_name(item)}"
        return None

    return check


def one_of(*kinds: Kind) -> Kind:
    def check(value: Any) -> str | None:
        problems = [k(value) for k in kinds]
        if any(p is None for p in problems):
            return None
        return " or ".join(p.removeprefix("expected ").split(", got")[0] for p in problems if p) + (
            f" expected, got {_type_name(value)}"
        )

    return check


def check_table(doc: Document, table: Any, path: Path_, keys: Mapping[str, Kind]) -> dict[str, Any]:
    """``table`` after checking that it is a table whose keys are among ``keys``, each of
    its kind.

    Raises
    ------
    SpecError
        At the first unknown key (with the closest valid one suggested) or value of the
        wrong kind, with its position.
    """
    if not isinstance(table, dict):
        raise doc.error(f"expected a table, got {_type_name(table)}", path)
    for key, value in table.items():
        if key not in keys:
            close = difflib.get_close_matches(key, list(keys), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            valid = ", ".join(sorted(keys))
            raise doc.error(
                f"unknown key {key!r}{hint} (valid keys: {valid})", (*path, key), value=False
            )
        problem = keys[key](value)
        if problem is not None:
            raise doc.error(problem, (*path, key))
    return table
