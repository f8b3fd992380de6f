"""A board pack's comparison: the headline measures over a range of years, with the change and the comparators.

Enters: the protected figures of every year in the range (:func:`cpstats.figures.figures.report_figures`:
the figures a report of the last year would publish under its disclosure policy, the project's local
measures included) and DfE's published figures for England, the region and the statistical neighbours
(:func:`cpstats.data.comparators.comparator_values`).
Leaves: :class:`BoardTable`, one row per headline measure labelled in the report's words
(:mod:`cpstats.present.labels`): a column per year, the change over the range and over the last year,
England's, the region's and the neighbours' average for the last year, and, for each rate and
percentage of the last year, how sure a comparison is (:mod:`cpstats.figures.uncertainty`): its 95%
interval ("20.0 to 27.4"), whether it is higher than England's, lower or statistically similar (from
the interval, never from the two values alone), its national rank ("12 of 152", 1 the lowest) and
quarter among every English authority DfE publishes a figure for, and whether a high value is better.
A withheld figure has a withheld interval, verdict, rank and quarter. Counts are whole numbers,
percentages change in percentage points ("+3.6 pp"), rates have one decimal place. A value the policy
withholds is ``[c]``, and so is a change worked out from one; ``[x]``: not available; ``[z]``: not
applicable (a percentage of nothing, England's count beside an authority's).

``cpstats compare`` prints it (:meth:`BoardTable.text`) and writes it as CSV and as a workbook
(:mod:`cpstats.publish.board`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

from cpstats.figures.figures import CONFIDENTIAL, is_withheld
from cpstats.present.labels import figure_label, unit_of
from cpstats.present.tables import CATEGORY_LABELS, DEMAND_ROWS, NOT_APPLICABLE_SYMBOL, NOT_AVAILABLE_SYMBOL

__all__ = ["BOARD_MEASURES", "FAIR_HEADINGS", "INTERVAL_NOTE", "UNITS", "BoardRow", "BoardTable", "board_table", "change"]

BOARD_MEASURES: tuple[str, ...] = (
    *(name for _, name in DEMAND_ROWS),
    "cpp_rate_per_10000_at_31_march", "plan_start_rate_per_10000",
    "rereferrals_within_12_months_pct", "icpc_within_15_working_days_pct", "reviews_in_timescale_pct",
    "second_or_subsequent_plan_pct", "second_plan_within_2_years_pct", "ended_plans_2_years_or_more_pct",
    "on_plan_2_years_or_more_at_31_march", "on_plan_2_years_or_more_at_31_march_pct",
    *(f"latest_category_at_31_march.{code}" for code in CATEGORY_LABELS),
    "conferences_held.total", "conferences_with_domestic_abuse_pct",
    "children_invited_to_conferences.invited", "children_invited_to_conferences.attended", "children_with_advocate",
    "marac_victims", "marac_children", "marac_repeat_victims", "case_audits", "months_meeting_audit_target",
    "feedback_forms",
)
"""The headline measures of a board pack, in the report's order; the project's local measures follow."""

UNITS = {
    "count": "Number",
    "percent": "% (change in percentage points)",
    "rate": "Per 10,000 children aged 0 to 17",
    "mean": "Average rating (1 to 5)",
}
"""Each kind of figure's unit, as the CSV and workbook's ``Unit`` column states it."""

SYMBOLS = {
    CONFIDENTIAL: "confidential: withheld so that no person can be identified: a count of people from 1 to "
                  "the threshold, a larger figure withheld so that such a count cannot be worked out from the "
                  "others, or a figure worked out from one of these",
    NOT_AVAILABLE_SYMBOL: "not available",
    NOT_APPLICABLE_SYMBOL: "not applicable (a percentage of nothing; England's count beside an authority's)",
}


INTERVAL_NOTE = (
    "the 95% interval is worked out from the counts behind each rate or percentage (the Wilson score interval for a "
    "percentage, the exact Poisson interval for a rate per 10,000 children); England's figure is called higher or "
    "lower only when it lies outside that interval, otherwise statistically similar. The national rank counts "
    "every English authority with a published figure that year, 1 being the lowest value (tied values share the "
    "lowest rank), and the quarter is that rank's quarter of the list; a band (A the best quarter) is given only "
    "where a high or a low value is better. A withheld figure's interval, rank and quarter are withheld too.")
"""How the board pack's interval, verdict, rank and quarter are worked out, as its notes say it."""


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def change(before, after, unit: str):
    """The change from ``before`` to ``after``: a number, ``[c]`` when either is withheld, ``None`` when either is missing.

    Percentages change in percentage points, worked out from the values as published (one decimal).

    >>> change(17.7, 21.3, "percent"), change(412, 305, "count"), change(5, "[c]", "count"), change(None, 3, "count")
    (3.6, -107, '[c]', None)
    """
    if is_withheld(before) or is_withheld(after):
        return CONFIDENTIAL
    if not (_number(before) and _number(after)):
        return None
    difference = after - before
    return int(round(difference)) if unit == "count" else round(difference, 1)


def _missing(value, unit: str, own: bool) -> str:
    """The symbol for a value that is not a number: the authority's percentage of nothing is ``[z]``."""
    return NOT_APPLICABLE_SYMBOL if own and unit == "percent" and value is None else NOT_AVAILABLE_SYMBOL


def _shown(value, unit: str, own: bool = True) -> str:
    """A value as the terminal shows it (``own``: the authority's, else a comparator's)."""
    if is_withheld(value):
        return CONFIDENTIAL
    if isinstance(value, str):
        return value  # a GSS symbol, DfE's or ours
    if not _number(value):
        return _missing(value, unit, own)
    if unit == "count":
        return f"{int(round(value)):,}"
    return f"{value:,.1f}%" if unit == "percent" else f"{value:,.1f}"


def _shown_change(value, unit: str) -> str:
    if is_withheld(value):
        return CONFIDENTIAL
    if not _number(value):
        return NOT_AVAILABLE_SYMBOL
    if unit == "count":
        text = f"{value:+,}" if value else "0"
    else:
        text = f"{value:+,.1f}" if value else "0.0"
    return f"{text} pp" if unit == "percent" else text


def _plain(value, unit: str, own: bool = True):
    """A value as the CSV and workbook hold it: a number, or a GSS symbol; never blank."""
    if is_withheld(value):
        return CONFIDENTIAL
    if isinstance(value, str):
        return value
    if not _number(value):
        return _missing(value, unit, own)
    return int(round(value)) if unit == "count" else round(float(value), 1)


@dataclass(frozen=True)
class BoardRow:
    """One measure: its name and label, its unit, its value each year and the comparators' in the last year."""

    name: str
    label: str
    unit: str
    values: Mapping[str, object]
    england: object = None
    region: object = None
    neighbours: object = None
    interval: object = None
    position: object = None


FAIR_HEADINGS = ("95% interval", "Compared with England", "National rank (1 = lowest)",
                 "Quarter of English authorities", "Is a high value better?")
"""The last year's columns that say how sure a comparison is (each heading followed by the year but the last)."""


def _fair_cells(row: BoardRow) -> list[str]:
    """A rate's or percentage's interval, verdict against England, national rank, quarter and polarity, as text;
    ``[z]`` for a count, ``[c]`` for a withheld figure, ``[x]`` where there is nothing to work it out from."""
    from cpstats.figures.uncertainty import POLARITY, POLARITY_CELLS, Interval, Position, verdict

    if row.unit not in ("percent", "rate"):
        return [NOT_APPLICABLE_SYMBOL] * len(FAIR_HEADINGS)
    if is_withheld(row.interval):
        interval = said = CONFIDENTIAL
    else:
        interval = str(row.interval) if isinstance(row.interval, Interval) else NOT_AVAILABLE_SYMBOL
        found = verdict(row.interval, row.england)
        said = {"higher": "Higher", "lower": "Lower", "similar": "Statistically similar"}.get(found, NOT_AVAILABLE_SYMBOL)
    if is_withheld(row.position):
        rank = quarter = CONFIDENTIAL
    elif isinstance(row.position, Position):
        rank = f"{row.position.rank} of {row.position.of}"
        quarter = row.position.quarter_words[0].upper() + row.position.quarter_words[1:]
        quarter += f" (band {row.position.band})" if row.position.band else ""
    else:
        rank = quarter = NOT_AVAILABLE_SYMBOL
    polarity = POLARITY_CELLS[POLARITY[row.name]] if row.name in POLARITY else NOT_AVAILABLE_SYMBOL
    return [interval, said, rank, quarter, polarity]


@dataclass(frozen=True)
class BoardTable:
    """The headline measures over ``years`` (oldest first) for one authority, under one disclosure mode."""

    la_name: str
    years: tuple[str, ...]
    disclosure: str
    region_name: str
    rows: tuple[BoardRow, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    threshold: int = 5

    @property
    def first(self) -> str:
        return self.years[0]

    @property
    def last(self) -> str:
        return self.years[-1]

    def change_columns(self) -> list[tuple[str, str, str]]:
        """The changes shown: (heading, from year, to year): over the range, and over the last year when it differs."""
        if len(self.years) < 2:
            return []
        columns = [(f"Change {self.first} to {self.last}", self.first, self.last)]
        if len(self.years) > 2:
            columns.append((f"Change {self.years[-2]} to {self.last}", self.years[-2], self.last))
        return columns

    def columns(self, unit: bool = False) -> list[str]:
        """The headings; with ``unit``, a ``Unit`` column after the measure (CSV and workbook)."""
        return (["Measure"] + (["Unit"] if unit else []) + list(self.years)
                + [heading for heading, _, _ in self.change_columns()]
                + [f"England {self.last}", f"{self.region_name or 'Region'} {self.last}",
                   f"Statistical neighbours' average {self.last}"]
                + [f"{heading} {self.last}" for heading in FAIR_HEADINGS[:-1]] + [FAIR_HEADINGS[-1]])

    def _comparators(self, row: BoardRow) -> list:
        if row.unit == "count":  # England's count beside an authority's says nothing
            return [NOT_APPLICABLE_SYMBOL] * 3
        return [row.england, row.region, row.neighbours]

    def cells(self) -> list[list[str]]:
        """Every row as the terminal shows it: thousands separators, ``%``, ``pp`` and GSS symbols."""
        out = []
        for row in self.rows:
            out.append([row.label] + [_shown(row.values.get(y), row.unit) for y in self.years]
                       + [_shown_change(change(row.values.get(a), row.values.get(b), row.unit), row.unit)
                          for _, a, b in self.change_columns()]
                       + [_shown(v, row.unit, own=False) for v in self._comparators(row)]
                       + _fair_cells(row))
        return out

    def values(self) -> list[list]:
        """Every row as the CSV and workbook hold it: label, unit, numbers, GSS symbols (never blank)."""
        out = []
        for row in self.rows:
            out.append([row.label, UNITS[row.unit]]
                       + [_plain(row.values.get(y), row.unit) for y in self.years]
                       + [_plain(change(row.values.get(a), row.values.get(b), row.unit), row.unit, own=False)
                          for _, a, b in self.change_columns()]
                       + [_plain(v, row.unit, own=False) for v in self._comparators(row)]
                       + _fair_cells(row))
        return out

    def title(self) -> str:
        return f"{self.la_name}: child protection measures, {self.first} to {self.last}"

    def mode_note(self) -> str:
        if self.disclosure == "public":
            return ("Public: figures withheld exactly as the public report withholds them ([c]), "
                    "and every change worked out from a withheld figure.")
        return "Internal: small numbers shown; not for publication."

    def disclosure_note(self) -> str:
        if self.disclosure == "public":
            return (f"The figures the public report publishes: a count of children, families or victims from 1 to "
                    f"{self.threshold} is withheld ([c]), with any figure from which it could be worked out; a "
                    "change worked out from a withheld figure is withheld too.")
        return ("Internal: every figure is shown, small numbers included; withhold small numbers before sharing "
                "(cpstats compare --disclosure public).")

    def legend(self) -> list[str]:
        return [
            "Symbols: " + "; ".join(f"{symbol} {meaning}" for symbol, meaning in SYMBOLS.items())
            + "; pp percentage points.",
            f"England, {self.region_name or 'the region'} and the statistical neighbours' average: the Department "
            f"for Education's published figures for {self.last}; rates and percentages only.",
            f"How sure a comparison is, for {self.last}: " + INTERVAL_NOTE,
            *self.notes,
        ]

    def text(self, width: int = 44) -> str:
        """The table as aligned text for a terminal, with its title, disclosure mode and symbols."""
        from tabulate import tabulate

        columns = self.columns()
        body = tabulate(self.cells(), headers=columns, tablefmt="simple", disable_numparse=True,
                        colalign=["left"] + ["right"] * (len(columns) - 1),
                        maxcolwidths=[width] + [None] * (len(columns) - 1),
                        maxheadercolwidths=[width] + [12] * (len(columns) - 1))
        return "\n".join([self.title(), self.mode_note(), "", body, "", *self.legend()]) + "\n"


def board_table(figures, years: Sequence[str], la_code: int, la_name: str, reference_dir: Path | str | None = None,
                local: Mapping[str, str] | None = None) -> BoardTable:
    """The board pack's table from a report's protected figures.

    Parameters
    ----------
    figures : cpstats.figures.figures.Figures
        The protected figures of a report of the last year (every covered year up to it).
    years : sequence of str
        The years to show, oldest first; each must be among ``figures.flat``.
    la_code, la_name : int, str
        The authority, for its comparators and the title.
    reference_dir : Path, optional
        The reference tables (DfE's published figures).
    local : mapping, optional
        The local measures' names and labels (:func:`cpstats.present.labels.local_labels`), shown after the
        headline measures.
    """
    from cpstats.data.comparators import comparator_values
    from cpstats.figures.uncertainty import interval_for, national_position

    local = dict(local or {})
    flat = {year: figures.flat[year] for year in years}
    last = years[-1]
    names = [n for n in BOARD_MEASURES]
    names += [n for n in flat[last] if n.split(".", 1)[0] in local]
    rows, region_name, notes = [], "", []
    for name in names:
        values = {year: flat[year].get(name) for year in years}
        if all(v is None for v in values.values()):
            continue  # not collected: no row
        unit = unit_of(name)
        comparators = [None, None, None]
        interval = position = None
        if unit in ("percent", "rate"):
            interval = interval_for(name, flat[last])
            try:
                position = national_position(name, last, la_code, flat[last].get(name), reference_dir)
            except (ValueError, KeyError, OSError):
                position = None
            try:
                c = comparator_values(name, last, la_code, reference_dir)
            except (ValueError, KeyError, OSError) as error:
                if not notes:
                    notes.append(f"No comparators: {error}")
            else:
                comparators = [c.england, c.region, c.neighbours_average]
                region_name = region_name or c.region_name
        rows.append(BoardRow(name, figure_label(name, local), unit, values, *comparators, interval, position))
    return BoardTable(la_name, tuple(years), figures.policy.mode, region_name, tuple(rows), tuple(notes),
                      figures.policy.threshold)
