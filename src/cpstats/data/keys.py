"""Identifiers as integer keys, made once per load.

Every identifier column of the contract (``child_id``, ``referral_id``, ...)
is text. Joining and grouping millions of rows on text makes Python objects or
hashes strings again at each step, so :func:`load_dataset
<cpstats.data.dataset.load_dataset>` turns each one into integer keys once,
all the columns of one identifier (every table's ``child_id``) together, so
that:

* two cells have the same key exactly when they hold the same text;
* keys are in the order of the text (binary, which for UTF-8 is the order of
  Python's ``str``), so sorting by a key sorts as the text would.

Identifiers of one width (``C00000001``) are packed from their bytes, the
positions that hold the same byte everywhere left out: each varying position
is one digit of a number in mixed radix, the most significant first. Others
(of several widths, or too many varying positions) get their rank among the
distinct values. :func:`positions_of` and :func:`member_of` then look keys up
in a table of the keys' range when it is small, else by binary search.
"""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cpstats.data.contract import TABLES, TextColumn

__all__ = ["identifier_keys", "pack_identifiers", "Identifier", "positions_of", "member_of", "IDENTIFIERS"]

IDENTIFIERS: dict[str, list[str]] = defaultdict(list)
"""Each identifier's name and the tables holding a column of it, from the contract."""
for _table in TABLES.values():
    for _field in _table.fields:
        if _field.kind == "id":
            IDENTIFIERS[_field.name].append(_table.name)
IDENTIFIERS = dict(IDENTIFIERS)

_LIMIT = 1 << 62


def _smallest(span: int) -> type:
    """``int32`` for keys below 2**30 (half the memory; packing adds a byte before it subtracts), else ``int64``."""
    return np.int32 if span < (1 << 30) else np.int64


def _bytes_range(column: TextColumn) -> tuple[int, np.ndarray, np.ndarray] | None:
    """A column's width and each position's lowest and highest byte, when every cell has that width; else ``None``."""
    if not len(column):
        return 0, np.zeros(0, np.int64), np.zeros(0, np.int64)
    width = int(column.lengths[0])
    if not width or int(column.lengths.min()) != width or int(column.lengths.max()) != width:
        return None
    matrix = column.data.reshape(-1, width)  # one position at a time: numpy is fastest on a strided column
    return (width, np.array([int(matrix[:, p].min()) for p in range(width)], dtype=np.int64),
            np.array([int(matrix[:, p].max()) for p in range(width)], dtype=np.int64))


def _plan(ranges: list) -> list[tuple[int, int, int]] | None:
    """The varying positions of one identifier's columns, each with its lowest byte and radix; ``None`` when
    they cannot be packed (several widths, or too many varying positions)."""
    ranges = [r for r in ranges if r is None or r[0]]
    if any(r is None for r in ranges) or len({r[0] for r in ranges}) > 1:
        return None
    if not ranges:
        return []
    low = np.min([r[1] for r in ranges], axis=0)
    high = np.max([r[2] for r in ranges], axis=0)
    plan = [(int(p), int(low[p]), int(high[p] - low[p] + 1)) for p in np.flatnonzero(high > low)]
    return plan if _span(plan) < _LIMIT else None


def _span(plan: list[tuple[int, int, int]]) -> int:
    span = 1
    for _, _, radix in plan:
        span *= radix
    return span


def _packed(column: "Identifier", plan: list[tuple[int, int, int]]) -> np.ndarray:
    """One column's keys: each varying byte a digit in mixed radix, the first position most significant."""
    key = np.zeros(column.count, dtype=_smallest(_span(plan)))
    if column.count and plan:
        matrix = column.data.reshape(column.count, -1)
        for position, low, radix in plan:
            key *= radix
            key += matrix[:, position]
            key -= low
    return key


def _ranked(columns: list["Identifier"]) -> list[np.ndarray]:
    values = pa.concat_arrays([c.values for c in columns]) if columns else pa.array([], pa.large_string())
    encoded = pc.dictionary_encode(values)
    order = np.asarray(pc.array_sort_indices(encoded.dictionary), dtype=np.int64)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    keys = rank.astype(_smallest(len(order)))[np.asarray(encoded.indices.to_numpy(zero_copy_only=False))]
    bounds = np.cumsum([0] + [c.count for c in columns])
    return [keys[bounds[i]: bounds[i + 1]] for i in range(len(columns))]


@dataclass(frozen=True)
class Identifier:
    """What packing needs of one identifier column: its text, its bytes, its length and their range.

    Lighter than a :class:`TextColumn` (no length per cell), so the loader
    keeps one per identifier column from reading until every table is read."""

    values: pa.Array
    data: np.ndarray
    count: int
    range: tuple | None

    @classmethod
    def of(cls, column) -> "Identifier":
        if isinstance(column, Identifier):
            return column
        column = column if isinstance(column, TextColumn) else TextColumn(column)
        return cls(column.values, column.data, len(column), _bytes_range(column))


def pack_identifiers(columns: list, pool: Executor | None = None) -> list[np.ndarray]:
    """Integer keys for text columns (Arrow arrays, :class:`TextColumn` or :class:`Identifier`) of one
    identifier: equal exactly when the text is, ordered as the text.

    ``int32`` when every key fits, else ``int64``. With ``pool``, the columns are
    looked at and packed in its threads."""
    mapped = pool.map if pool is not None else map
    columns = list(mapped(Identifier.of, columns))
    plan = _plan([c.range for c in columns])
    if plan is None:
        return _ranked(columns)
    return list(mapped(lambda column: _packed(column, plan), columns))


def identifier_keys(columns: dict[str, dict], pool: Executor | None = None) -> dict[str, dict[str, np.ndarray]]:
    """Keys for every identifier column of ``columns`` (table name to column name to Arrow text or
    :class:`TextColumn`), by table and column.

    All the columns of one identifier are keyed together, so a ``child_id``
    has the same key in every table.
    """
    keys: dict[str, dict[str, np.ndarray]] = defaultdict(dict)
    for name, tables in IDENTIFIERS.items():
        present = [t for t in tables if columns.get(t) is not None and name in columns[t]]
        for table, key in zip(present, pack_identifiers([columns[t][name] for t in present], pool)):
            keys[table][name] = key
    return dict(keys)


def positions_of(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """For each of ``values``, the position in ``keys`` (unique) of the same key, ``-1`` when it is not there."""
    values, keys = np.asarray(values), np.asarray(keys)
    found = np.full(len(values), -1, dtype=np.int64)
    if not len(values) or not len(keys):
        return found
    low, high = int(keys.min()), int(keys.max())
    inside = (values >= low) & (values <= high)
    if high - low < 4 * len(keys) + (1 << 16):  # a table of the keys' range: one step per value
        table = np.full(high - low + 1, -1, dtype=np.int32 if len(keys) < (1 << 31) else np.int64)
        table[keys.astype(np.int64) - low] = np.arange(len(keys), dtype=table.dtype)
        found[inside] = table[values[inside].astype(np.int64) - low]
        return found
    ordered = bool(np.all(keys[1:] > keys[:-1]))
    order = None if ordered else np.argsort(keys, kind="stable")
    sorted_keys = keys if ordered else keys[order]
    at = np.searchsorted(sorted_keys, values[inside])
    at[at == len(sorted_keys)] = 0
    hit = sorted_keys[at] == values[inside]
    where = at if ordered else order[at]
    found[inside] = np.where(hit, where, -1)
    return found


def member_of(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Which of ``values`` are among ``keys`` (not necessarily unique), as a ``bool`` array."""
    values, keys = np.asarray(values), np.asarray(keys)
    if not len(values) or not len(keys):
        return np.zeros(len(values), dtype=bool)
    low, high = int(keys.min()), int(keys.max())
    inside = (values >= low) & (values <= high)
    if high - low < 8 * (len(keys) + len(values)) + (1 << 20):
        table = np.zeros(high - low + 1, dtype=bool)
        table[keys.astype(np.int64) - low] = True
        member = np.zeros(len(values), dtype=bool)
        member[inside] = table[values[inside].astype(np.int64) - low]
        return member
    unique = np.unique(keys)
    return positions_of(values, unique) >= 0
