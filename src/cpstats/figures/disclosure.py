"""Statistical disclosure control for published tables.

A public report must not let a reader learn a small number of children, nor
work one out from the totals. :func:`suppress_table` applies:

* **primary suppression**: every count from 1 to ``threshold`` (5 by default,
  as DfE publishes children in need figures) is shown as ``[c]``;
* **secondary suppression**: further cells are suppressed, smallest first,
  until no suppressed cell can be worked out from the published cells and the
  table's totals. "Worked out" is tested exactly: for each suppressed cell the
  smallest and largest values it could take, given every published value, the
  table's additivity and that counts are not negative, are found by linear
  programming; the cell is safe only when they differ.

Each decision is logged (what and why) for the suppression log, which is kept
out of the public site. Rates and percentages computed from a suppressed count
are suppressed by the caller with :func:`suppress_derived`.

GSS symbols: ``[c]`` confidential, ``[x]`` not available, ``[z]`` not applicable.

The mode of a build
-------------------
A report is built for one of two audiences (:data:`MODES`): ``internal``
(drafts for the analyst and managers: every count shown) or ``public`` (small
counts suppressed). The build passes the mode to each notebook as the
papermill parameters ``disclosure`` and ``disclosure_threshold``;
:func:`current_policy` reads them from the notebook's namespace, so
:func:`cpstats.present.tables.show`, the charts drawn from tables and the sentences of
:mod:`cpstats.present.sentences` apply the mode without the notebook passing it on.
Outside a notebook, :func:`disclosure_policy` sets it for a block of code.
:func:`protect_table` applies the policy to a table as the report shows it
(cells as text, e.g. ``"1,234"``, ``"45.0%"``).
"""

from __future__ import annotations

import re
import sys
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
import pandas as pd

__all__ = [
    "CONFIDENTIAL",
    "NOT_AVAILABLE",
    "NOT_APPLICABLE",
    "DEFAULT_THRESHOLD",
    "MODES",
    "SPEC_ATTR",
    "Suppression",
    "Policy",
    "current_policy",
    "disclosure_policy",
    "suppress_table",
    "suppress_derived",
    "recoverable_cells",
    "protect_table",
    "protect_figures",
]

CONFIDENTIAL = "[c]"
NOT_AVAILABLE = "[x]"
NOT_APPLICABLE = "[z]"
DEFAULT_THRESHOLD = 5
MODES = ("internal", "public")
"""``internal``: every count shown (drafts); ``public``: small counts suppressed."""
SPEC_ATTR = "cpstats.figures.disclosure"
"""Key of ``DataFrame.attrs`` where a table may say how it adds up (see :func:`protect_table`)."""

Cell = tuple[object, object]  # (row label, column label)


@dataclass
class Suppression:
    """A table after disclosure control, with the cells withheld and why."""

    table: pd.DataFrame
    suppressed: set[Cell] = field(default_factory=set)
    log: list[dict] = field(default_factory=list)


def _constraints(frame: pd.DataFrame, count_columns: list, total_row, total_column) -> list[tuple[Cell, list[Cell]]]:
    """Each additive relation of the table: (total cell, the cells it sums)."""
    rows = [r for r in frame.index if r != total_row]
    parts = [c for c in count_columns if c != total_column]
    found = []
    if total_column is not None:
        for r in frame.index:
            found.append(((r, total_column), [(r, c) for c in parts]))
    if total_row is not None:
        for c in count_columns:
            found.append(((total_row, c), [(r, c) for r in rows]))
    return found


def recoverable_cells(values: dict[Cell, float], hidden: set[Cell], constraints) -> set[Cell]:
    """The hidden cells whose value is fixed by the published cells and the constraints.

    A hidden cell is recoverable when its least and greatest possible values,
    with every count at least 0, are equal.
    """
    from scipy.optimize import linprog

    variables = sorted(hidden, key=repr)
    if not variables:
        return set()
    position = {cell: i for i, cell in enumerate(variables)}
    equations, constants = [], []
    for total, parts in constraints:
        row = np.zeros(len(variables))
        known = 0.0
        for cell, sign in [(total, -1.0)] + [(p, 1.0) for p in parts]:
            if cell in position:
                row[position[cell]] += sign
            else:
                known += sign * values[cell]
        if row.any():
            equations.append(row)
            constants.append(-known)
    if not equations:
        return set()
    a_eq, b_eq = np.array(equations), np.array(constants)
    fixed = set()
    for cell, i in position.items():
        objective = np.zeros(len(variables))
        objective[i] = 1.0
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        if low.status == 0 and high.status == 0 and abs(-high.fun - low.fun) < 0.5:
            fixed.add(cell)
    return fixed


def suppress_table(
    frame: pd.DataFrame,
    count_columns: list | None = None,
    *,
    total_row=None,
    total_column=None,
    threshold: int = DEFAULT_THRESHOLD,
    name: str = "table",
) -> Suppression:
    """Suppress small counts and whatever else would let them be worked out.

    Parameters
    ----------
    frame
        The table; its index labels the rows.
    count_columns
        The columns holding counts (default: every numeric column).
    total_row, total_column
        The label of the row / column that holds totals, if any.
    threshold
        Counts from 1 to ``threshold`` are confidential.
    name
        The table's name, for the log.

    Returns
    -------
    Suppression
        ``table`` is a copy with ``[c]`` in each suppressed cell (as object dtype).

    Examples
    --------
    >>> t = pd.DataFrame({"children": [20, 18, 0, 2, 40]}, index=["EMO", "NEG", "PHY", "SAB", "Total"])
    >>> s = suppress_table(t, total_row="Total")
    >>> s.table["children"].tolist()
    [20, '[c]', 0, '[c]', 40]
    """
    if count_columns is None:
        count_columns = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    values = {(r, c): float(frame.at[r, c]) for r in frame.index for c in count_columns if pd.notna(frame.at[r, c])}
    constraints = _constraints(frame, count_columns, total_row, total_column)
    hidden: set[Cell] = set()
    log: list[dict] = []
    for cell, value in values.items():
        if 1 <= value <= threshold:
            hidden.add(cell)
            log.append({"table": name, "row": str(cell[0]), "column": str(cell[1]), "reason": f"primary: count from 1 to {threshold}"})
    while True:
        exposed = recoverable_cells(values, hidden, constraints)
        if not exposed:
            break
        target = sorted(exposed, key=repr)[0]
        neighbours = {
            cell
            for total, parts in constraints
            if target in parts or target == total
            for cell in [total, *parts]
            if cell not in hidden and cell in values
        }
        if not neighbours:  # nothing left to hide beside it: hide the rest of the table
            neighbours = {cell for cell in values if cell not in hidden}
            if not neighbours:
                break
        # smallest non-zero first; zeros only when nothing else protects the cell
        choice = min(neighbours, key=lambda c: (values[c] == 0, values[c], repr(c)))
        hidden.add(choice)
        log.append({
            "table": name, "row": str(choice[0]), "column": str(choice[1]),
            "reason": f"secondary: protects {target[0]} / {target[1]} from being worked out from the totals",
        })
    out = frame.astype(object).copy()
    for r, c in hidden:
        out.at[r, c] = CONFIDENTIAL
    return Suppression(out, hidden, log)


def suppress_derived(table: pd.DataFrame, suppressed: set[Cell], derived: dict) -> pd.DataFrame:
    """Suppress rates and percentages computed from suppressed counts.

    ``derived`` maps a derived column to the count column(s) it is computed
    from; a derived cell is ``[c]`` when any of its counts in the same row is.
    """
    out = table.astype(object).copy()
    for column, sources in derived.items():
        sources = [sources] if isinstance(sources, str) else list(sources)
        for row in out.index:
            if any((row, source) in suppressed for source in sources):
                out.at[row, column] = CONFIDENTIAL
    return out


# ----------------------------------------------------------------- the policy of a build


@dataclass(frozen=True)
class Policy:
    """Who a report is for, and the largest count that is withheld from the public.

    >>> Policy("public").hides(3), Policy("public").hides(0), Policy("internal").hides(3)
    (True, False, False)
    >>> Policy("public", threshold=5).fewer_than
    'fewer than 6'
    """

    mode: str = "internal"
    threshold: int = DEFAULT_THRESHOLD

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"disclosure must be one of {', '.join(MODES)}, not {self.mode!r}")
        if int(self.threshold) != self.threshold or self.threshold < 0:
            raise ValueError(f"the disclosure threshold must be a whole number 0 or more, not {self.threshold!r}")

    @property
    def public(self) -> bool:
        """Whether small counts are withheld."""
        return self.mode == "public"

    def hides(self, value) -> bool:
        """Whether a count is withheld: in public mode, a count from 1 to the threshold."""
        if not self.public or value is None or isinstance(value, bool):
            return False
        try:
            return 1 <= float(value) <= self.threshold
        except (TypeError, ValueError):
            return False

    @property
    def fewer_than(self) -> str:
        """How prose words a withheld count, e.g. ``fewer than 6``."""
        return f"fewer than {self.threshold + 1}"


_ACTIVE: ContextVar[Policy | None] = ContextVar("cpstats_disclosure_policy", default=None)


def _notebook_policy() -> Policy | None:
    """The policy named by papermill's ``disclosure`` parameters in the running notebook, if any."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return None
    names = shell.user_ns
    mode = names.get("disclosure")
    threshold = names.get("disclosure_threshold", DEFAULT_THRESHOLD)
    if not isinstance(mode, str):  # not set, or e.g. ``import cpstats.figures.disclosure as disclosure``
        return None
    return Policy(mode, int(threshold))


def current_policy() -> Policy:
    """The disclosure policy in force.

    In order: the one set by :func:`disclosure_policy`; in a notebook, the
    papermill parameters ``disclosure`` and ``disclosure_threshold``;
    otherwise ``internal``.

    >>> current_policy().mode
    'internal'
    >>> with disclosure_policy("public", threshold=10):
    ...     current_policy()
    Policy(mode='public', threshold=10)
    """
    return _ACTIVE.get() or _notebook_policy() or Policy()


@contextmanager
def disclosure_policy(mode: str = "public", threshold: int = DEFAULT_THRESHOLD) -> Iterator[Policy]:
    """Apply a policy to the tables, charts and sentences made inside the ``with`` block."""
    token = _ACTIVE.set(Policy(mode, threshold))
    try:
        yield _ACTIVE.get()
    finally:
        _ACTIVE.reset(token)


# ----------------------------------------------------------------- tables as the report shows them

_COUNT = re.compile(r"^\d{1,3}(,\d{3})*$|^\d+$")
_DERIVED = re.compile(r"^[+-]?\d[\d,]*(\.\d+)?%$|^[+-]?\d[\d,]*\.\d+$|^[+-]\d[\d,]*$")
_TOTAL_LABEL = re.compile(r"^(total|all)\b", re.IGNORECASE)


def _count_of(cell) -> int | None:
    """A cell shown as a whole number ("1,234"), as an int; ``None`` otherwise."""
    text = str(cell).strip()
    return int(text.replace(",", "")) if _COUNT.match(text) else None


def _is_derived(cell) -> bool:
    """A percentage, rate or signed change ("45.0%", "23.3", "+3"): worked out from counts."""
    return bool(_DERIVED.match(str(cell).strip()))


def _summing_columns(counts: dict, parts: list[int], total: int, columns: list) -> list:
    """The columns in which the ``parts`` rows are counts that add up to the ``total`` row."""
    return [c for c in columns
            if parts and all((i, c) in counts for i in [*parts, total])
            and sum(counts[(i, c)] for i in parts) == counts[(total, c)]]


def _rows_above_summing_to(counts: dict, total: int, columns: list) -> tuple[list[int], list]:
    """The longest run of rows just above a total row that adds up to it (in at least one column)."""
    for first in range(0, total - 1):
        parts = list(range(first, total))
        summing = _summing_columns(counts, parts, total, columns)
        if summing:
            return parts, summing
    return [], []


def protect_table(table: pd.DataFrame, policy: Policy | None = None, *, name: str = "table") -> tuple[pd.DataFrame, list[dict]]:
    """A table as the report shows it, with the policy applied: what to publish and what was withheld.

    The first column labels the rows and is never withheld. Every other cell
    shown as a whole number is a count: in public mode each count from 1 to
    the threshold becomes ``[c]`` (primary suppression). Where the table adds
    up, further counts are withheld so that none can be worked out from the
    totals (secondary suppression, :func:`suppress_table`): a row labelled
    ``Total`` or ``All ...`` whose counts are the sums of the rows just above
    it, a column headed ``Total`` that sums the others. Percentages, rates and
    signed changes in a row with a withheld count are withheld too
    (:func:`suppress_derived`), except in England's columns (national figures).

    A table may say how it adds up in ``table.attrs[SPEC_ATTR]``, a dict with
    ``total_row`` (the label of the total row, or ``None`` for none),
    ``parts`` (the labels of the rows it sums; all the others by default),
    ``total_column``, ``exempt_columns`` (columns that hold no counts of
    people, e.g. a target) and ``hidden_counts``: ``{row label: [counts]}``,
    the counts a rate or percentage of that row is computed from when the
    table does not show them (the row's derived cells are withheld when one
    of them is).

    Returns
    -------
    tuple
        The table to publish (cells as text) and the log: one dict per
        withheld cell with ``table``, ``row``, ``column`` and ``reason``.

    Examples
    --------
    >>> shown = pd.DataFrame({"Category": ["Emotional abuse", "Neglect", "Sexual abuse", "Total"],
    ...                       "Children": ["20", "18", "2", "40"], "%": ["50.0%", "45.0%", "5.0%", "100.0%"]})
    >>> published, log = protect_table(shown, Policy("public"))
    >>> published.values.tolist()
    [['Emotional abuse', '20', '50.0%'], ['Neglect', '[c]', '[c]'], ['Sexual abuse', '[c]', '[c]'], ['Total', '40', '100.0%']]
    >>> [entry["reason"] for entry in log][:2]
    ['secondary: protects Sexual abuse / Children from being worked out from the totals', 'primary: count from 1 to 5']
    >>> protect_table(shown, Policy("internal"))[0].equals(shown)
    True
    """
    policy = policy or current_policy()
    if not policy.public or table.empty or len(table.columns) < 2:
        return table, []
    spec = dict(table.attrs.get(SPEC_ATTR, {}))
    frame = table.reset_index(drop=True)
    exempt = set(spec.get("exempt_columns", ()))
    label_column, columns = frame.columns[0], [c for c in frame.columns[1:] if c not in exempt]
    labels = [str(label) for label in frame[label_column]]
    counts = {(i, c): _count_of(frame.at[i, c]) for i in frame.index for c in columns}
    counts = {cell: value for cell, value in counts.items() if value is not None}

    # how the table adds up: rows that sum to a total row, or columns that sum to a total column
    total_row, parts, row_columns = None, [], []
    if spec.get("total_row") in labels:
        total_row = labels.index(spec["total_row"])
        named = spec.get("parts")
        parts = [labels.index(p) for p in named if p in labels] if named else [i for i in frame.index if i != total_row]
        row_columns = _summing_columns(counts, parts, total_row, columns)
    elif "total_row" not in spec:
        candidates = [i for i, label in enumerate(labels) if _TOTAL_LABEL.match(label)]
        if len(candidates) == 1:
            total_row = candidates[0]
            parts, row_columns = _rows_above_summing_to(counts, total_row, columns)
    whole_columns = [c for c in columns if all((i, c) in counts for i in frame.index)]
    total_column = spec.get("total_column", next((c for c in whole_columns if _TOTAL_LABEL.match(str(c))), None))
    if total_column is not None:
        others = [c for c in whole_columns if c != total_column]
        complete = total_column in whole_columns and others and all(
            sum(counts[(i, c)] for c in others) == counts[(i, total_column)] for i in frame.index)
        total_column = total_column if complete else None

    hidden: dict[tuple, str] = {}
    if total_column is not None:  # a two-way table when its rows add up too, in every column
        two_way = row_columns and set(row_columns) == set(whole_columns) and len(parts) == len(frame.index) - 1
        rows, cols = list(frame.index), whole_columns
        total_row = total_row if two_way else None
    else:
        rows, cols = ([*parts, total_row], row_columns) if row_columns else ([], [])
    if cols:
        numbers = pd.DataFrame({c: [counts[(i, c)] for i in rows] for c in cols}, index=rows)
        result = suppress_table(numbers, cols, total_row=total_row, total_column=total_column,
                                threshold=policy.threshold, name=name)
        for entry, cell in zip(result.log, _logged_cells(result.log, numbers)):
            hidden[cell] = entry["reason"]
    for cell, value in counts.items():
        if cell not in hidden and policy.hides(value):
            hidden[cell] = f"primary: count from 1 to {policy.threshold}"

    out = frame.astype(object).copy()
    log = []
    for (i, c), reason in sorted(hidden.items(), key=lambda item: (item[0][0], columns.index(item[0][1]))):
        out.at[i, c] = CONFIDENTIAL
        log.append({"table": name, "row": labels[i], "column": str(c), "reason": _reason_words(reason, labels)})
    hidden_counts = spec.get("hidden_counts", {})
    for i in frame.index:
        withheld_here = any(row == i for row, _ in hidden) or any(policy.hides(n) for n in hidden_counts.get(labels[i], []))
        if not withheld_here:
            continue
        for c in columns:
            if (i, c) not in hidden and not str(c).startswith("England") and _is_derived(frame.at[i, c]):
                out.at[i, c] = CONFIDENTIAL
                log.append({"table": name, "row": labels[i], "column": str(c),
                            "reason": "derived: worked out from a withheld count"})
    out.index = table.index
    out.attrs = dict(table.attrs)
    return out, log


def _logged_cells(log: list[dict], numbers: pd.DataFrame) -> list[tuple]:
    """The (row, column) of each entry of :func:`suppress_table`'s log, in its labels' original types."""
    rows = {str(r): r for r in numbers.index}
    columns = {str(c): c for c in numbers.columns}
    return [(rows[entry["row"]], columns[entry["column"]]) for entry in log]


def _reason_words(reason: str, labels: list[str]) -> str:
    """A reason from :func:`suppress_table` with row numbers replaced by the rows' labels."""
    match = re.match(r"^(secondary: protects )(\d+)( / .*)$", reason)
    if match:
        return f"{match[1]}{labels[int(match[2])]}{match[3]}"
    return reason


# ----------------------------------------------------------------- figures as data


def protect_figures(figures: dict, policy: Policy | None = None) -> dict:
    """Flat figures (``name`` or ``name.key`` to a value), as a public report may publish them as data.

    Each count from 1 to the threshold is ``[c]``. The parts of a breakdown
    (the figures ``name.key`` sharing a ``name``) that add up to a total the
    figures also state (the breakdown's ``total`` key, or any whole figure
    equal to their sum) get secondary suppression, so no withheld part can be
    worked out from the others. Every percentage or rate (any figure that is
    not a whole number) beside a withheld count in its breakdown is ``[c]`` too.

    >>> figures = {"children": 40, "category.EMO": 20, "category.NEG": 18, "category.SAB": 2,
    ...            "agency.GP.invited": 21, "agency.GP.attended": 3, "agency.GP.attended_pct": 14.3}
    >>> protect_figures(figures, Policy("public"))
    {'children': 40, 'category.EMO': 20, 'category.NEG': '[c]', 'category.SAB': '[c]', 'agency.GP.invited': 21, 'agency.GP.attended': '[c]', 'agency.GP.attended_pct': '[c]'}
    >>> protect_figures(figures, Policy("internal")) == figures
    True
    """
    policy = policy or current_policy()
    if not policy.public:
        return dict(figures)

    def whole(value) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    out = {name: CONFIDENTIAL if whole(value) and policy.hides(value) else value for name, value in figures.items()}
    groups: dict[str, list[str]] = {}
    for name in figures:
        if "." in name:
            groups.setdefault(name.rsplit(".", 1)[0], []).append(name)
    stated = {value for value in figures.values() if whole(value)}
    for prefix, names in groups.items():
        parts = {name: figures[name] for name in names if whole(figures[name]) and not name.endswith(".total")}
        total = figures.get(f"{prefix}.total")
        if len(parts) >= 2 and (sum(parts.values()) == total or (total is None and sum(parts.values()) in stated)):
            frame = pd.DataFrame({"n": [*parts.values(), sum(parts.values())]}, index=[*parts, "\0total"])
            for cell in suppress_table(frame, ["n"], total_row="\0total", threshold=policy.threshold).suppressed:
                out[cell[0]] = CONFIDENTIAL
        if any(out[name] == CONFIDENTIAL for name in names):
            for name in names:
                if isinstance(figures[name], float):
                    out[name] = CONFIDENTIAL
    return out
