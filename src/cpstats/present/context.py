"""What a section notebook needs, loaded once: the data, the year's values, comparators, commentary.

A section notebook's code is presentation only. Its setup is one call::

    report = load_context(la, year, data_dir, reference_dir, commentary_dir,
                          disclosure=disclosure, threshold=disclosure_threshold)

after which ``report.values`` holds every measure of ``docs/guide/measures.md`` and every
local measure (MARAC, case audits, feedback, children at conferences) for the
year, ``report.previous`` the same for the year before (``None`` when the data
do not cover it), ``report.england(name)`` England's figure for the same
year, and ``report.commentary("01_introduction")`` the section's commentary,
its placeholders filled from all of these.

Every value comes from the report's protected figures
(:func:`cpstats.figures.figures.report_figures`): in a public report a value
the disclosure policy withholds is a :class:`~cpstats.figures.figures.Withheld`,
which every table, chart and sentence shows as ``[c]`` or "fewer than 6", so
nothing here or in a notebook decides what may be shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Sequence

from cpstats.present.commentary import (
    Commentary, Context, commentary_parts, commentary_path, key_plan_path, read_key_plan, with_values,
)
from cpstats.data.dataset import Dataset, load_dataset
from cpstats.figures import DEFAULT_THRESHOLD
from cpstats.figures.figures import Figures, report_figures
from cpstats.figures.measures import referrals
from cpstats.data.periods import ReportingYear

__all__ = ["ReportContext", "load_context"]


@dataclass
class ReportContext:
    """One authority's report for one year, as the section notebooks use it.

    Attributes
    ----------
    la : str
        The authority's folder name, e.g. ``sample``.
    year : ReportingYear
        The reporting year.
    dataset : Dataset
        The validated data.
    reference_dir, commentary_dir : Path
        Reference tables and the commentary folder.
    values : dict
        Every measure and local measure of the year, rounded for publication.
    previous : dict or None
        The same for the year before, ``None`` when the data hold no referral in it.
    """

    la: str
    year: ReportingYear
    dataset: Dataset
    reference_dir: Path
    commentary_dir: Path
    figures: Figures
    previous: dict | None
    _england: dict = field(default_factory=dict, repr=False)
    _commentary_context: Context | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def values(self) -> dict:
        """The year's protected figures, nested as the measures are."""
        return self.figures.values

    @property
    def la_name(self) -> str:
        """The authority's name from ``la.yaml``."""
        return self.dataset.name

    @property
    def years_compared(self) -> str:
        """The years a comparison table shows, e.g. ``2016-17 and 2017-18`` (the year alone without the year before)."""
        if self.previous is None:
            return self.year.label
        return f"{self.year.previous().label} and {self.year.label}"

    @property
    def trend_span(self) -> str:
        """The years of :attr:`trend`, e.g. ``2013-14 to 2017-18``."""
        years = list(self.trend.index)
        return years[0] if len(years) == 1 else f"{years[0]} to {years[-1]}"

    @property
    def population(self) -> int | None:
        """The 0-17 population that is the denominator of the year's rates."""
        return self.values.get("population")

    def england(self, name: str):
        """England's published figure for the same year and its source, or ``None``."""
        if name not in self._england:
            from cpstats.data.reference import england_value

            self._england[name] = england_value(name, self.year, self.reference_dir)
        return self._england[name]

    def england_values(self, names: Sequence[str] | None = None) -> dict:
        """England's figures (``(value, source)`` pairs or ``None``) for the named measures, or for all."""
        from cpstats.data.reference import ENGLAND_MEASURES

        return {name: self.england(name) for name in (names or [*ENGLAND_MEASURES, *ENGLAND_ONLY])}

    def _comparators_in(self, name: str, year) -> tuple:
        """The region's and the statistical neighbours' average published ``name`` in ``year`` (``None`` where not known)."""
        from cpstats.data.comparators import comparator_values

        try:
            found = comparator_values(name, year, self.dataset.la_code, self.reference_dir)
        except (KeyError, ValueError, FileNotFoundError):
            return None, None
        return tuple(v if isinstance(v, (int, float)) and not isinstance(v, bool) else None
                     for v in (found.region, found.neighbours_average))

    @cached_property
    def region_name(self) -> str | None:
        """The authority's region, as DfE compares it (``None`` where the reference data do not know it)."""
        from cpstats.data.comparators import region_of

        try:
            return region_of(self.dataset.la_code, self.reference_dir)[1]
        except (KeyError, ValueError, FileNotFoundError):
            return None

    @cached_property
    def trend(self):
        """The headline measures over up to five years ending with this one (see :mod:`cpstats.figures.trends`),
        with England's, the region's and the statistical neighbours' average published rates beside the rates."""
        import pandas as pd

        from cpstats.data.reference import england_value
        from cpstats.figures.trends import HEADLINE_TREND, years_in_data

        rows = {}
        for y in years_in_data(self.dataset, self.year):
            values = self.figures.of(y.label) or {}
            row = {name: values.get(name) for name in HEADLINE_TREND}
            for name in HEADLINE_TREND:
                if "per_10000" in name:
                    england = england_value(name, y, self.reference_dir)
                    row[f"england:{name}"] = None if england is None else england[0]
                    row[f"region:{name}"], row[f"neighbours:{name}"] = self._comparators_in(name, y)
            rows[y.label] = row
        return pd.DataFrame.from_dict(rows, orient="index", dtype=object)

    @cached_property
    def reconciliation(self):
        """The year's measures beside the authority's DfE-published figures (see :mod:`cpstats.present.reconciliation`)."""
        from cpstats.present.reconciliation import published_for, reconcile

        return reconcile(self.values, published_for(self.dataset.la_code, self.year, self.reference_dir))

    def comparators(self, names: Sequence[str] | None = None) -> dict:
        """England's, the region's and the statistical neighbours' published figures for the headline measures.

        A :class:`~cpstats.data.comparators.Comparison` per measure, or ``None``
        where the reference data do not know the authority. The authority's
        rank among its neighbours is worked out from its own figure only when
        that figure is published in this report (else from DfE's published one;
        :func:`cpstats.present.tables.comparators_table` shows no rank beside a withheld figure).
        """
        from cpstats.data.comparators import HEADLINE_MEASURES, comparator_values
        from cpstats.figures.figures import is_withheld

        found = {}
        for name in names or HEADLINE_MEASURES:
            ours = self.values.get(name)
            try:
                found[name] = comparator_values(name, self.year, self.dataset.la_code, self.reference_dir,
                                                value=None if ours is None or is_withheld(ours) else ours)
            except (KeyError, ValueError, FileNotFoundError):
                found[name] = None
        return found

    @cached_property
    def local_figures(self) -> dict[str, dict]:
        """The figures from other sources of ``commentary/<la>/<year>/local_figures.csv``, protected as the
        report's figures are (a count of people from 1 to the threshold withheld in a public report); ``{}``
        when there is no such file."""
        from cpstats.data.dataset import read_local_figures
        from cpstats.figures.figures import protect_local_figures

        path = Path(self.commentary_dir) / self.la / self.year.label / LOCAL_FIGURES_FILE
        rows = read_local_figures(path, f"commentary/{self.la}/{self.year.label}/{LOCAL_FIGURES_FILE}")
        return protect_local_figures(rows, self.figures.policy)

    def commentary_context(self) -> Context:
        """The values a commentary placeholder can name (worked out once: every section's commentary fills from it)."""
        if self._commentary_context is None:
            self._commentary_context = self._make_commentary_context()
        return self._commentary_context

    def _make_commentary_context(self) -> Context:
        england = {name: pair[0] for name, pair in self.england_values().items() if pair is not None}
        words = {
            "year": self.year.label,
            "previous_year": self.year.previous().label,
            "next_year": self.year.next().label,
            "la_name": self.la_name,
            "year_start": _date(self.year.start),
            "year_end": _date(self.year.end),
        }
        from cpstats.present.reconciliation import published_for

        published = published_for(self.dataset.la_code, self.year, self.reference_dir)
        comparisons = {name: c for name, c in self.comparators().items() if c is not None}
        region = {name: c.region for name, c in comparisons.items() if c.region is not None}
        neighbours = {name: c.neighbours_average for name, c in comparisons.items() if c.neighbours_average is not None}
        words["region_name"] = next((c.region_name for c in comparisons.values()), "")
        return Context(dict(self.values), dict(self.previous) if self.previous else None, england, words, published,
                       region, neighbours, self.local_figures)

    def placeholders(self) -> list[tuple[str, str]]:
        """Every placeholder commentary may use for this report, with the value it prints (protected)."""
        from cpstats.figures.figures import flatten
        from cpstats.present.commentary import fill

        context = self.commentary_context()
        names = [f"{{{{ {name} }}}}" for name in (context.words or {})]
        for scope, source in ((None, context.measures), ("previous", context.previous), ("england", context.england),
                              ("region", context.region), ("neighbours", context.neighbours),
                              ("published", context.published)):
            prefix = f"{scope}:" if scope else ""
            names += [f"{{{{ {prefix}{name} }}}}" for name in flatten(source or {})]
        names += [f"{{{{ local:{name} }}}}" for name in context.local or {}]
        if context.previous:
            names += [f"{{{{ change:{name} }}}}" for name, value in flatten(context.measures).items()
                      if isinstance(value, int) and name in flatten(context.previous)]
        found = []
        for name in names:
            try:
                found.append((name, fill(name, context)))
            except Exception:  # a name its scope cannot fill (e.g. a breakdown's label with a brace) is left out
                continue
        return found

    def commentary(self, section: str) -> Commentary:
        """The section's commentary, filled, or the visible "not yet written" note."""
        source, values, written = commentary_parts(self.commentary_dir, self.la, self.year.label, section,
                                                   self.commentary_context)  # worked out only for a written file
        file = commentary_path(Path(), self.la, self.year.label, section).as_posix()
        return Commentary(section, with_values(source, values), written, file, source, values)

    def key_plan(self, caption: str, section: str = "19_key_plan"):
        """The key plan shown as a table (actions and who), or the note that it is not yet written."""
        plan = read_key_plan(self.commentary_dir, self.la, self.year.label, section)
        if plan is None:
            from cpstats.present.commentary import MISSING_NOTE

            return Commentary(section, MISSING_NOTE, False, key_plan_path(Path(), self.la, self.year.label, section).as_posix())
        from cpstats.present.tables import key_plan_table, show

        return show(key_plan_table(plan), caption, source=f"{self.la_name}: the report's key plan")


LOCAL_FIGURES_FILE = "local_figures.csv"
"""The figures from other sources, beside a year's commentary (see :data:`cpstats.data.contract.LOCAL_FIGURES`)."""

ENGLAND_ONLY = ("on_plan_2_years_or_more_at_31_march_pct",)
"""Measures whose England figure comes from DfE's published files only (not ``england.csv``)."""


def _date(day) -> str:
    from cpstats.present.numbers import date_phrase

    return date_phrase(day)


def load_context(
    la: str,
    year: str | ReportingYear,
    data_dir: str | Path,
    reference_dir: str | Path,
    commentary_dir: str | Path,
    dataset: Dataset | None = None,
    *,
    disclosure: str = "internal",
    threshold: int = DEFAULT_THRESHOLD,
    measures_dir: str | Path | None = None,
) -> ReportContext:
    """Load and validate the data and the report's figures, protected for ``disclosure``.

    Folders given relative are found from the working directory or the
    project root (see :func:`cpstats.data.paths.resolve_input_dir`), so the same
    parameters work in Jupyter and in a build. A ``dataset`` already loaded
    from ``data_dir`` is used as it is (the build assembling a report has one).
    ``disclosure`` is ``internal`` (every count) or ``public`` (counts of people
    from 1 to ``threshold`` withheld, and whatever would reveal them).
    ``measures_dir`` holds the project's local measures (``measures/``, found
    like the other folders by default; see :mod:`cpstats.figures.local`).
    """
    import os

    from cpstats.data.dataset import VALIDATED_CACHE_ENV
    from cpstats.data.paths import resolve_input_dir

    reporting_year = ReportingYear.parse(year)
    reference_dir = resolve_input_dir(reference_dir)
    dataset = dataset if dataset is not None else load_dataset(resolve_input_dir(data_dir))
    from cpstats.figures.local import MEASURES_FOLDER

    measures_dir = resolve_input_dir(measures_dir or MEASURES_FOLDER)
    figures = report_figures(dataset, reporting_year, reference_dir, (disclosure, int(threshold)),
                             cache_dir=os.environ.get(VALIDATED_CACHE_ENV) or None, measures_dir=measures_dir)
    before = reporting_year.previous()
    previous = figures.of(before.label) if referrals(dataset, before) > 0 else None
    return ReportContext(
        la=la, year=reporting_year, dataset=dataset, reference_dir=reference_dir,
        commentary_dir=resolve_input_dir(commentary_dir), figures=figures, previous=previous,
    )
