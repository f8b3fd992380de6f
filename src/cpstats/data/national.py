"""Synthetic record-level data for every English authority, at its published headline figures.

``cpstats synth --national`` writes one folder per current English authority. Each folder
holds every table of the data contract for the reporting years asked for and for
:data:`HISTORY_YEARS` years before them, built so that each year's headline measures, as
:mod:`cpstats.figures.measures` computes them, are the authority's published figures in
``data/reference/published.csv`` (the compact tables ``cpstats reference import`` derives
from DfE's "Children in need" files):

* ``referrals``: the year's referrals, exactly;
* ``plan_starts``: the year's plan starts, exactly;
* ``children_on_plan_at_31_march``: the children on a plan at 31 March, exactly, in every
  year including the history years, so the first reported year starts from a stock at the
  published level (plans open on 1 April of the first history year are written too, with
  their start dates before it);
* ``second_or_subsequent_plan_pct``: that share of the year's plan starts are a child's
  second or later plan (a child whose earlier plan is in the data, or one whose
  ``previous_plans`` records a plan before the data), to the nearest child;
* ``on_plan_2_years_or_more_at_31_march``: that many of the children on a plan at 31 March
  started it two years or more before, exactly while the plans open allow it;
* ``s47_enquiries`` and ``icpcs``: the year's enquiries and initial conferences, exactly
  while the year's referrals allow it.

Plans are built year by year as a stock and flow: the year's starts join the plans open on
1 April, and of them the published number stay open at 31 March, the others ending at one
of their review conferences in the year (a plan lasting longer is less likely to stay
open). Families start plans together and mostly end them together.

A figure DfE withheld (``[c]``, ``[x]``, ...) or did not publish for a year is taken from the
authority's nearest year that has it (a history year before DfE's first year takes the
first year's), and a share with no published year at all from England's; every such
fallback is written to the folder's ``la.yaml`` under ``synthetic_notes``, one line each.
DfE's files give no ethnicity by authority, so every authority's children have the one
England-wide mix of :data:`ENGLAND_ETHNICITY_MIX`, which ``la.yaml`` says too.

:func:`cpstats.figures.synthetic.check_national` computes each written authority's measures with the real measures
code and compares them with the published figures (``cpstats synth --check DIR``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from cpstats.data.contract import CATEGORY_CODES, ETHNICITY_CODES, REFERRAL_SOURCES, TABLES

__all__ = ["HISTORY_YEARS", "HEADLINE", "SHAPED", "ENGLAND_ETHNICITY_MIX", "Targets", "authority_targets", "write_authority",
           "ABSOLUTE_TOLERANCE"]

HISTORY_YEARS = 3
"""Years of records written before the first reported year (none of them reported)."""

HEADLINE = ("referrals", "plan_starts", "children_on_plan_at_31_march", "second_or_subsequent_plan_pct",
            "on_plan_2_years_or_more_at_31_march", "s47_enquiries", "icpcs")
"""The measures the synthetic authorities are built to match, in the order the checker prints them."""
SHAPED = ("rereferrals_within_12_months_pct",)
"""Measures the data are drawn towards, not built on: the share of referrals of a child referred in the 12
months before (each referral without an enquiry is of such a child with a chance worked out from it)."""

ABSOLUTE_TOLERANCE = {"second_or_subsequent_plan_pct": 1.0, "on_plan_2_years_or_more_at_31_march": 1.0}
"""Where 10% of a small published figure is less than one child, the checker allows this much instead:
half a child either way of the share of repeat plans is ``50 / plan starts`` points (rounding to whole
children), so 1 point; a count of children on a plan for two years or more, 1 child."""

_COUNTS = ("referrals", "plan_starts", "children_on_plan_at_31_march", "on_plan_2_years_or_more_at_31_march",
           "s47_enquiries", "icpcs")
_MINIMUM = {"referrals": 20, "s47_enquiries": 6, "icpcs": 4, "plan_starts": 4, "children_on_plan_at_31_march": 3}
"""What a count is taken to be when the authority has no published year of it at all."""

ENGLAND_ETHNICITY_MIX = {
    "WBRI": 0.66, "WIRI": 0.002, "WIRT": 0.004, "WOTH": 0.05, "WROM": 0.004,
    "MWBC": 0.025, "MWBA": 0.01, "MWAS": 0.012, "MOTH": 0.022,
    "AIND": 0.012, "APKN": 0.035, "ABAN": 0.012, "AOTH": 0.015,
    "BCRB": 0.012, "BAFR": 0.035, "BOTH": 0.01,
    "CHNE": 0.001, "OOTH": 0.025,
    "REFU": 0.005, "NOBT": 0.009,
}
"""The one ethnic mix of every synthetic authority's children: a rough picture of England's children
in need (about two thirds White British), not any authority's published figures, which DfE's
"Children in need" files do not give by authority."""

_CATEGORY_P = (0.48, 0.07, 0.36, 0.04, 0.05)  # NEG, PHY, EMO, SAB, MUL
_FAMILY_SIZE_P = (0.42, 0.30, 0.16, 0.08, 0.04)
_REVIEWS = 12  # review conferences drawn per plan: three months, then every six, for over five years
_SURVIVAL_DAYS, _SURVIVAL_SHAPE = 306.0, 1.39
"""How the chance of a plan still being open falls with its age ``a`` (days): ``exp(-(a / 306) ** 1.39)``,
fitted by hand to England's plans open at 31 March by duration (DfE d5, 2019-20: 31.7% 3 months or less,
24.8% over 3 to 6 months, 26.7% over 6 months to a year, 14.7% 1 to 2 years, 2.1% 2 years or more)."""
_ENDS_AT_REVIEW = 0.7
"""The share of plans that end at a review conference; the others end on another day (a review brought
forward, a child moving away or turning 18)."""


def _log_survival(age_days: np.ndarray) -> np.ndarray:
    return -(np.maximum(age_days, 0) / _SURVIVAL_DAYS) ** _SURVIVAL_SHAPE


def _day(year: int, month: int, day: int) -> np.datetime64:
    return np.datetime64(dt.date(year, month, day), "D")


def _label(first: int) -> str:
    return f"{first}-{(first + 1) % 100:02d}"


# ----------------------------------------------------------------- targets


@dataclass
class Targets:
    """One authority's yearly targets (by the reporting year's first calendar year) and how each was found."""

    la_code: int
    years: list[int]
    values: dict[str, dict[int, float]]
    notes: list[str] = field(default_factory=list)


def authority_targets(published: pd.DataFrame, la_code: int, years: list[int], england: pd.DataFrame | None = None) -> Targets:
    """The figures to build ``years`` on, from ``published.csv``'s rows; fallbacks for withheld ones, noted.

    A count or share withheld or missing in a year is the authority's nearest published year's
    (the earlier of two as near); a share never published is England's for the year; a count never
    published is the floor of :data:`_MINIMUM` (two years or more: none).
    """
    rows = published[(published["area_type"] == "la") & (published["area_code"] == str(la_code))]
    shown = rows[rows["status"].isin(["published", "derived"])]
    values: dict[str, dict[int, float]] = {}
    notes: list[str] = []
    taken: set[tuple[str, int]] = set()  # the figures not published for their year
    for measure in HEADLINE + SHAPED:
        series = {int(y[:4]): float(v) for y, v in zip(shown.loc[shown["measure"] == measure, "year"],
                                                       shown.loc[shown["measure"] == measure, "value"])}
        status = {int(y[:4]): s for y, s in zip(rows.loc[rows["measure"] == measure, "year"],
                                                rows.loc[rows["measure"] == measure, "status"])}
        values[measure] = {}
        fallbacks: dict[str, list[str]] = {}
        for year in years:
            why = f"[{status[year]}]" if year in status else "not published"
            if year in series:
                values[measure][year] = series[year]
                continue
            taken.add((measure, year))
            if series:
                nearest = min(series, key=lambda y: (abs(y - year), y))
                values[measure][year] = series[nearest]
                used = f"{_label(nearest)}'s"
                if measure in _COUNTS and status.get(year) == "c" and series[nearest] < 1:
                    values[measure][year], used = 1.0, f"1 ({_label(nearest)}'s is 0 but [c] is a small count)"
                fallbacks.setdefault(used, []).append((year, why))
            elif measure.endswith("_pct") and england is not None and _england(england, measure, year) is not None:
                values[measure][year] = _england(england, measure, year)
                fallbacks.setdefault("England's", []).append((year, why))
            else:
                values[measure][year] = float(_MINIMUM.get(measure, 0))
                fallbacks.setdefault(f"{_MINIMUM.get(measure, 0)} (none published)", []).append((year, why))
        for used, which in fallbacks.items():
            notes += _fallback_notes(measure, which, used)
    notes += _fit_to_published(values, taken, years)
    return Targets(int(la_code), list(years), values, notes)


def _fit_to_published(values: dict[str, dict[int, float]], taken: set[tuple[str, int]], years: list[int]) -> list[str]:
    """Lower figures taken from another year where the year's own figures cannot hold them; say so.

    Every enquiry follows a referral: an enquiry count taken from another year is at most half the
    year's referrals; initial conferences taken from another year at most the enquiries; plan starts taken
    from another year at most the conferences and the referrals left for children transferred in.
    """
    notes = []
    limits = (
        ("s47_enquiries", lambda y: values["referrals"][y] // 2, "half the year's referrals"),
        ("icpcs", lambda y: values["s47_enquiries"][y], "the year's enquiries"),
        ("plan_starts", lambda y: values["icpcs"][y] + max(values["referrals"][y] - values["s47_enquiries"][y], 0) // 2,
         "the year's conferences and half its referrals without an enquiry"),
    )
    for measure, limit, what in limits:
        for year in years:
            if (measure, year) in taken and values[measure][year] > limit(year):
                values[measure][year] = float(limit(year))
                notes.append(f"{measure} {_label(year)}: lowered to {limit(year):g}, at most {what}")
    return notes


NOTE_LENGTH = 200
"""The longest text ``la.yaml`` may hold (:mod:`cpstats.data.authority`): longer notes are split."""


def _fallback_notes(measure: str, years: list[tuple[int, str]], used: str) -> list[str]:
    """``measure: 2014-15 to 2016-17 [c], 2019-20 not published: 2017-18's used``, in lines of at most :data:`NOTE_LENGTH`.

    >>> _fallback_notes("icpcs", [(2014, "[c]"), (2015, "[c]"), (2016, "[c]"), (2019, "[x]")], "2017-18's")
    ["icpcs: 2014-15 to 2016-17 [c], 2019-20 [x]: 2017-18's used"]
    """
    runs: list[list] = []
    for year, why in years:
        if runs and runs[-1][1] == year - 1 and runs[-1][2] == why:
            runs[-1][1] = year
        else:
            runs.append([year, year, why])
    parts = [f"{_label(a)}{'' if a == b else ' to ' + _label(b)} {why}" for a, b, why in runs]
    lines, current = [], []
    for part in parts:
        if current and len(f"{measure}: {', '.join(current + [part])}: {used} used") > NOTE_LENGTH:
            lines.append(current)
            current = []
        current.append(part)
    lines.append(current)
    return [f"{measure}: {', '.join(line)}: {used} used" for line in lines]


def _england(published: pd.DataFrame, measure: str, year: int) -> float | None:
    rows = published[(published["area_type"] == "england") & (published["measure"] == measure)
                     & (published["year"] == _label(year)) & published["status"].isin(["published", "derived"])]
    if rows.empty:
        rows = published[(published["area_type"] == "england") & (published["measure"] == measure)
                         & published["status"].isin(["published", "derived"])]
        if rows.empty:
            return None
        rows = rows.iloc[[int(np.argmin([abs(int(y[:4]) - year) for y in rows["year"]]))]]
    return float(rows["value"].iloc[0])


# ----------------------------------------------------------------- plans as a stock and flow


class _Authority:
    """Builds one authority's records; :meth:`tables` gives the contract's tables."""

    def __init__(self, targets: Targets, rng: np.random.Generator, history: int = HISTORY_YEARS):
        self.t = targets
        self.rng = rng
        self.first_reported = targets.years[history]
        self.years = targets.years
        self.extract = _day(self.years[-1] + 1, 3, 31)
        self.first_day = _day(self.years[0], 4, 1)
        # children: family, date of birth, sex
        self.family: list[np.ndarray] = []
        self.born: list[np.ndarray] = []
        self.n_children = 0
        self.n_families = 0

    # ------------------------------------------------------------- children

    def _new_families(self, sizes: np.ndarray, start: np.ndarray) -> np.ndarray:
        """Children of new families (one entry of ``sizes`` and ``start`` each); their indices, family by family.

        The youngest is 0 to 15 at the start (now and then unborn), the others 1 to 4 years older each.
        """
        n = int(sizes.sum())
        fam = np.repeat(np.arange(self.n_families, self.n_families + len(sizes)), sizes)
        self.n_families += len(sizes)
        rank = np.arange(n) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        youngest = self.rng.choice(17, len(sizes), p=_YOUNGEST_P) - 1  # -1: unborn at the start
        youngest = np.minimum(youngest, np.maximum(15 - 4 * (sizes - 1), -1))
        gaps = np.where(rank > 0, self.rng.integers(1, 5, n), 0)
        gap_sum = np.cumsum(gaps) - np.repeat(np.cumsum(gaps)[np.cumsum(sizes) - sizes] - gaps[np.cumsum(sizes) - sizes], sizes)
        age_days = (np.repeat(youngest, sizes) + gap_sum) * 365 + self.rng.integers(20, 345, n)
        born = np.repeat(start, sizes) - age_days.astype("timedelta64[D]")
        unborn = np.repeat(youngest, sizes) + gap_sum < 0
        born[unborn] = np.repeat(start, sizes)[unborn] + self.rng.integers(20, 120, int(unborn.sum())).astype("timedelta64[D]")
        return self._add_children(fam, born)

    def _add_children(self, fam: np.ndarray, born: np.ndarray) -> np.ndarray:
        index = np.arange(self.n_children, self.n_children + len(fam))
        self.family.append(fam)
        self.born.append(born)
        self.n_children += len(fam)
        return index

    def _single_children(self, day: np.ndarray) -> np.ndarray:
        """New children, one family each, referred on ``day``: aged 0 to 17 (a few unborn)."""
        n = len(day)
        fam = np.arange(self.n_families, self.n_families + n)
        self.n_families += n
        age = self.rng.integers(-60, 17 * 365 + 300, n)
        born = day - age.astype("timedelta64[D]")
        return self._add_children(fam, born)

    # ------------------------------------------------------------- plans

    def _starts(self, year: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        """``n`` plan starts in ``year``: family sizes and start days (working days), in date order."""
        sizes = []
        total = 0
        while total < n:
            size = min(1 + int(self.rng.choice(len(_FAMILY_SIZE_P), p=_FAMILY_SIZE_P)), n - total)
            sizes.append(size)
            total += size
        sizes = np.array(sizes, dtype=np.int64)
        low = _day(year, 4, 1)
        days = int((_day(year + 1, 4, 1) - low).astype(int))
        start = np.sort(np.busday_offset(low + self.rng.integers(0, days, len(sizes)).astype("timedelta64[D]"), 0,
                                         roll="backward"))
        start = np.maximum(start, low)
        return sizes, start

    def _reviews(self, start: np.ndarray, fam_noise: np.ndarray) -> np.ndarray:
        """Review conference days of plans started on ``start``: about 3 months, then about every 6 (``_REVIEWS`` each)."""
        first = 80 + (fam_noise * 10).astype(int)
        steps = np.concatenate([first[:, None], np.full((len(start), _REVIEWS - 1), 168)], axis=1)
        days = start[:, None] + np.cumsum(steps, axis=1).astype("timedelta64[D]")
        return np.busday_offset(days, 0, roll="forward")

    def build(self) -> None:
        v = self.t.values
        years = self.years
        rng = self.rng
        plans_child, plans_start, plans_prev, plans_family_key = [], [], [], []
        # the stock open on 1 April of the first year: started in the two and a half years before it
        h0 = years[0]
        stock = int(round(v["children_on_plan_at_31_march"][h0]))
        long_share = v["on_plan_2_years_or_more_at_31_march"][h0] / max(v["children_on_plan_at_31_march"][h0], 1)
        sizes, _ = self._starts(h0 - 1, stock)
        # ages as a steady stream of starts leaves them: a day's starts still open in proportion to the survival
        candidates = rng.integers(1, 1100, 8 * len(sizes) + 64)
        age = candidates[rng.random(len(candidates)) < np.exp(_log_survival(candidates))][: len(sizes)]
        if len(age) < len(sizes):  # pragma: no cover - eight draws a plan leave enough
            age = np.concatenate([age, rng.integers(1, 365, len(sizes) - len(age))])
        long_ones = rng.random(len(sizes)) < long_share * 1.5
        age[long_ones] = rng.integers(740, 1000, int(long_ones.sum()))
        start0 = np.busday_offset(_day(h0, 4, 1) - age.astype("timedelta64[D]"), 0, roll="backward")
        order = np.argsort(start0, kind="stable")
        sizes, start0 = sizes[order], start0[order]
        kids = self._new_families(sizes, start0)
        plans_child.append(kids)
        plans_start.append(np.repeat(start0, sizes))
        plans_prev.append((rng.random(len(kids)) < 0.15).astype(np.int64))
        noise0 = rng.random(len(sizes))
        plans_family_key.append(np.repeat(noise0, sizes))

        child = np.concatenate(plans_child)
        start = np.concatenate(plans_start)
        prev = np.concatenate(plans_prev)
        fam_key = np.concatenate(plans_family_key)
        end = np.full(len(child), np.datetime64("NaT"), dtype="datetime64[D]")
        reviews = self._reviews(start, fam_key)
        transfer = np.zeros(len(child), dtype=bool)
        self.shortfall: dict[tuple[str, int], int] = {}

        for year in years:
            low, high = _day(year, 4, 1), _day(year + 1, 3, 31)
            n_new = int(round(v["plan_starts"][year]))
            sizes, day = self._starts(year, n_new)
            n_fam = len(sizes)
            new_start = np.repeat(day, sizes)
            fam_noise = rng.random(n_fam)
            new_key = np.repeat(fam_noise, sizes)
            # second or subsequent plans: whole families first, in a random order
            repeats = int(round(v["second_or_subsequent_plan_pct"][year] * n_new / 100))
            order = rng.permutation(n_fam)
            first_child = np.cumsum(sizes) - sizes
            child_order = np.concatenate([first_child[f] + np.arange(sizes[f]) for f in order]) if n_fam else np.array([], int)
            is_repeat = np.zeros(n_new, dtype=bool)
            is_repeat[child_order[:repeats]] = True
            new_child = self._new_families(sizes, day)
            new_prev = np.zeros(n_new, dtype=np.int64)
            # about half the repeat plans are of children whose earlier plan is in the data and ended long enough ago
            ended = np.flatnonzero(~np.isnat(end) & (end < low - np.timedelta64(120, "D")))
            if len(ended):
                last = pd.Series(end[ended]).groupby(child[ended]).max()
                open_now = set(child[np.isnat(end)].tolist())
                pool = np.array([c for c in last.index.to_numpy() if c not in open_now], dtype=np.int64)
                pool = pool[rng.permutation(len(pool))]
                slots = np.flatnonzero(is_repeat & (rng.random(n_new) < 0.5))
                born_all = np.concatenate(self.born)
                taken = 0
                for slot in slots:
                    while taken < len(pool):
                        c = pool[taken]
                        taken += 1
                        b = born_all[c]
                        if b < new_start[slot] - np.timedelta64(30, "D") and new_start[slot] - b < np.timedelta64(17 * 365, "D"):
                            new_child[slot] = c
                            break
                    else:
                        break
            earlier = np.isin(new_child, child)
            new_prev[is_repeat & ~earlier] = 1 + (rng.random(int((is_repeat & ~earlier).sum())) < 0.2)
            if earlier.any():
                counts = pd.Series(child).value_counts()
                new_prev[earlier] = np.where(rng.random(int(earlier.sum())) < 0.8,
                                             counts.reindex(new_child[earlier]).to_numpy(), 0)
            # a few plans come from another authority (a transfer-in conference, no enquiry here)
            new_transfer = np.repeat(rng.random(n_fam) < 0.03, sizes)
            # no more plans from an initial conference than the year's published conferences
            room = int(round(v["icpcs"][year]))
            from_icpc = np.flatnonzero(~new_transfer)
            if len(from_icpc) > room:
                new_transfer[from_icpc[room:]] = True

            child = np.concatenate([child, new_child])
            start = np.concatenate([start, new_start])
            end = np.concatenate([end, np.full(n_new, np.datetime64("NaT"), dtype="datetime64[D]")])
            prev = np.concatenate([prev, new_prev])
            fam_key = np.concatenate([fam_key, new_key])
            reviews = np.concatenate([reviews, self._reviews(new_start, new_key)])
            transfer = np.concatenate([transfer, new_transfer])

            # who is still on a plan at 31 March: the published number, the published number of them long
            open_ = np.flatnonzero(np.isnat(end) & (start <= high))
            long_cut = _day(year - 1, 3, 31)
            is_long = start[open_] <= long_cut
            want = int(round(v["children_on_plan_at_31_march"][year]))
            want_long = int(round(v["on_plan_2_years_or_more_at_31_march"][year]))
            n_long, n_short = int(is_long.sum()), int((~is_long).sum())
            keep_long = min(want_long, n_long, want)
            keep_short = min(want - keep_long, n_short)
            if keep_short < want - keep_long:  # too few short plans: keep more long ones
                keep_long = min(n_long, want - keep_short)
            if keep_long != want_long:
                self.shortfall[("on_plan_2_years_or_more_at_31_march", year)] = keep_long - want_long
            if keep_long + keep_short != want:
                self.shortfall[("children_on_plan_at_31_march", year)] = keep_long + keep_short - want
            # each plan stays open by its chance of lasting from 1 April (or its start) to 31 March, a family's
            # plans together: the year's survivors are drawn in proportion to it (Gumbel keys, one a family)
            families, family_of = np.unique(fam_key[open_], return_inverse=True)
            draws = rng.random((len(families), 2))
            u = np.clip(draws[family_of.reshape(-1), 0], 1e-12, 1 - 1e-12)
            u_end = draws[family_of.reshape(-1), 1]
            age_end = (high - start[open_]).astype(float)
            age_begin = (low - start[open_]).astype(float)
            score = _log_survival(age_end) - _log_survival(age_begin) - np.log(-np.log(u))
            keep = np.zeros(len(open_), dtype=bool)
            for group, k in ((is_long, keep_long), (~is_long, keep_short)):
                members = np.flatnonzero(group)
                if k > 0:
                    best = members[np.argsort(-score[members], kind="stable")[:k]]
                    keep[best] = True
            enders = open_[~keep]
            u_end = u_end[~keep]
            # an ending plan ends at a review conference in the year (one drawn for the family), or, now and
            # then, on another day of the year after it started
            lo = np.maximum(start[enders] + np.timedelta64(1, "D"), low)
            rev = reviews[enders]
            usable = (rev >= lo[:, None]) & (rev <= high)
            # a plan the figures do not keep open for two years ends before its second anniversary where it can
            last_day = np.where(start[enders] + np.timedelta64(729, "D") >= lo,
                                np.minimum(start[enders] + np.timedelta64(729, "D"), high), high)
            usable &= rev <= last_day[:, None]
            n_usable = usable.sum(axis=1)
            at_review = (n_usable > 0) & (u_end < _ENDS_AT_REVIEW)
            # the year's earlier reviews more often than its later ones: a plan ends at the first review that finds
            # the child safe
            which = np.floor((u_end / _ENDS_AT_REVIEW) ** 2 * np.maximum(n_usable, 1)).astype(int)
            pick = np.argmax(np.cumsum(usable, axis=1) > which[:, None], axis=1)
            span = np.maximum((last_day - lo).astype(int), 0)
            fraction = np.where(u_end >= _ENDS_AT_REVIEW, (u_end - _ENDS_AT_REVIEW) / (1 - _ENDS_AT_REVIEW),
                                u_end / _ENDS_AT_REVIEW)  # a uniform draw from [0, 1) either way
            other_day = lo + np.floor(fraction * (span + 1)).astype(int).astype("timedelta64[D]")
            end[enders] = np.where(at_review, rev[np.arange(len(enders)), pick], np.minimum(other_day, high))

        self.plan_child, self.plan_start, self.plan_end = child, start, end
        self.plan_prev, self.plan_key, self.plan_reviews, self.plan_transfer = prev, fam_key, reviews, transfer

    # ------------------------------------------------------------- demand: enquiries and referrals

    def demand(self) -> None:
        """An enquiry and a referral before each plan from a conference; others up to the year's totals."""
        v, rng = self.t.values, self.rng
        in_data = self.plan_start >= self.first_day
        from_icpc = in_data & ~self.plan_transfer
        # the plans' own enquiries: initial conference on the start day, enquiry 6 to 20 working days before
        p = np.flatnonzero(from_icpc)
        lag = np.where(rng.random(len(p)) < 0.8, rng.integers(6, 16, len(p)), rng.integers(16, 30, len(p)))
        s47_start = np.busday_offset(self.plan_start[p], -lag, roll="forward")
        ref_child = [self.plan_child[p]]
        ref_day = [s47_start - rng.integers(0, 12, len(p)).astype("timedelta64[D]")]
        s47_ref = [np.arange(len(p))]
        s47_days = [s47_start]
        s47_icpc = [self.plan_start[p]]
        s47_requested = [np.ones(len(p), dtype=bool)]
        # transfers in: a referral (from another authority) only
        t = np.flatnonzero(in_data & self.plan_transfer)
        ref_child.append(self.plan_child[t])
        ref_day.append(np.busday_offset(self.plan_start[t], -rng.integers(3, 12, len(t)), roll="forward"))
        n_ref = len(p) + len(t)
        self.transfer_referrals = np.arange(len(p), n_ref)
        for year in self.years:
            low, high = _day(year, 4, 1), _day(year + 1, 3, 31)
            days = int((high - low).astype(int)) + 1
            icpc_now = int(((s47_icpc[0] >= low) & (s47_icpc[0] <= high)).sum())
            s47_now = int(((s47_days[0] >= low) & (s47_days[0] <= high)).sum())
            extra_icpc = max(int(round(v["icpcs"][year])) - icpc_now, 0)
            extra_s47 = max(int(round(v["s47_enquiries"][year])) - s47_now - extra_icpc, 0)
            n = extra_icpc + extra_s47
            if n:
                start = np.busday_offset(low + rng.integers(0, days - 25, n).astype("timedelta64[D]"), 0, roll="forward")
                kids = self._single_children(start)
                icpc = np.where(np.arange(n) < extra_icpc,
                                np.busday_offset(start, rng.integers(6, 16, n), roll="forward"), np.datetime64("NaT"))
                ref_child.append(kids)
                ref_day.append(start - rng.integers(0, 12, n).astype("timedelta64[D]"))
                s47_ref.append(n_ref + np.arange(n))
                s47_days.append(start)
                s47_icpc.append(icpc)
                s47_requested.append(np.arange(n) < extra_icpc + (rng.random(n) < 0.03) * n)
                n_ref += n
        ref_child, ref_day = np.concatenate(ref_child), np.concatenate(ref_day)
        # referrals with no enquiry, up to each year's published number; some children referred again
        extra_child, extra_day = [], []
        for year in self.years:
            low, high = _day(year, 4, 1), _day(year + 1, 3, 31)
            days = int((high - low).astype(int)) + 1
            have = int(((ref_day >= low) & (ref_day <= high)).sum())
            n = int(round(v["referrals"][year])) - have
            if n <= 0:
                if n < 0:
                    self.shortfall[("referrals", year)] = -n
                continue
            day = np.sort(low + rng.integers(0, days, n).astype("timedelta64[D]"))
            kids = self._single_children(day)
            # re-referrals: the year's share of all its referrals, from the referrals without an enquiry
            share = v.get("rereferrals_within_12_months_pct", {}).get(year, 17.0) / 100
            again = rng.random(n) < min(share * (have + n) / n, 0.95)
            known_day = np.concatenate([ref_day, *extra_day])
            known_child = np.concatenate([ref_child, *extra_child])
            order = np.argsort(known_day, kind="stable")
            known_day, known_child = known_day[order], known_child[order]
            lo = np.searchsorted(known_day, day - np.timedelta64(365, "D"))
            hi = np.searchsorted(known_day, day - np.timedelta64(7, "D"))
            can = again & (hi > lo)
            pick = lo[can] + (rng.random(int(can.sum())) * (hi[can] - lo[can])).astype(int)
            kids[can] = known_child[pick]
            extra_child.append(kids)
            extra_day.append(day)
        self.ref_child = np.concatenate([ref_child, *extra_child])
        self.ref_day = np.concatenate([ref_day, *extra_day])
        # the census holds one referral of a child a day: a repeat goes to a new child
        twice = pd.DataFrame({"c": self.ref_child, "d": self.ref_day}).duplicated().to_numpy()
        if twice.any():
            self.ref_child[twice] = self._single_children(self.ref_day[twice])
        self.s47_ref = np.concatenate(s47_ref)
        self.s47_start = np.concatenate(s47_days)
        self.s47_icpc = np.concatenate(s47_icpc)
        self.s47_requested = np.concatenate(s47_requested) | ~np.isnat(self.s47_icpc)

    def note_differences(self) -> None:
        """Each year's plan starts, enquiries and initial conferences as built, where they differ from the figure."""
        v = self.t.values
        for year in self.years:
            low, high = _day(year, 4, 1), _day(year + 1, 3, 31)
            built = {"plan_starts": ((self.plan_start >= low) & (self.plan_start <= high)).sum(),
                     "s47_enquiries": ((self.s47_start >= low) & (self.s47_start <= high)).sum(),
                     "icpcs": ((self.s47_icpc >= low) & (self.s47_icpc <= high)).sum()}
            for measure, count in built.items():
                if int(count) != int(round(v[measure][year])):
                    self.shortfall[(measure, year)] = int(count) - int(round(v[measure][year]))

    # ------------------------------------------------------------- tables

    def tables(self, ethnicity_p: np.ndarray) -> dict[str, pd.DataFrame]:
        rng = self.rng
        extract = self.extract
        n_children = self.n_children
        family = np.concatenate(self.family)
        born = np.concatenate(self.born)
        # every child is someone's: keep the children named by a record, numbered in order of appearance
        used = np.zeros(n_children, dtype=bool)
        used[self.ref_child] = True
        used[self.plan_child] = True
        keep = np.flatnonzero(used)
        new_index = np.full(n_children, -1)
        new_index[keep] = np.arange(len(keep))
        fam_used = np.unique(family[keep], return_inverse=True)[1]
        child_ids = _ids("C", len(keep))
        family_ids = _ids("F", int(fam_used.max()) + 1 if len(keep) else 0)
        b = born[keep]
        unborn = b > extract
        family_ethnicity = rng.choice(np.array(ETHNICITY_CODES), len(family_ids), p=ethnicity_p)  # a family's one
        children = dict({
            "child_id": child_ids, "family_id": family_ids[fam_used],
            "sex": np.where(unborn, "U", rng.choice(["M", "F"], len(keep))),
            "date_of_birth": _iso(np.where(unborn, np.datetime64("NaT"), b)),
            "expected_date_of_birth": _iso(np.where(unborn, b, np.datetime64("NaT"))),
            "ethnicity": np.where(unborn, "NOBT", family_ethnicity[fam_used]),
            "disability": _flag(rng.random(len(keep)) < 0.05),
        })
        # referrals, in date order
        r_order = np.lexsort((new_index[self.ref_child], self.ref_day))
        r_rank = np.empty(len(r_order), dtype=np.int64)
        r_rank[r_order] = np.arange(len(r_order))
        n_ref = len(r_order)
        ref_day = self.ref_day[r_order]
        closure = ref_day + rng.integers(0, 200, n_ref).astype("timedelta64[D]")
        source = rng.choice(np.array(REFERRAL_SOURCES), n_ref)
        source[np.isin(r_order, self.transfer_referrals)] = "5C"
        referral_ids = _ids("R", n_ref, 9)
        referrals = dict({
            "referral_id": referral_ids,
            "child_id": child_ids[new_index[self.ref_child[r_order]]],
            "referral_date": _iso(ref_day),
            "referral_source": source,
            "primary_need": np.char.add("N", rng.choice(10, n_ref, p=_NEED_P).astype(str)),
            "closure_date": _iso(np.where(closure <= extract, closure, np.datetime64("NaT"))),
            "no_further_action": _flag(rng.random(n_ref) < 0.08),
        })
        # enquiries, in date order
        s_order = np.lexsort((r_rank[self.s47_ref], self.s47_start))
        s_ref = r_rank[self.s47_ref[s_order]]
        s_start = self.s47_start[s_order]
        strategy = np.busday_offset(s_start, -rng.choice(3, len(s_start), p=(0.6, 0.3, 0.1)), roll="forward")
        strategy = np.maximum(strategy, ref_day[s_ref])
        strategy = np.minimum(strategy, s_start)
        icpc = self.s47_icpc[s_order]
        s47 = dict({
            "s47_id": _ids("S", len(s_order), 9),
            "child_id": referrals["child_id"][s_ref],
            "referral_id": referral_ids[s_ref],
            "strategy_discussion_date": _iso(strategy),
            "s47_start_date": _iso(s_start),
            "icpc_requested": _flag(self.s47_requested[s_order]),
            "icpc_date": _iso(np.where(icpc <= extract, icpc, np.datetime64("NaT"))),
        })
        # plans, in date order
        p_order = np.lexsort((new_index[self.plan_child], self.plan_start))
        pc = new_index[self.plan_child[p_order]]
        p_start, p_end = self.plan_start[p_order], self.plan_end[p_order]
        n_plans = len(p_order)
        initial = rng.choice(np.array(CATEGORY_CODES), n_plans, p=_CATEGORY_P)
        plan_ids = _ids("P", n_plans, 8)
        plans = dict({
            "plan_id": plan_ids, "child_id": child_ids[pc], "start_date": _iso(p_start), "end_date": _iso(p_end),
            "initial_category": initial,
            "latest_category": np.where(rng.random(n_plans) < 0.88, initial, rng.choice(np.array(CATEGORY_CODES), n_plans, p=_CATEGORY_P)),
            "previous_plans": self.plan_prev[p_order],
        })
        rev = self.plan_reviews[p_order]
        limit = np.where(np.isnat(p_end), extract, p_end)
        held = (rev <= limit[:, None]) & (rev >= self.first_day)
        plan_at, _ = np.nonzero(held)
        reviews = {"plan_id": plan_ids[plan_at], "review_date": _iso(rev[held])}
        tables = {"children": children, "referrals": referrals, "s47_enquiries": s47, "cp_plans": plans,
                  "cp_reviews": reviews}
        tables.update(self._conferences(children, fam_used, b, pc, p_start, p_end, rev, held, s47, s_start, icpc,
                                         self.plan_transfer[p_order]))
        return tables

    def _conferences(self, children, fam_used, born, pc, p_start, p_end, rev, held, s47, s_start, icpc, transfer):
        """Conferences of families (initial, transfer-in, review), who was at each, agencies, feedback, audits, MARAC."""
        rng = self.rng
        extract = self.extract
        in_data = p_start >= self.first_day
        # each plan's start conference and its reviews; a plan ending at a review ends at that conference
        plan_rows = np.flatnonzero(in_data)
        at_child = [pc[plan_rows]]
        at_date = [p_start[plan_rows]]
        at_kind = [np.where(transfer[plan_rows], 1, 0)]
        at_outcome = [np.full(len(plan_rows), 0)]
        r_plan, r_k = np.nonzero(held)
        r_date = rev[held]
        at_child.append(pc[r_plan])
        at_date.append(r_date)
        at_kind.append(np.full(len(r_plan), 2))
        at_outcome.append(np.where(r_date == p_end[r_plan], 2, 1))
        # initial conferences that decided on no plan
        child_of_s47 = np.searchsorted(children["child_id"], s47["child_id"])
        no_plan = np.flatnonzero(~np.isnat(icpc) & (icpc <= extract))
        no_plan = no_plan[~pd.MultiIndex.from_arrays([child_of_s47[no_plan], icpc[no_plan]]).isin(
            pd.MultiIndex.from_arrays([pc, p_start]))]
        at_child.append(child_of_s47[no_plan])
        at_date.append(icpc[no_plan])
        at_kind.append(np.full(len(no_plan), 0))
        at_outcome.append(np.full(len(no_plan), 3))
        at = pd.DataFrame({"child": np.concatenate(at_child), "date": np.concatenate(at_date),
                           "kind": np.concatenate(at_kind), "outcome": np.concatenate(at_outcome)})
        at = at[at["date"] <= extract]
        at["family"] = fam_used[at["child"].to_numpy()]
        at = at.sort_values(["date", "family", "kind", "child"], kind="stable").reset_index(drop=True)
        key = at[["date", "family", "kind"]]
        first = ~key.duplicated().to_numpy()
        number = np.cumsum(first) - 1
        conf_rows = np.flatnonzero(first)
        n_conf = len(conf_rows)
        conf_ids = _ids("K", n_conf, 8)
        age = (at["date"].to_numpy().astype("datetime64[D]") - born[at["child"].to_numpy()]).astype(int) // 365
        invited = np.bincount(number, weights=(age >= 11), minlength=n_conf).astype(int)
        conferences = dict({
            "conference_id": conf_ids,
            "family_id": children["family_id"][at["child"].to_numpy()[conf_rows]],
            "conference_type": np.array(["ICPC", "TRANSFER_IN", "RCPC"])[at["kind"].to_numpy()[conf_rows]],
            "date": _iso(at["date"].to_numpy()[conf_rows].astype("datetime64[D]")),
            "domestic_abuse": _flag(rng.random(n_conf) < 0.4),
            "children_invited": invited,
            "children_attended": rng.binomial(invited, 0.2),
        })
        conference_children = dict({
            "conference_id": conf_ids[number], "child_id": children["child_id"][at["child"].to_numpy()],
            "outcome": np.array(["PLAN_START", "PLAN_CONTINUE", "PLAN_END", "NO_PLAN"])[at["outcome"].to_numpy()], "advocate": _flag((age >= 10) & (rng.random(len(at)) < 0.3)),
        })
        n_agency = n_conf * len(_AGENCIES)
        invited_agency = rng.random(n_agency) < 0.92
        submitted = invited_agency & (rng.random(n_agency) < 0.7)
        agencies = dict({
            "conference_id": np.repeat(conf_ids, len(_AGENCIES)), "agency": np.tile(np.array(_AGENCIES), n_conf),
            "invited": _flag(invited_agency), "attended": _flag(invited_agency & (rng.random(n_agency) < 0.7)),
            "report_submitted": _flag(submitted), "report_on_time": _flag(submitted & (rng.random(n_agency) < 0.8)),
        })
        n_feedback = n_conf // 3
        feedback = dict({
            "conference_id": np.sort(rng.choice(conf_ids, n_feedback)) if n_conf else np.array([], str),
            "respondent": rng.choice(["PARENT", "CHILD", "FAMILY_MEMBER", "PROFESSIONAL"], n_feedback),
            "rating": rng.choice(5, n_feedback, p=(0.04, 0.08, 0.2, 0.4, 0.28)) + 1,
        })
        # case audits of children on a plan, two a month; MARAC referrals at about the plans' scale
        months = [(y, m) for y in self.years for m in range(12)]
        audit_day, audit_child = [], []
        open_plans = np.isnat(p_end)
        for year, m in months:
            month = np.datetime64(f"{year + (m + 3) // 12}-{(m + 3) % 12 + 1:02d}-01", "D")
            day = np.busday_offset(month + rng.integers(0, 25, 2).astype("timedelta64[D]"), 0, roll="forward")
            on = np.flatnonzero((p_start <= day[0]) & (open_plans | (p_end >= day[0])))
            if len(on):
                audit_day.append(day)
                audit_child.append(pc[rng.choice(on, 2)])
        audit_day = np.concatenate(audit_day) if audit_day else np.array([], "datetime64[D]")
        audit_child = np.concatenate(audit_child) if audit_child else np.array([], int)
        audits = dict({
            "audit_id": _ids("A", len(audit_day), 7), "audit_date": _iso(audit_day),
            "child_id": children["child_id"][audit_child],
            "grade": rng.choice(["OUTSTANDING", "GOOD", "REQUIRES_IMPROVEMENT", "INADEQUATE"], len(audit_day),
                                p=(0.08, 0.47, 0.35, 0.10)),
        })
        n_marac = max(int(len(p_start) * 0.8), 1)
        span = int((extract - self.first_day).astype(int)) + 1
        marac_day = np.sort(self.first_day + rng.integers(0, span, n_marac).astype("timedelta64[D]"))
        victim = rng.integers(0, n_marac // 2 + 1, n_marac)
        once = ~pd.DataFrame({"v": victim, "d": marac_day}).duplicated().to_numpy()
        victim, marac_day, n_marac = victim[once], marac_day[once], int(once.sum())
        marac = dict({
            "victim_id": np.char.add("V", victim.astype(str)),
            "referral_date": _iso(marac_day), "children_in_household": rng.integers(0, 4, n_marac),
            "repeat": _flag(rng.random(n_marac) < 0.3),
        })
        return {"conferences": conferences, "conference_children": conference_children,
                "conference_agencies": agencies, "feedback": feedback, "case_audits": audits, "marac": marac}


_YOUNGEST_P = np.array([4, 14, 11, 10, 9, 8, 7, 6, 6, 5, 5, 4, 4, 3, 3, 3, 2], dtype=float)
_YOUNGEST_P /= _YOUNGEST_P.sum()
_NEED_P = (0.02, 0.5, 0.04, 0.05, 0.1, 0.12, 0.04, 0.01, 0.03, 0.09)
_AGENCIES = ("Police", "Health Visitor", "School", "GP")


def _ids(prefix: str, n: int, width: int = 8) -> np.ndarray:
    if n == 0:
        return np.array([], dtype=f"<U{len(prefix) + width}")
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width))


def _iso(dates: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DD`` of each date, blank for NaT (each distinct day formatted once)."""
    days = dates.astype("datetime64[D]")
    unique, inverse = np.unique(days, return_inverse=True)
    text = np.where(np.isnat(unique), "", np.datetime_as_string(unique, unit="D"))
    return text.astype(object)[inverse.reshape(-1)]


def _flag(mask: np.ndarray) -> np.ndarray:
    return np.where(mask, "Y", "N")


# ----------------------------------------------------------------- writing


def _write_csv(path: Path, columns: list[np.ndarray], names) -> None:
    """One CSV of generated codes, numbers and dates (none holds a comma, quote or line break), LF line ends."""
    text = [np.asarray(c).astype(str).astype(object) if np.asarray(c).dtype.kind != "O" else c for c in columns]
    lines = [",".join(names)]
    lines += map(",".join, zip(*text))
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))


def write_authority(folder: Path, la_code: int, name: str, region: str, neighbours: list[int], targets: Targets,
                    rng: np.random.Generator, history: int = HISTORY_YEARS) -> Path:
    """Write one synthetic authority for ``targets.years`` (the first ``history`` of them unreported)."""
    builder = _Authority(targets, rng, history)
    builder.build()
    builder.demand()
    builder.note_differences()
    mix = np.array([ENGLAND_ETHNICITY_MIX.get(code, 0.0) for code in ETHNICITY_CODES])
    tables = builder.tables(mix / mix.sum())
    folder.mkdir(parents=True, exist_ok=True)
    for table, columns in tables.items():
        spec = TABLES[table]
        _write_csv(folder / spec.filename, [columns[c] for c in spec.columns], spec.columns)
    first, last = targets.years[history], targets.years[-1]
    notes = [f"synthetic: records from {_label(targets.years[0])} (with the plans open then); "
             f"{_label(first)} to {_label(last)} built on published figures",
             "ethnicity: one England-wide mix, not this authority's (DfE's files give none by authority)"]
    notes += [n for n in targets.notes]
    notes += [f"{measure} {_label(year)}: {'+' if d > 0 else ''}{d} from the figure "
              "(the year's other figures did not allow it)"
              for (measure, year), d in sorted(builder.shortfall.items())]
    la = {"name": f"{name} (synthetic)", "la_code": int(la_code), "region": region,
          "statistical_neighbours": [int(n) for n in neighbours], "extract_date": f"{last + 1}-03-31",
          "first_year": _label(first), "last_year": _label(last), "synthetic_notes": notes}
    la_yaml = yaml.safe_dump(la, sort_keys=False, allow_unicode=True, width=1_000_000, default_flow_style=False)
    (folder / "la.yaml").write_text(la_yaml, encoding="utf-8")
    return folder
