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

The policy of a build
---------------------
A report is built for one of two audiences (:class:`Policy`): ``internal``
(drafts for the analyst and managers: every count shown) or ``public`` (small
counts of people withheld). The policy is applied once, to the report's
figures (:mod:`cpstats.figures.figures`); tables, charts, sentences,
commentary and downloads are drawn from the protected figures and never
consult the policy themselves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from cpstats.figures.policy import DEFAULT_THRESHOLD, MODES, Policy  # the policy of a build, applied here

__all__ = [
    "CONFIDENTIAL",
    "NOT_AVAILABLE",
    "NOT_APPLICABLE",
    "DEFAULT_THRESHOLD",
    "MODES",
    "Suppression",
    "Policy",
    "suppress_table",
    "suppress_derived",
    "recoverable_cells",
    "recoverable",
    "deduce",
]

CONFIDENTIAL = "[c]"
NOT_AVAILABLE = "[x]"
NOT_APPLICABLE = "[z]"

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


def recoverable(known: dict[str, float], unknown: set[str], equations, targets: set[str] | None = None, *,
                lower: Mapping[str, float] | None = None, upper: Mapping[str, float] | None = None,
                inequalities: Sequence = ()) -> set[str]:
    """The unknown figures (of ``targets``, all by default) whose value is fixed by the known ones and the relations.

    ``equations`` are sequences of ``(name, coefficient)`` pairs summing to 0; every figure is a whole
    number at least ``lower[name]`` (0 by default) and at most ``upper[name]`` (none by default);
    ``inequalities`` are ``(terms, low, high[, name])``: ``low <= sum(coefficient * figure) <= high``. An
    equation naming a figure neither known nor unknown (not available) is left out. See :func:`deduce`.

    >>> sorted(recoverable({"total": 40, "a": 20}, {"b", "c"}, [[("total", -1), ("a", 1), ("b", 1), ("c", 1)]]))
    []
    >>> sorted(recoverable({"total": 40, "a": 20, "b": 18}, {"c"}, [[("total", -1), ("a", 1), ("b", 1), ("c", 1)]]))
    ['c']
    >>> sorted(recoverable({"total": 20, "a": 20}, {"b", "c"}, [[("total", -1), ("a", 1), ("b", 1), ("c", 1)]]))
    ['b', 'c']

    A withheld count is at least 1 where zeros are shown: two of them summing to 2 are both 1.

    >>> sorted(recoverable({"total": 42, "a": 40}, {"b", "c"}, [[("total", -1), ("a", 1), ("b", 1), ("c", 1)]],
    ...                    lower={"b": 1, "c": 1}))
    ['b', 'c']
    """
    groups, targets = _groups(known, unknown, equations, targets, inequalities)
    lower, upper = dict(lower or {}), dict(upper or {})
    fixed = {name for name in targets if upper.get(name, math.inf) - lower.get(name, 0.0) < 0.5}
    for group in groups:
        variables = sorted({n for terms, _, _ in group for n, _ in terms})
        wanted = [n for n in variables if n in targets]
        if wanted:
            fixed |= _pinned(group, variables, wanted, lower, upper)
    return fixed


def deduce(known: Mapping[str, float], unknown: set[str], equations, targets: set[str] | None = None, *,
           lower: Mapping[str, float] | None = None, upper: Mapping[str, float] | None = None,
           inequalities: Sequence = ()) -> dict[str, tuple[float, float]]:
    """The least and greatest value a reader can deduce for each target: an integer programme.

    Every unknown is a whole number within its bounds (``lower``: 0 by default; ``upper``: none);
    the equations (terms summing to 0) and inequalities (``(terms, low, high)``) hold with the known
    figures put in. Relations are split into groups joined by the unknowns they share; each target's
    least and greatest values are found with HiGHS (:func:`scipy.optimize.milp`). A target no
    relation touches keeps its bounds. Infeasible groups (which the true values never are) give the
    bounds too.

    >>> deduce({"t": 10, "a": 7}, {"b", "c"}, [[("t", -1), ("a", 1), ("b", 1), ("c", 1)]], lower={"b": 1, "c": 1})
    {'b': (1.0, 2.0), 'c': (1.0, 2.0)}
    """
    lower, upper = dict(lower or {}), dict(upper or {})
    groups, targets = _groups(known, unknown, equations, targets, inequalities)
    out: dict[str, tuple[float, float]] = {}
    for name in sorted(targets):
        out[name] = (float(lower.get(name, 0.0)), float(upper.get(name, math.inf)))
    for group in groups:
        variables = sorted({n for terms, _, _ in group for n, _ in terms})
        wanted = [n for n in variables if n in targets]
        if wanted:
            out.update(_solve(group, variables, wanted, lower, upper))
    return out


def _groups(known, unknown, equations, targets, inequalities) -> tuple[list[list], set[str]]:
    """The relations with the known figures put in, in groups joined by the unknowns they share; and the targets."""
    targets = set(unknown) if targets is None else set(targets) & set(unknown)
    rows: list[tuple[list[tuple[str, float]], float, float]] = []
    for eq in equations:
        eq = list(eq)
        if not all(n in known or n in unknown for n, _ in eq) or not any(n in unknown for n, _ in eq):
            continue
        constant = sum(c * float(known[n]) for n, c in eq if n not in unknown)
        rows.append(([(n, float(c)) for n, c in eq if n in unknown], -constant, -constant))
    for terms, low, high, *_ in inequalities:
        terms = list(terms)
        if not all(n in known or n in unknown for n, _ in terms) or not any(n in unknown for n, _ in terms):
            continue
        constant = sum(c * float(known[n]) for n, c in terms if n not in unknown)
        rows.append(([(n, float(c)) for n, c in terms if n in unknown], low - constant, high - constant))
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for terms, _, _ in rows:
        for name, _ in terms[1:]:
            parent[find(name)] = find(terms[0][0])
    groups: dict[str, list] = {}
    for row in rows:
        if row[0]:
            groups.setdefault(find(row[0][0][0]), []).append(row)
    return list(groups.values()), targets


def _programme(rows, variables: list[str], lower, upper):
    from scipy.optimize import Bounds, LinearConstraint

    position = {name: i for i, name in enumerate(variables)}
    matrix = np.zeros((len(rows), len(variables)))
    low = np.empty(len(rows))
    high = np.empty(len(rows))
    for r, (terms, lo, hi) in enumerate(rows):
        for name, coefficient in terms:
            matrix[r, position[name]] += coefficient
        low[r], high[r] = lo - 1e-6, hi + 1e-6
    bounds = Bounds([float(lower.get(n, 0.0)) for n in variables], [float(upper.get(n, np.inf)) for n in variables])
    return position, LinearConstraint(matrix, low, high), bounds, np.ones(len(variables))


def _pinned(rows, variables: list[str], wanted: list[str], lower, upper) -> set[str]:
    """The wanted unknowns that take one value only: each solution found rules out every target it varies."""
    from scipy.optimize import milp

    position, constraint, bounds, integrality = _programme(rows, variables, lower, upper)
    seen: dict[str, set[float]] = {name: set() for name in wanted}
    open_ = list(wanted)

    def solve(objective) -> bool:
        result = milp(objective, constraints=constraint, integrality=integrality, bounds=bounds)
        if result.status != 0:
            return False
        for name in wanted:
            seen[name].add(round(float(result.x[position[name]])))
        return True

    everything = np.zeros(len(variables))
    for name in wanted:
        everything[position[name]] = 1.0
    if not solve(everything) or not solve(-everything):
        return set()  # no solution the relations allow (never so for true values), or unbounded: nothing pinned
    signs = np.where(np.arange(len(variables)) % 2 == 0, 1.0, -1.0) * (everything > 0)
    if len(wanted) > 2 and any(len(seen[name]) == 1 for name in wanted):
        solve(signs)
        solve(-signs)
    fixed = set()
    for name in open_:
        if len(seen[name]) > 1:
            continue
        objective = np.zeros(len(variables))
        objective[position[name]] = 1.0
        solve(objective)
        if len(seen[name]) > 1:
            continue
        solve(-objective)
        if len(seen[name]) == 1:
            fixed.add(name)
    return fixed


def _solve(rows, variables: list[str], wanted: list[str], lower, upper) -> dict[str, tuple[float, float]]:
    from scipy.optimize import milp

    position, constraint, bounds, integrality = _programme(rows, variables, lower, upper)
    found = {}
    for name in wanted:
        objective = np.zeros(len(variables))
        objective[position[name]] = 1.0
        least = milp(objective, constraints=constraint, integrality=integrality, bounds=bounds)
        most = milp(-objective, constraints=constraint, integrality=integrality, bounds=bounds)
        if least.status == 0 and most.status == 0:
            found[name] = (round(float(least.fun), 6), round(float(-most.fun), 6))
        elif least.status == 0 and most.status == 3:  # unbounded above
            found[name] = (round(float(least.fun), 6), math.inf)
        else:
            found[name] = (float(lower.get(name, 0.0)), float(upper.get(name, math.inf)))
    return found
