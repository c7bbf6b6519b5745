"""Rich display of tabular results: one HTML table and one DataFrame builder for every result.

Every tabular result (convergence studies, refinement checks, runs, mean-field gaps,
trajectories) shows in Jupyter as a summary line plus a table, built here, and converts to
pandas with the same columns, so what a notebook shows and what ``to_dataframe`` returns agree.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from numbers import Integral, Real
from typing import Any

from ._optional import import_optional

__all__ = ["dataframe", "format_value", "html_table"]

#: rows shown before the middle of a long table is elided
MAX_ROWS = 20


def format_value(value: Any) -> str:
    """A table cell: integers as is, reals with 4 significant digits, NaN and inf spelled out.

    Examples
    --------
    >>> [format_value(v) for v in (3, 0.000123456, float("nan"), True, "max")]
    ['3', '0.0001235', 'nan', 'True', 'max']
    """
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, Integral):
        return str(int(value))
    if isinstance(value, Real):
        v = float(value)
        return repr(v) if not math.isfinite(v) else f"{v:.4g}"
    return str(value)


def _rows(n: int, max_rows: int) -> list[int | None]:
    if n <= max_rows:
        return list(range(n))
    head = max_rows // 2
    return [*range(head), None, *range(n - (max_rows - head), n)]


def html_table(
    summary: str, columns: Mapping[str, Sequence[Any]], *, max_rows: int = MAX_ROWS
) -> str:
    """An HTML block: ``summary`` as a line of text, then a table of equally long ``columns``.

    All text is escaped. Tables longer than ``max_rows`` show their first and last rows with
    an ellipsis row between.

    Examples
    --------
    >>> table = html_table("2 step sizes", {"tau": [0.1, 0.05], "error": [1e-2, 5e-3]})
    >>> table[:46]
    '<div><p>2 step sizes</p><table><thead><tr><th>'
    >>> table.count("<tr>"), "<td>0.005</td>" in table
    (3, True)
    """
    names = list(columns)
    lengths = {len(columns[c]) for c in names}
    if len(lengths) > 1:
        raise ValueError(f"html_table: columns of unequal lengths {sorted(lengths)}")
    n = lengths.pop() if lengths else 0
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in names)
    body = []
    for i in _rows(n, max_rows):
        if i is None:
            body.append("".join("<td>&#8942;</td>" for _ in names))
        else:
            body.append(
                "".join(f"<td>{html.escape(format_value(columns[c][i]))}</td>" for c in names)
            )
    rows = "".join(f"<tr>{r}</tr>" for r in body)
    return (
        f"<div><p>{html.escape(summary)}</p><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{rows}</tbody></table></div>"
    )


def dataframe(columns: Mapping[str, Sequence[Any]], *, index: str | None = None) -> Any:
    """A pandas DataFrame of ``columns`` (pandas is optional: the ``table`` extra).

    ``index`` names the column to use as the index.
    """
    pd = import_optional("pandas")
    frame = pd.DataFrame({c: list(v) if not hasattr(v, "shape") else v for c, v in columns.items()})
    return frame.set_index(index) if index is not None else frame
