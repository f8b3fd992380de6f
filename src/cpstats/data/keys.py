"""Identifiers as integer keys, made once per load.

Every identifier column of the contract (``child_id``, ``referral_id``, ...)
is text. Joining and grouping millions of rows on text makes Python objects or
hashes strings again at each step, so :func:`load_dataset
<cpstats.data.dataset.load_dataset>` turns each one into ``int64`` keys once,
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

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cpstats.data.contract import TABLES, TextColumn

__all__ = ["identifier_keys", "pack_identifiers", "positions_of", "member_of", "IDENTIFIERS"]

IDENTIFIERS: dict[str, list[str]] = defaultdict(list)
"""Each identifier's name and the tables holding a column of it, from the contract."""
for _table in TABLES.values():
    for _field in _table.fields:
        if _field.kind == "id":
            IDENTIFIERS[_field.name].append(_table.name)
IDENTIFIERS = dict(IDENTIFIERS)

_LIMIT = 1 << 62


def _packed(columns: list[TextColumn]) -> list[np.ndarray] | None:
    filled = [c for c in columns if len(c)]
    if not filled:
        return [np.zeros(0, dtype=np.int64) for _ in columns]
    width = int(filled[0].lengths[0])
    if not width or any(int(c.lengths.min()) != width or int(c.lengths.max()) != width for c in filled):
        return None
    matrices = [c.data.reshape(-1, width) for c in filled]  # one position at a time: numpy is fastest on a strided column
    low = np.array([min(int(m[:, p].min()) for m in matrices) for p in range(width)], dtype=np.int64)
    high = np.array([max(int(m[:, p].max()) for m in matrices) for p in range(width)], dtype=np.int64)
    varying = [int(p) for p in np.flatnonzero(high > low)]
    span = 1
    for p in varying:
        span *= int(high[p] - low[p] + 1)
    if span >= _LIMIT:
        return None
    keys = []
    for column in columns:
        key = np.zeros(len(column), dtype=np.int64)
        if len(column):
            matrix = column.data.reshape(-1, width)
            for p in varying:
                key *= int(high[p] - low[p] + 1)
                key += matrix[:, p]
                key -= int(low[p])
        keys.append(key)
    return keys


def _ranked(columns: list[TextColumn]) -> list[np.ndarray]:
    values = pa.concat_arrays([c.values for c in columns]) if columns else pa.array([], pa.large_string())
    encoded = pc.dictionary_encode(values)
    order = np.asarray(pc.array_sort_indices(encoded.dictionary), dtype=np.int64)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    keys = rank[np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)]
    bounds = np.cumsum([0] + [len(c) for c in columns])
    return [keys[bounds[i]: bounds[i + 1]] for i in range(len(columns))]


def pack_identifiers(columns: list[pa.Array]) -> list[np.ndarray]:
    """``int64`` keys for text columns of one identifier: equal exactly when the text is, ordered as the text."""
    text = [TextColumn(c) for c in columns]
    packed = _packed(text)
    return packed if packed is not None else _ranked(text)


def identifier_keys(columns: dict[str, dict[str, pa.Array]]) -> dict[str, dict[str, np.ndarray]]:
    """Keys for every identifier column of ``columns`` (table name to column name to Arrow text), by table and column.

    All the columns of one identifier are keyed together, so a ``child_id``
    has the same key in every table.
    """
    keys: dict[str, dict[str, np.ndarray]] = defaultdict(dict)
    for name, tables in IDENTIFIERS.items():
        present = [t for t in tables if columns.get(t) is not None and name in columns[t]]
        for table, key in zip(present, pack_identifiers([columns[t][name] for t in present])):
            keys[table][name] = key
    return dict(keys)


def positions_of(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """For each of ``values``, the position in ``keys`` (unique) of the same key, ``-1`` when it is not there."""
    values, keys = np.asarray(values, dtype=np.int64), np.asarray(keys, dtype=np.int64)
    found = np.full(len(values), -1, dtype=np.int64)
    if not len(values) or not len(keys):
        return found
    low, high = int(keys.min()), int(keys.max())
    inside = (values >= low) & (values <= high)
    if high - low < 4 * len(keys) + (1 << 16):  # a table of the keys' range: one step per value
        table = np.full(high - low + 1, -1, dtype=np.int32 if len(keys) < (1 << 31) else np.int64)
        table[keys - low] = np.arange(len(keys), dtype=table.dtype)
        found[inside] = table[values[inside] - low]
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
    values, keys = np.asarray(values, dtype=np.int64), np.asarray(keys, dtype=np.int64)
    if not len(values) or not len(keys):
        return np.zeros(len(values), dtype=bool)
    low, high = int(keys.min()), int(keys.max())
    inside = (values >= low) & (values <= high)
    if high - low < 8 * (len(keys) + len(values)) + (1 << 20):
        table = np.zeros(high - low + 1, dtype=bool)
        table[keys - low] = True
        member = np.zeros(len(values), dtype=bool)
        member[inside] = table[values[inside] - low]
        return member
    unique = np.unique(keys)
    return positions_of(values, unique) >= 0
