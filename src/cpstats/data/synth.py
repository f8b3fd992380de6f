"""Write the synthetic sample authority that ships in ``data/sample``.

The sample is an invented county the size of Rutland (about 8,000 children). It holds
record-level data for the reporting years 2012-13 to 2019-20, in every table of the data
contract, and is calibrated so that the 2017-18 report shows exactly the figures of
Rutland's 2017-18 child protection annual report (``docs/seed-figures.md``). The other years
are simulated to look like a county of that size and follow on from each other: a plan
open on 31 March is still open on 1 April.

Identifiers are synthetic codes (``C000123`` a child, ``F00042`` a family, ``R000001`` a
referral, ``S000001`` an enquiry, ``P00001`` a plan, ``CONF0001`` a conference, ``V0001`` a
MARAC victim, ``AUD0001`` an audit). No name, real or invented, appears anywhere.

How the sample is built
-----------------------
1. **Calibration cohort.** The twenty families with a plan at some time in 2017-18 are
   written out by hand in :data:`_COHORT` (start, review conferences, ages, category), as
   are the four initial conferences of 2017-18 that decided no plan was needed and three
   families whose enquiries began in March 2018. Plans open on 31 March 2018 carry on with
   simulated reviews.
2. **Other years.** Families start plans at random dates until each year's number of plan
   starts is reached. A plan's first review falls 2.5 to 3 months after it starts and each
   later one 5.5 to 6 months after the last; plans end at a review (sometimes one brought
   forward) and never last two years. Each year, families who have had plans before
   come back until about a quarter of the year's plans are second or later plans.
   (The county, :func:`write_county`, differs here: a few of its plans last two to three
   years, one review in fifty is held late, and its share of repeat plans follows
   Leicestershire's published one year by year.) Nothing simulated touches 2017-18: plans starting before it end by 31 March 2017.
3. **Demand.** Every plan and initial conference is preceded by a referral, a strategy
   discussion and a section 47 enquiry for each child. Enquiries that lead to no
   conference, and referrals that lead to no enquiry, are added until each year's totals
   are reached; some referrals are of children referred in the previous twelve months.
4. **Local tables.** Conferences get invited agencies and, from January 2017, feedback
   forms; case audits (up to two a month) and MARAC referrals are drawn.
5. **Extract.** The data are cut at :data:`EXTRACT_DATE`, identifiers are given in date
   order and every table is written sorted by its identifier.

One seed gives the same bytes every time: all randomness comes from a single
``numpy.random.default_rng(seed)`` and nothing depends on the clock or on set order.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path

import holidays
import numpy as np
import pandas as pd

__all__ = ["write_sample", "write_county", "EXTRACT_DATE", "SAMPLE_FILES"]

FIRST_DAY = dt.date(2012, 4, 1)
"""The first day of the sample's history (start of 2012-13)."""

EXTRACT_DATE = dt.date(2020, 3, 31)
"""The day the sample was 'extracted': nothing later is in it, and plans open then have no end date."""

CALIBRATION_YEAR = 2017
"""The reporting year (by its first calendar year) calibrated to the model report: 2017-18."""

_YEARS = tuple(range(2012, 2020))  # 2012-13 to 2019-20

LA_YAML = (
    "name: Rutland (synthetic sample)\n"
    "la_code: 857\n"
    "region: East Midlands\n"
    "statistical_neighbours: [815, 825, 868, 869, 872, 895, 936]\n"    "extract_date: 2020-03-31\n"
    "first_year: 2012-13\n"
    "last_year: 2019-20\n"
    "published: {2017-18: 2018-10-15}\n"
    "status: management information\n"
    "contact: Safeguarding and Quality Assurance Service (a synthetic sample, with no real contact)\n"
    "revisions: An error found after publication is corrected in a new version of the report within 20 working days; earlier versions are kept, with a page saying what changed.\n"
)
"""``la.yaml``: the DfE code is Rutland's; the neighbours are rural and affluent counties
(North Yorkshire, Buckinghamshire, Windsor and Maidenhead, West Berkshire, Wokingham,
Cheshire East, Surrey)."""

_COLUMNS: dict[str, tuple[str, ...]] = {
    "children": ("child_id", "family_id", "sex", "date_of_birth", "expected_date_of_birth", "ethnicity", "disability"),
    "referrals": ("referral_id", "child_id", "referral_date", "referral_source", "primary_need", "closure_date",
                  "no_further_action"),
    "s47_enquiries": ("s47_id", "child_id", "referral_id", "strategy_discussion_date", "s47_start_date",
                      "icpc_requested", "icpc_date"),
    "cp_plans": ("plan_id", "child_id", "start_date", "end_date", "initial_category", "latest_category",
                 "previous_plans"),
    "cp_reviews": ("plan_id", "review_date"),
    "conferences": ("conference_id", "family_id", "conference_type", "date", "domestic_abuse", "children_invited",
                    "children_attended"),
    "conference_children": ("conference_id", "child_id", "outcome", "advocate"),
    "conference_agencies": ("conference_id", "agency", "invited", "attended", "report_submitted", "report_on_time"),
    "case_audits": ("audit_id", "audit_date", "child_id", "grade"),
    "feedback": ("conference_id", "respondent", "rating"),
    "marac": ("victim_id", "referral_date", "children_in_household", "repeat"),
}

SAMPLE_FILES = ("la.yaml",) + tuple(f"{name}.csv" for name in _COLUMNS)
"""The files :func:`write_sample` writes, in the order it returns them."""

# ----------------------------------------------------------------- yearly targets

_PLAN_STARTS = {2012: 30, 2013: 36, 2014: 32, 2015: 34, 2016: 34, 2018: 36, 2019: 38}
"""Children starting a plan each year (2017-18 is the cohort's 20)."""

_REFERRALS = {2012: 330, 2013: 250, 2014: 225, 2015: 215, 2016: 412, 2017: 305, 2018: 355, 2019: 325}
_S47_ENQUIRIES = {2012: 72, 2013: 80, 2014: 62, 2015: 62, 2016: 100, 2017: 94, 2018: 76, 2019: 102}
_ICPC_REQUESTS_2017 = 35
_MARAC_2017 = {"victims": 18, "children": 24, "repeats": 8}
_AUDITS_2017 = {"months_with_two": 8, "months_with_one": 4}
_ADVOCATES_2017 = 11
_COHORT_SEXES = {"M": 22, "F": 17}  # the unborn child is U
_COHORT_DISABLED = 2

# ----------------------------------------------------------------- calibration cohort


@dataclass(frozen=True)
class _CohortFamily:
    """One family with plans during 2017-18, as the model report's figures need it.

    Attributes
    ----------
    start : str
        The conference that started the plans (ISO date, a Tuesday before a small shift).
    reviews : tuple of str
        Review conferences, up to the plan end when ``ends`` is true, else up to
        31 March 2018 (later reviews are simulated).
    ends : bool
        Whether the plans end, at the last review, in 2017-18.
    ages : tuple of int or None
        Each child's age in completed years at 31 March 2018, or at the plan end when
        the plans end in 2017-18; ``None`` for a child not yet born then.
    category, initial_category : str
        Latest and initial category of abuse.
    domestic_abuse : bool
        Domestic abuse recorded at the family's conferences.
    ethnicity : str
        DfE ethnicity code of the born children (an unborn child's is ``NOBT``).
    previous_plans : int
        Plans recorded before this one (held before the data begin).
    """

    start: str
    reviews: tuple[str, ...]
    ends: bool
    ages: tuple[int | None, ...]
    category: str
    initial_category: str
    domestic_abuse: bool
    ethnicity: str = "WBRI"
    previous_plans: int = 0


_COHORT: tuple[_CohortFamily, ...] = (
    # On a plan on 31 March 2017: 20 children in 8 families.
    _CohortFamily("2016-01-26", ("2016-04-19", "2016-10-11", "2017-04-04", "2017-09-26", "2017-12-12"), True,
                  (14, 11, 8), "EMO", "EMO", True),
    _CohortFamily("2016-05-17", ("2016-08-09", "2017-01-31", "2017-07-25", "2018-01-16"), True,
                  (7, 4), "NEG", "NEG", False, previous_plans=1),
    _CohortFamily("2016-06-21", ("2016-09-13", "2017-03-07", "2017-08-29", "2018-02-20"), True,
                  (13, 9), "EMO", "NEG", False),
    _CohortFamily("2016-08-09", ("2016-11-01", "2017-04-25", "2017-10-17", "2018-01-09"), True,
                  (16, 12), "EMO", "PHY", True),
    _CohortFamily("2017-01-10", ("2017-04-04", "2017-09-26"), True,
                  (6, 2), "NEG", "NEG", False),
    _CohortFamily("2017-03-07", ("2017-05-30", "2017-11-21"), True,
                  (10, 7, 5), "NEG", "MUL", False),
    _CohortFamily("2017-02-21", ("2017-05-16",), True,
                  (3, 1), "NEG", "NEG", False, previous_plans=1),
    _CohortFamily("2016-10-11", ("2017-01-03", "2017-06-27", "2017-12-19"), False,
                  (13, 11, 9, 6), "EMO", "EMO", True, ethnicity="WOTH"),
    # First plans starting in 2017-18: 20 children in 12 families.
    _CohortFamily("2017-04-11", ("2017-07-04", "2017-12-19"), False, (15, 12), "EMO", "EMO", True),
    _CohortFamily("2017-04-25", ("2017-07-18", "2017-10-10"), True, (14,), "SAB", "SAB", False),
    _CohortFamily("2017-05-09", ("2017-08-01", "2018-01-23"), False, (8, 5), "NEG", "NEG", False),
    _CohortFamily("2017-05-23", ("2017-08-15", "2018-02-06"), False, (9, 4, 2), "EMO", "EMO", True),
    _CohortFamily("2017-06-13", ("2017-09-05", "2018-02-27"), False, (13,), "SAB", "SAB", False),
    _CohortFamily("2017-06-27", ("2017-09-19", "2017-11-14"), True, (7, 3), "EMO", "EMO", True),
    _CohortFamily("2017-07-11", ("2017-10-03", "2018-03-27"), False, (15,), "NEG", "NEG", False),
    _CohortFamily("2017-08-08", ("2017-10-31", "2018-01-09"), True, (11,), "NEG", "EMO", False),
    _CohortFamily("2017-10-17", ("2018-01-09",), True, (0,), "NEG", "NEG", False),
    _CohortFamily("2017-09-12", ("2017-12-05",), False, (12, 9), "EMO", "EMO", True),
    _CohortFamily("2017-11-21", ("2018-02-13",), False, (4, 0), "NEG", "NEG", False),
    _CohortFamily("2018-02-20", (), False, (None, 1), "NEG", "NEG", False),
)
"""The calibration cohort: 40 children in 20 families, 21 plans ending in 2017-18."""

_COHORT_NO_PLAN = (("2017-06-20", True), ("2017-09-05", False), ("2017-12-05", False), ("2018-02-27", False))
"""Initial conferences of 2017-18 that decided no plan was needed: (date, domestic abuse)."""

_MARCH_2018_ENQUIRIES = (("2018-03-12", "2018-04-03", 2), ("2018-03-19", "2018-04-10", 3),
                         ("2018-03-26", "2018-04-17", 2))
"""Families whose enquiries began in March 2018 and whose plans began in April: (s47 start, ICPC, children)."""

# ----------------------------------------------------------------- distributions

_CATEGORIES = ("NEG", "EMO", "PHY", "SAB", "MUL")
_CATEGORY_P = (0.46, 0.38, 0.08, 0.04, 0.04)
_ETHNICITIES = ("WBRI", "WOTH", "WIRI", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN", "AOTH", "BAFR",
                "BCRB", "CHNE", "OOTH", "REFU", "NOBT")
_ETHNICITY_P = (0.845, 0.045, 0.006, 0.004, 0.018, 0.008, 0.008, 0.01, 0.006, 0.004, 0.006, 0.006, 0.004, 0.003,
                0.005, 0.003, 0.015)
_SOURCES = ("1A", "1B", "1C", "1D", "2A", "2B", "3A", "3B", "3C", "3D", "3E", "3F", "4", "5A", "5B", "5C", "5D",
            "6", "7", "8", "9", "10")
_SOURCE_P = (0.05, 0.01, 0.02, 0.02, 0.17, 0.02, 0.04, 0.04, 0.02, 0.04, 0.04, 0.02, 0.03, 0.06, 0.01, 0.03, 0.06,
             0.26, 0.01, 0.03, 0.01, 0.01)
_NEEDS = tuple(f"N{i}" for i in range(10))
_NEED_P = (0.02, 0.42, 0.05, 0.06, 0.13, 0.16, 0.04, 0.01, 0.03, 0.08)
_FATES = ("first", "early", "second", "third", "fourth")
"""Reviews at which a plan ends: the first (under 3 months), one brought forward (3 to 6 months),
the second (6 months to a year), the third or fourth (1 to 2 years)."""
_FATE_P = (0.14, 0.10, 0.41, 0.22, 0.13)
_FAMILY_SIZE_P = (0.38, 0.30, 0.18, 0.10, 0.04)
_YOUNGEST_AGE_P = np.array([14, 11, 10, 9, 8, 7, 6, 6, 5, 5, 4, 4, 3, 3, 3, 2], dtype=float)
_REFERRAL_AGE_P = np.array([3, 10, 6, 6, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 7, 7, 5, 4, 0], dtype=float)
"""Age at referral (unborn, 0, 1, ..., 17): weights."""
_REPEAT_SHARE = 0.18
_P_PRE_BIRTH = 0.07
_P_REREFERRAL = 0.21
_P_TRANSFER_IN = 0.05

_SERVICES = {  # agencies working with the adults of a family: chance of being involved
    "Probation": 0.22,
    "Substance Misuse Service": 0.2,
    "Adult Mental Health": 0.3,
    "Learning Disability Team": 0.07,
    "Targeted Intervention Practitioner": 0.35,
}
_AGENCIES = {  # agency: (invited, attended if invited, report if invited, on time if report)
    "Children's Social Care": (1.0, 0.99, 0.98, 0.85),
    "Police": (0.97, 0.45, 0.75, 0.7),
    "GP": (0.95, 0.1, 0.55, 0.6),
    "Health Visitor": (0.98, 0.85, 0.9, 0.8),
    "School Nurse": (0.9, 0.55, 0.8, 0.75),
    "School": (0.98, 0.9, 0.9, 0.8),
    "Probation": (0.9, 0.65, 0.7, 0.7),
    "Substance Misuse Service": (0.9, 0.7, 0.75, 0.7),
    "Specialist Domestic Abuse Service": (0.9, 0.25, 0.4, 0.5),
    "Adult Mental Health": (0.85, 0.3, 0.5, 0.6),
    "Learning Disability Team": (0.8, 0.35, 0.5, 0.6),
    "Targeted Intervention Practitioner": (0.95, 0.9, 0.85, 0.85),
}
_RESPONDENTS = {  # respondent: (how many forms per conference: weights for 0, 1, 2, 3), rating weights 1..5
    "PARENT": ((0.25, 0.5, 0.25, 0.0), (0.05, 0.1, 0.2, 0.35, 0.3)),
    "CHILD": ((0.3, 0.7, 0.0, 0.0), (0.05, 0.1, 0.25, 0.3, 0.3)),
    "FAMILY_MEMBER": ((0.75, 0.25, 0.0, 0.0), (0.05, 0.1, 0.2, 0.35, 0.3)),
    "PROFESSIONAL": ((0.2, 0.35, 0.3, 0.15), (0.01, 0.04, 0.15, 0.45, 0.35)),
}
_FEEDBACK_FROM = dt.date(2017, 1, 1)
_GRADES = ("OUTSTANDING", "GOOD", "REQUIRES_IMPROVEMENT", "INADEQUATE")
_GRADE_P = (0.08, 0.47, 0.35, 0.10)

# ----------------------------------------------------------------- dates


@functools.cache
def _calendar() -> np.busdaycalendar:
    """Monday to Friday without England and Wales bank holidays."""
    days = holidays.country_holidays("GB", subdiv="ENG", years=range(2009, 2025))
    return np.busdaycalendar(holidays=np.array(sorted(days), dtype="datetime64[D]"))


def _working_day(day: dt.date, roll: str = "forward") -> dt.date:
    """``day`` if it is a working day, else the next (``roll="backward"``: previous) one."""
    return np.busday_offset(np.datetime64(day, "D"), 0, roll=roll, busdaycal=_calendar()).item()


def _add_working_days(day: dt.date, n: int) -> dt.date:
    """The working day ``n`` working days after (``n < 0``: before) the working day ``day``."""
    return np.busday_offset(np.datetime64(day, "D"), n, roll="forward", busdaycal=_calendar()).item()


def _add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months as ``pandas.DateOffset`` adds them.

    >>> _add_months(dt.date(2017, 11, 30), 3)
    datetime.date(2018, 2, 28)
    """
    return (pd.Timestamp(day) + pd.DateOffset(months=months)).date()


def _age(born: dt.date, on: dt.date) -> int:
    """Age in completed years.

    >>> _age(dt.date(2004, 4, 1), dt.date(2018, 3, 31))
    13
    """
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _year_bounds(first: int) -> tuple[dt.date, dt.date]:
    """1 April and 31 March of the reporting year starting in ``first``."""
    return dt.date(first, 4, 1), dt.date(first + 1, 3, 31)


def _days(n) -> dt.timedelta:
    return dt.timedelta(days=int(n))


def _iso(day: dt.date | None) -> str:
    return "" if day is None else day.isoformat()


# ----------------------------------------------------------------- records


@dataclass
class _Child:
    family: int
    born: dt.date  # for a child still unborn at the extract: the expected date
    sex: str
    ethnicity: str
    disability: str
    expected: dt.date | None = None  # expected date of birth, kept when first known before birth
    spells: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)  # referral to closure


@dataclass
class _Episode:
    """A family's time on child protection plans, from the conference that starts them to the one that ends them."""

    family: int
    children: list[int]
    kind: str  # ICPC or TRANSFER_IN
    start: dt.date
    reviews: list[dt.date]  # review conferences; the plans end at the last one
    initial_category: str
    latest_category: str
    domestic_abuse: bool
    previous_plans: list[int]
    advocates: tuple[int, ...]
    services: tuple[str, ...]
    referral_date: dt.date
    strategy_date: dt.date | None = None
    s47_start: dt.date | None = None

    @property
    def end(self) -> dt.date:
        return self.reviews[-1]


@dataclass
class _Conference:
    family: int
    kind: str
    date: dt.date
    domestic_abuse: bool
    children: list[tuple[int, str, str]]  # child, outcome, advocate
    services: tuple[str, ...]


# ----------------------------------------------------------------- the builder


class _SampleBuilder:
    """Builds every record of the sample; :meth:`tables` turns them into the contract's tables."""

    calibration_year: int | None = CALIBRATION_YEAR
    plan_starts: dict[int, int] = _PLAN_STARTS
    referral_targets: dict[int, int] = _REFERRALS
    s47_targets: dict[int, int] = _S47_ENQUIRIES
    no_plan_conferences: tuple[int, int] = (2, 5)
    marac_victims: tuple[int, int] = (14, 24)
    fates: tuple[str, ...] = _FATES
    fate_p: tuple[float, ...] = _FATE_P
    p_plan_elsewhere: float = 0.08
    """The chance that a family new to the service had a plan before, elsewhere."""

    def repeat_share(self, year: int) -> float:
        """The share of a year's plan starts that go to families who have had plans before."""
        return _REPEAT_SHARE

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.children: list[_Child] = []
        self.family_children: list[list[int]] = []
        self.family_ethnicity: list[str] = []
        self.episodes: list[_Episode] = []
        self.conferences: list[_Conference] = []
        self.referrals: list[dict] = []
        self.s47s: list[dict] = []
        self.referral_index: list[tuple[dt.date, int]] = []  # (date, child), sorted
        self.audits: list[dict] = []
        self.marac: list[dict] = []

    # ------------------------------------------------------------- small draws

    def _uniform(self, low: int, high: int) -> int:
        """A whole number from ``low`` to ``high`` inclusive."""
        return int(self.rng.integers(low, high + 1))

    def _choice(self, options, p=None):
        return options[int(self.rng.choice(len(options), p=np.asarray(p) / np.sum(p) if p is not None else None))]

    def _random_day(self, low: dt.date, high: dt.date) -> dt.date:
        return low + _days(self._uniform(0, (high - low).days))

    def _random_working_day(self, low: dt.date, high: dt.date) -> dt.date:
        day = _working_day(self._random_day(low, high))
        return day if day <= high else _working_day(high, "backward")

    def _born_at_age(self, age: int, on: dt.date, before: dt.date | None = None) -> dt.date:
        """A date of birth giving ``age`` completed years on ``on`` (and before ``before``)."""
        latest = _add_months(on, -12 * age)
        earliest = _add_months(on, -12 * (age + 1)) + _days(1)
        if before is not None:
            latest = min(latest, before - _days(14))
        if latest < earliest:
            raise ValueError(f"no date of birth gives age {age} on {on} before {before}")
        return self._birth_day(earliest, latest)

    def _birth_day(self, low: dt.date, high: dt.date) -> dt.date:
        """A date of birth from ``low`` to ``high``, never 31 March or 1 April.

        Those two days head every report (the reporting year's bounds); keeping births off
        them keeps a published date from ever reading as a child's date of birth.
        """
        while True:
            day = self._random_day(low, high)
            if (day.month, day.day) not in ((3, 31), (4, 1)):
                return day

    # ------------------------------------------------------------- families and children

    def _new_family(self, ethnicity: str | None = None) -> int:
        self.family_children.append([])
        self.family_ethnicity.append(ethnicity or self._choice(_ETHNICITIES, _ETHNICITY_P))
        return len(self.family_children) - 1

    def _new_child(self, family: int, born: dt.date, known_from: dt.date, sex: str | None = None,
                   ethnicity: str | None = None, disability: str | None = None) -> int:
        expected = None
        if born > known_from:  # first known before birth: the expected date was recorded
            expected = self._birth_day(born - _days(12), born + _days(12))
        child = _Child(
            family=family,
            born=born,
            sex=sex or self._choice(("M", "F")),
            ethnicity=ethnicity or self.family_ethnicity[family],
            disability=disability or ("Y" if self.rng.random() < 0.06 else "N"),
            expected=expected,
        )
        self.children.append(child)
        self.family_children[family].append(len(self.children) - 1)
        return len(self.children) - 1

    def _new_family_children(self, family: int, start: dt.date, size: int | None = None) -> list[int]:
        """Children of a newly known family, aged up to 15 when their plans start.

        Without ``size`` the family's size is drawn and now and then the youngest is unborn
        (a pre-birth conference); with ``size`` there are exactly that many born children.
        """
        children = []
        if size is None:
            size = 1 + int(self.rng.choice(len(_FAMILY_SIZE_P), p=_FAMILY_SIZE_P))
            if self.rng.random() < _P_PRE_BIRTH:
                children.append(self._new_child(family, self._birth_day(start + _days(20), start + _days(90)), start))
                size -= 1
        age = int(self.rng.choice(16, p=_YOUNGEST_AGE_P / _YOUNGEST_AGE_P.sum()))
        if children:
            age = self._uniform(1, 4)
        age = min(age, max(0, 15 - 4 * (size - 1)))
        for _ in range(size):
            if age > 15:
                break
            children.append(self._new_child(family, self._born_at_age(age, start), start))
            age += self._uniform(1, 4)
        return children

    def _returning_family(self, start: dt.date) -> tuple[int, list[int]] | None:
        """A family whose last plans ended at least 200 days before ``start``, with its children under 16."""
        last_end: dict[int, dt.date] = {}
        for ep in self.episodes:
            last_end[ep.family] = max(last_end.get(ep.family, ep.end), ep.end)
        eligible = []
        for family in sorted(last_end):
            if last_end[family] > start - _days(200):
                continue
            young = [c for c in self.family_children[family]
                     if self.children[c].born < start and _age(self.children[c].born, start) <= 15]
            if young:
                eligible.append((family, young))
        if not eligible:
            return None
        family, young = eligible[int(self.rng.integers(len(eligible)))]
        if self.rng.random() < 0.25:  # a new baby in the family
            young = young + [self._new_child(family, self._birth_day(start - _days(300), start + _days(60)), start)]
        return family, young

    # ------------------------------------------------------------- plans

    def _review_schedule(self, start: dt.date, fate: str) -> list[dt.date]:
        """Review conferences of a plan that ends at the review ``fate`` names."""
        reviews = [_working_day(start + _days(self._uniform(75, 85)))]
        if fate == "first":
            return reviews
        if fate == "early":
            return reviews + [_working_day(reviews[0] + _days(self._uniform(35, 80)))]
        for _ in range({"second": 1, "third": 2, "fourth": 3}[fate]):
            reviews.append(_working_day(reviews[-1] + _days(self._uniform(160, 176))))
        return reviews

    def _continued_reviews(self, start: dt.date, reviews: list[dt.date]) -> list[dt.date]:
        """Further reviews of a plan open on 31 March 2018, ending it before two years."""
        if reviews:
            upcoming = [_working_day(reviews[-1] + _days(self._uniform(160, 176)))]
        else:
            upcoming = [_working_day(start + _days(self._uniform(75, 85)))]
        while True:
            following = _working_day(upcoming[-1] + _days(self._uniform(160, 176)))
            if (following - start).days >= 700:
                break
            upcoming.append(following)
        return upcoming[: self._uniform(1, len(upcoming))]

    def _services(self, domestic_abuse: bool) -> tuple[str, ...]:
        involved = []
        for agency, chance in _SERVICES.items():
            if agency == "Probation" and domestic_abuse:
                chance = 0.5
            if self.rng.random() < chance:
                involved.append(agency)
        if domestic_abuse:
            involved.append("Specialist Domestic Abuse Service")
        return tuple(involved)

    def _enquiry_dates(self, conference: dt.date, lag: int | None = None) -> tuple[dt.date, dt.date, dt.date]:
        """Referral, strategy discussion and s47 start before an initial conference.

        The conference is held ``lag`` working days after the enquiry starts: 6 to 15 as a
        rule, now and then 16 to 23.
        """
        if lag is None:
            lag = self._uniform(6, 15) if self.rng.random() < 0.92 else self._uniform(16, 23)
        s47_start = _add_working_days(conference, -lag)
        strategy = _add_working_days(s47_start, -int(self.rng.choice((0, 0, 0, 1, 1, 2))))
        referral = strategy - _days(self._uniform(0, 14))
        return referral, strategy, s47_start

    def add_cohort(self) -> None:
        """The calibration cohort: families with plans in 2017-18 and the initial conferences around them."""
        year_end = dt.date(2018, 3, 31)
        specs = []
        for spec in _COHORT:
            shift = _days(self.rng.choice((-1, 0, 1, 2)))  # the family's conference weekday
            start = _working_day(dt.date.fromisoformat(spec.start) + shift)
            reviews = [_working_day(dt.date.fromisoformat(d) + shift) for d in spec.reviews]
            if not spec.ends:
                reviews += self._continued_reviews(start, reviews)
            on = reviews[-1] if spec.ends else year_end  # the date the report takes ages at
            family = self._new_family(spec.ethnicity)
            children = []
            for age in spec.ages:
                if age is None:
                    born = self._birth_day(year_end + _days(5), year_end + _days(40))
                    children.append(self._new_child(family, born, start, sex="U", ethnicity="NOBT", disability="N"))
                else:
                    children.append(self._new_child(family, self._born_at_age(age, on, before=start), start))
            specs.append((spec, start, reviews, on, children))

        cohort = [c for *_, children in specs for c in children]
        born = [c for c in cohort if self.children[c].sex != "U"]
        sexes = np.array(["M"] * _COHORT_SEXES["M"] + ["F"] * _COHORT_SEXES["F"])
        if len(born) != len(sexes):
            raise RuntimeError("the cohort's sexes do not add up to its born children")
        for child, sex in zip(born, self.rng.permutation(sexes)):
            self.children[child].sex = str(sex)
        for child in born:
            self.children[child].disability = "N"
        for i in sorted(self.rng.choice(len(born), _COHORT_DISABLED, replace=False)):
            self.children[born[i]].disability = "Y"
        older = [c for spec, start, reviews, on, children in specs for c in children
                 if self.children[c].born <= on and _age(self.children[c].born, on) >= 10]
        advocates = {older[i] for i in self.rng.choice(len(older), _ADVOCATES_2017, replace=False)}

        for spec, start, reviews, on, children in specs:
            referral, strategy, s47_start = self._enquiry_dates(start, self._uniform(6, 15))
            self.episodes.append(_Episode(
                family=self.children[children[0]].family, children=children, kind="ICPC", start=start,
                reviews=reviews, initial_category=spec.initial_category, latest_category=spec.category,
                domestic_abuse=spec.domestic_abuse, previous_plans=[spec.previous_plans] * len(children),
                advocates=tuple(c for c in children if c in advocates), services=self._services(spec.domestic_abuse),
                referral_date=referral, strategy_date=strategy, s47_start=s47_start,
            ))

        for day, domestic_abuse in _COHORT_NO_PLAN:
            self._add_no_plan_conference(dt.date.fromisoformat(day), domestic_abuse, size=1)

        for s47_day, icpc_day, size in _MARCH_2018_ENQUIRIES:
            s47_start, icpc = dt.date.fromisoformat(s47_day), dt.date.fromisoformat(icpc_day)
            family = self._new_family()
            children = self._new_family_children(family, icpc, size)
            enquiry = (s47_start - _days(self._uniform(0, 14)), s47_start, s47_start)
            self._add_episode(family, children, icpc, "ICPC", self._random_fate_reviews(icpc), enquiry)

    def _random_fate_reviews(self, start: dt.date) -> list[dt.date]:
        return self._review_schedule(start, str(self.rng.choice(self.fates, p=self.fate_p)))

    def _add_episode(self, family: int, children: list[int], start: dt.date, kind: str, reviews: list[dt.date],
                     enquiry: tuple[dt.date, dt.date, dt.date] | None = None,
                     previous: list[int] | None = None) -> _Episode:
        """Record a simulated family's plans.

        Parameters
        ----------
        family, children, start, kind, reviews
            Who, from which conference (``ICPC`` or ``TRANSFER_IN``), and the review conferences.
        enquiry
            Referral, strategy discussion and s47 start before an ``ICPC`` (drawn when omitted).
        previous
            Plans each child had before (drawn for a family new to the service when omitted).
        """
        latest = str(self.rng.choice(_CATEGORIES, p=_CATEGORY_P))
        initial = latest if self.rng.random() < 0.85 else str(self.rng.choice(_CATEGORIES, p=_CATEGORY_P))
        domestic_abuse = bool(self.rng.random() < (0.65 if latest == "EMO" else 0.3))
        chance = 0.5 if start >= dt.date(2016, 7, 1) else 0.1
        advocates = tuple(c for c in children if self.children[c].born <= start
                          and _age(self.children[c].born, start) >= 10 and self.rng.random() < chance)
        if kind == "TRANSFER_IN":
            referral, strategy, s47_start = _add_working_days(start, -self._uniform(5, 15)), None, None
        else:
            referral, strategy, s47_start = enquiry or self._enquiry_dates(start)
        if previous is None:
            previous = [1 if self.rng.random() < self.p_plan_elsewhere else 0] * len(children)
        episode = _Episode(
            family=family, children=children, kind=kind, start=start, reviews=reviews, initial_category=initial,
            latest_category=latest, domestic_abuse=domestic_abuse, previous_plans=previous, advocates=advocates,
            services=self._services(domestic_abuse), referral_date=referral, strategy_date=strategy,
            s47_start=s47_start,
        )
        self.episodes.append(episode)
        return episode

    def _plans_before(self, child: int, start: dt.date) -> int:
        return sum(child in ep.children and ep.start < start for ep in self.episodes)

    def _calibration_bounds(self) -> tuple[dt.date, dt.date]:
        """1 April and 31 March of the calibrated year; an empty window when nothing is calibrated."""
        if self.calibration_year is None:
            return dt.date.max, dt.date.min
        return _year_bounds(self.calibration_year)

    def simulate_plans(self) -> None:
        """Random families start plans until each year's target is reached; none touch 2017-18."""
        calibration_start, calibration_end = self._calibration_bounds()
        for year, target in self.plan_starts.items():
            low, high = _year_bounds(year)
            while sum(len(ep.children) for ep in self.episodes if low <= ep.start <= high) < target:
                for _ in range(10_000):
                    start = self._random_working_day(low, high)
                    reviews = self._random_fate_reviews(start)
                    if start < calibration_start and reviews[-1] >= calibration_start:
                        continue
                    kind = "TRANSFER_IN" if self.rng.random() < _P_TRANSFER_IN else "ICPC"
                    referral, strategy, s47_start = self._enquiry_dates(start)
                    if referral < FIRST_DAY or calibration_start <= s47_start <= calibration_end:
                        continue
                    break
                else:  # pragma: no cover - the windows above always leave room
                    raise RuntimeError(f"no room for another plan in {year}")
                repeats = sum(p >= 1 for ep in self.episodes if low <= ep.start <= high for p in ep.previous_plans)
                returning = None
                if kind == "ICPC" and repeats < self.repeat_share(year) * target:
                    returning = self._returning_family(start)
                if returning is not None:
                    family, children = returning
                    previous = [self._plans_before(c, start) for c in children]
                else:
                    family = self._new_family()
                    children = self._new_family_children(family, start)
                    previous = None
                self._add_episode(family, children, start, kind, reviews, (referral, strategy, s47_start), previous)

    def _add_no_plan_conference(self, day: dt.date, domestic_abuse: bool, size: int) -> None:
        """An initial conference deciding that no plan was needed (a child in need plan instead)."""
        family = self._new_family()
        age = self._uniform(2, 14)
        children = []
        for _ in range(size):
            children.append(self._new_child(family, self._born_at_age(min(age, 15), day), day))
            age += self._uniform(1, 4)
        referral, strategy, s47_start = self._enquiry_dates(day)
        closure = day + _days(self._uniform(90, 300))
        for child in children:
            r = self._add_referral(child, referral, closure, need="N1")
            self._add_s47(child, r, strategy, s47_start, "Y", day)
        self.conferences.append(_Conference(family, "ICPC", day, domestic_abuse,
                                            [(c, "NO_PLAN", "N") for c in children], self._services(domestic_abuse)))

    def simulate_no_plan_conferences(self) -> None:
        """Two to five initial conferences a year (outside 2017-18) that decide no plan is needed."""
        calibration_start, calibration_end = self._calibration_bounds()
        for year in _YEARS:
            if year == self.calibration_year:
                continue
            low, high = _year_bounds(year)
            for _ in range(self._uniform(*self.no_plan_conferences)):
                while True:
                    day = self._random_working_day(max(low, FIRST_DAY + _days(45)), high)
                    if not (calibration_start - _days(40) <= day <= calibration_end + _days(40)):
                        break
                self._add_no_plan_conference(day, bool(self.rng.random() < 0.35),
                                             size=2 if self.rng.random() < 0.2 else 1)

    # ------------------------------------------------------------- referrals and enquiries

    def _add_referral(self, child: int, day: dt.date, closure: dt.date | None, need: str | None = None,
                      source: str | None = None, no_further_action: str = "N") -> int:
        self.referrals.append({
            "child": child, "date": day, "closure": closure, "nfa": no_further_action,
            "source": source or self._choice(_SOURCES, _SOURCE_P),
            "need": need or self._choice(("N1", "N4", "N5", "N3"), (0.8, 0.07, 0.1, 0.03)),
        })
        self.children[child].spells.append((day, closure))
        bisect.insort(self.referral_index, (day, child))
        return len(self.referrals) - 1

    def _add_s47(self, child: int, referral: int, strategy: dt.date, start: dt.date, requested: str,
                 icpc: dt.date | None) -> None:
        self.s47s.append({"child": child, "referral": referral, "strategy": strategy, "start": start,
                          "requested": requested, "icpc": icpc})

    def add_plan_records(self) -> None:
        """Referrals, enquiries, plans' conferences for every family episode."""
        for ep in self.episodes:
            closure = ep.end + _days(self._uniform(14, 120))
            for child in ep.children:
                source = "5C" if ep.kind == "TRANSFER_IN" else None
                r = self._add_referral(child, ep.referral_date, closure, source=source)
                if ep.kind == "ICPC":
                    self._add_s47(child, r, ep.strategy_date, ep.s47_start, "Y", ep.start)
            advocate = {c: ("Y" if c in ep.advocates else "N") for c in ep.children}
            self.conferences.append(_Conference(ep.family, ep.kind, ep.start, ep.domestic_abuse,
                                                [(c, "PLAN_START", advocate[c]) for c in ep.children], ep.services))
            for i, day in enumerate(ep.reviews):
                outcome = "PLAN_END" if i == len(ep.reviews) - 1 else "PLAN_CONTINUE"
                self.conferences.append(_Conference(ep.family, "RCPC", day, ep.domestic_abuse,
                                                    [(c, outcome, advocate[c]) for c in ep.children], ep.services))

    def _free(self, child: int, low: dt.date, high: dt.date | None) -> bool:
        """Whether ``child`` has no referral open at any time from ``low`` to ``high``."""
        high = high or dt.date.max
        return all(high < start or (end is not None and low > end) for start, end in self.children[child].spells)

    def _child_for_referral(self, day: dt.date, closure: dt.date | None) -> int:
        """A child referred in the last 12 months (a re-referral) or a child new to the service."""
        if self.rng.random() < _P_REREFERRAL:
            first = bisect.bisect_left(self.referral_index, (_add_months(day, -12), -1))
            last = bisect.bisect_left(self.referral_index, (day, -1))
            recent = sorted({child for _, child in self.referral_index[first:last]})
            candidates = [c for c in recent if self.children[c].born < day
                          and _age(self.children[c].born, day) <= 16 and self._free(c, day, closure)]
            if candidates:
                return candidates[int(self.rng.integers(len(candidates)))]
        age = int(self.rng.choice(len(_REFERRAL_AGE_P), p=_REFERRAL_AGE_P / _REFERRAL_AGE_P.sum())) - 1
        family = self._new_family()
        born = self._birth_day(day + _days(20), day + _days(150)) if age < 0 else self._born_at_age(age, day)
        return self._new_child(family, born, day)

    def fill_demand(self) -> None:
        """Enquiries without a conference and referrals without an enquiry, up to each year's totals."""
        slots = []
        for year in _YEARS:
            low, high = _year_bounds(year)
            in_year = [s for s in self.s47s if low <= s["start"] <= high]
            requested = sum(s["requested"] == "Y" for s in in_year)
            not_held = _ICPC_REQUESTS_2017 - requested if year == self.calibration_year else self._uniform(0, 3)
            plain = self.s47_targets[year] - len(in_year) - not_held
            if not_held < 0 or plain < 0:
                raise RuntimeError(f"{year}: the plans alone exceed the year's enquiries")
            for kind in ["not_held"] * not_held + ["no_icpc"] * plain:
                start = self._random_working_day(max(low, FIRST_DAY + _days(30)), high)
                strategy = _add_working_days(start, -int(self.rng.choice((0, 0, 1, 2))))
                slots.append({"kind": kind, "start": start, "strategy": strategy,
                              "date": strategy - _days(self._uniform(0, 20))})
        for year in _YEARS:
            low, high = _year_bounds(year)
            known = sum(low <= r["date"] <= high for r in self.referrals) + sum(low <= s["date"] <= high for s in slots)
            if known > self.referral_targets[year]:
                raise RuntimeError(f"{year}: the enquiries alone exceed the year's referrals")
            for _ in range(self.referral_targets[year] - known):
                day = self._random_working_day(low, high) if self.rng.random() < 0.9 else self._random_day(low, high)
                slots.append({"kind": "referral", "date": day})

        slots.sort(key=lambda s: (s["date"], s["kind"], s.get("start", s["date"])))
        for slot in slots:
            nfa, need, source = "N", self._choice(_NEEDS, _NEED_P), None
            if slot["kind"] == "not_held":
                closure = slot["start"] + _days(self._uniform(30, 200))
                need = self._choice(("N1", "N5", "N4"), (0.8, 0.12, 0.08))
            elif slot["kind"] == "no_icpc":
                closure = slot["start"] + _days(self._uniform(15, 150))
                need = self._choice(("N1", "N5", "N4", "N3"), (0.65, 0.2, 0.1, 0.05))
            elif self.rng.random() < 0.3:
                closure, nfa = slot["date"] + _days(self._uniform(0, 5)), "Y"
            else:
                closure = slot["date"] + _days(self._uniform(10, 160))
            child = self._child_for_referral(slot["date"], closure)
            r = self._add_referral(child, slot["date"], closure, need=need, source=source, no_further_action=nfa)
            if slot["kind"] != "referral":
                self._add_s47(child, r, slot["strategy"], slot["start"], "Y" if slot["kind"] == "not_held" else "N",
                              None)

    # ------------------------------------------------------------- audits and MARAC

    def draw_case_audits(self) -> None:
        """Up to two audits a month of children on a plan: in 2017-18, eight months with two and four with one."""
        spans = sorted((ep.start, ep.end, c) for ep in self.episodes for c in ep.children)
        calibration_ones = set(self.rng.choice(12, _AUDITS_2017["months_with_one"], replace=False).tolist())
        for first in range(2014, 2020):
            for m in range(12):
                month_start = dt.date(first + (m + 3) // 12, (m + 3) % 12 + 1, 1)
                month_end = _add_months(month_start, 1) - _days(1)
                if first == self.calibration_year:
                    n = 1 if m in calibration_ones else 2
                else:
                    n = int(self.rng.choice(3, p=(0.05, 0.3, 0.65)))
                audited: list[int] = []
                for _ in range(n):
                    day = self._random_working_day(month_start, month_end)
                    on_plan = sorted({c for s, e, c in spans if s <= day <= e and c not in audited})
                    if not on_plan:
                        if first == self.calibration_year:
                            raise RuntimeError(f"no child on a plan to audit on {day}")
                        continue
                    child = on_plan[int(self.rng.integers(len(on_plan)))]
                    audited.append(child)
                    self.audits.append({"date": day, "child": child, "grade": self._choice(_GRADES, _GRADE_P)})

    def draw_marac(self) -> None:
        """MARAC referrals of adult victims; a repeat is a victim referred again within 12 months."""
        previous: list[tuple[int, dt.date]] = []
        victims = 0
        for year in _YEARS:
            low, high = _year_bounds(year)
            if year == self.calibration_year:
                n, repeats, total = _MARAC_2017["victims"], _MARAC_2017["repeats"], _MARAC_2017["children"]
            else:
                n, total = self._uniform(*self.marac_victims), None
                repeats = int(self.rng.binomial(n, 0.3))
            candidates = [(v, d) for v, d in previous if _add_months(d, 12) >= low + _days(7)]
            if len(candidates) < repeats:
                if year == self.calibration_year:
                    raise RuntimeError("too few victims in 2016-17 to be referred again in 2017-18")
                repeats = len(candidates)
            this_year = []
            for i in sorted(self.rng.choice(len(candidates), repeats, replace=False).tolist()):
                victim, before = candidates[i]
                this_year.append((victim, self._random_working_day(low, min(high, _add_months(before, 12))), "Y"))
            for _ in range(n - repeats):
                this_year.append((victims, self._random_working_day(low, high), "N"))
                victims += 1
            children = self.rng.choice(5, size=n, p=(0.3, 0.35, 0.22, 0.1, 0.03))
            while total is not None and children.sum() != total:
                if children.sum() < total:
                    children[self.rng.choice(np.flatnonzero(children < 4))] += 1
                else:
                    children[self.rng.choice(np.flatnonzero(children > 0))] -= 1
            for (victim, day, repeat), kids in zip(this_year, children):
                self.marac.append({"victim": victim, "date": day, "children": int(kids), "repeat": repeat})
            previous = [(v, d) for v, d, _ in this_year]

    # ------------------------------------------------------------- tables

    def build(self) -> None:
        self.add_cohort()
        self.simulate_plans()
        self.simulate_no_plan_conferences()
        self.add_plan_records()
        self.fill_demand()
        self.draw_case_audits()
        self.draw_marac()

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table of the contract, cut at the extract date, with identifiers in date order."""
        ids = self._identifiers()
        conferences = sorted((c for c in self.conferences if c.date <= EXTRACT_DATE),
                             key=lambda c: (c.date, ids.family[c.family], _CONFERENCE_ORDER[c.kind]))
        conference_table = self._conferences_table(conferences, ids)
        plans, reviews = self._plans_and_reviews_tables(ids)
        frames = {
            "children": self._children_table(ids),
            "referrals": self._referrals_table(ids),
            "s47_enquiries": self._s47_table(ids),
            "cp_plans": plans,
            "cp_reviews": reviews,
            "conferences": conference_table,
            "conference_children": _conference_children(conferences, ids),
            "conference_agencies": _conference_agencies(conferences, conference_table, self.children, self.rng),
            "case_audits": self._case_audits_table(ids),
            "feedback": _feedback(conference_table, self.rng),
            "marac": self._marac_table(),
        }
        return {name: frames[name][list(columns)].sort_values(_SORT_KEYS[name], kind="stable").reset_index(drop=True)
                for name, columns in _COLUMNS.items()}

    def _identifiers(self) -> _Identifiers:
        """Identifiers of the children, families and referrals known by the extract date, in date order."""
        kept = [i for i, r in enumerate(self.referrals) if r["date"] <= EXTRACT_DATE]
        first_known: dict[int, dt.date] = {}
        for i in kept:
            child, day = self.referrals[i]["child"], self.referrals[i]["date"]
            first_known[child] = min(first_known.get(child, day), day)
        children = sorted(first_known, key=lambda c: (first_known[c], c))
        child_id = {c: f"C{n:06d}" for n, c in enumerate(children, 1)}
        families: dict[int, int] = {}
        for c in children:
            families.setdefault(self.children[c].family, len(families) + 1)
        kept.sort(key=lambda i: (self.referrals[i]["date"], child_id[self.referrals[i]["child"]], i))
        return _Identifiers(
            child=child_id,
            family={f: f"F{n:05d}" for f, n in families.items()},
            referral={i: f"R{n:06d}" for n, i in enumerate(kept, 1)},
        )

    def _children_table(self, ids: _Identifiers) -> pd.DataFrame:
        """children.csv: a child not yet born at the extract has sex U and only an expected date of birth."""
        rows = []
        for c, child_id in ids.child.items():
            child = self.children[c]
            unborn = child.born > EXTRACT_DATE
            rows.append({
                "child_id": child_id, "family_id": ids.family[child.family], "sex": "U" if unborn else child.sex,
                "date_of_birth": "" if unborn else _iso(child.born),
                "expected_date_of_birth": _iso(child.expected or (child.born if unborn else None)),
                "ethnicity": child.ethnicity, "disability": child.disability,
            })
        return pd.DataFrame(rows)

    def _referrals_table(self, ids: _Identifiers) -> pd.DataFrame:
        """referrals.csv: a referral still open at the extract has no closure date."""
        rows = []
        for i, referral_id in ids.referral.items():
            r = self.referrals[i]
            rows.append({
                "referral_id": referral_id, "child_id": ids.child[r["child"]], "referral_date": _iso(r["date"]),
                "referral_source": r["source"], "primary_need": r["need"],
                "closure_date": _iso(_until_extract(r["closure"])), "no_further_action": r["nfa"],
            })
        return pd.DataFrame(rows)

    def _s47_table(self, ids: _Identifiers) -> pd.DataFrame:
        """s47_enquiries.csv: an initial conference after the extract is not yet held."""
        enquiries = sorted((s for s in self.s47s if s["start"] <= EXTRACT_DATE),
                           key=lambda s: (s["start"], ids.child[s["child"]], ids.referral[s["referral"]]))
        return pd.DataFrame([{
            "s47_id": f"S{n:06d}", "child_id": ids.child[s["child"]], "referral_id": ids.referral[s["referral"]],
            "strategy_discussion_date": _iso(s["strategy"]), "s47_start_date": _iso(s["start"]),
            "icpc_requested": s["requested"], "icpc_date": _iso(_until_extract(s["icpc"])),
        } for n, s in enumerate(enquiries, 1)])

    def _plans_and_reviews_tables(self, ids: _Identifiers) -> tuple[pd.DataFrame, pd.DataFrame]:
        """cp_plans.csv and cp_reviews.csv: one plan per child of an episode; plans open at the extract have no end."""
        plans = sorted(((ep, k) for ep in self.episodes if ep.start <= EXTRACT_DATE for k in range(len(ep.children))),
                       key=lambda p: (p[0].start, ids.child[p[0].children[p[1]]]))
        plan_rows, review_rows = [], []
        for n, (ep, k) in enumerate(plans, 1):
            plan_id = f"P{n:05d}"
            plan_rows.append({
                "plan_id": plan_id, "child_id": ids.child[ep.children[k]], "start_date": _iso(ep.start),
                "end_date": _iso(_until_extract(ep.end)), "initial_category": ep.initial_category,
                "latest_category": ep.latest_category, "previous_plans": ep.previous_plans[k],
            })
            review_rows += [{"plan_id": plan_id, "review_date": _iso(d)} for d in ep.reviews if d <= EXTRACT_DATE]
        return pd.DataFrame(plan_rows), pd.DataFrame(review_rows)

    def _conferences_table(self, conferences: list[_Conference], ids: _Identifiers) -> pd.DataFrame:
        """conferences.csv: children over 11 are invited, and few of them come."""
        rows = []
        for n, conf in enumerate(conferences, 1):
            invited = sum(self.children[c].born <= conf.date and _age(self.children[c].born, conf.date) >= 11
                          for c, _, _ in conf.children)
            rows.append({
                "conference_id": f"CONF{n:04d}", "family_id": ids.family[conf.family], "conference_type": conf.kind,
                "date": _iso(conf.date), "domestic_abuse": "Y" if conf.domestic_abuse else "N",
                "children_invited": invited, "children_attended": int(self.rng.binomial(invited, 0.2)),
            })
        return pd.DataFrame(rows)

    def _case_audits_table(self, ids: _Identifiers) -> pd.DataFrame:
        """case_audits.csv."""
        audits = sorted(self.audits, key=lambda a: (a["date"], ids.child[a["child"]]))
        return pd.DataFrame([{"audit_id": f"AUD{n:04d}", "audit_date": _iso(a["date"]),
                              "child_id": ids.child[a["child"]], "grade": a["grade"]}
                             for n, a in enumerate(audits, 1)])

    def _marac_table(self) -> pd.DataFrame:
        """marac.csv: victims numbered in the order of their first referral."""
        marac = sorted(self.marac, key=lambda m: (m["date"], m["victim"]))
        victim_id: dict[int, str] = {}
        for m in marac:
            victim_id.setdefault(m["victim"], f"V{len(victim_id) + 1:04d}")
        return pd.DataFrame([{"victim_id": victim_id[m["victim"]], "referral_date": _iso(m["date"]),
                              "children_in_household": m["children"], "repeat": m["repeat"]} for m in marac])


@dataclass(frozen=True)
class _Identifiers:
    """The identifiers given to children, families and referrals (by internal index)."""

    child: dict[int, str]
    family: dict[int, str]
    referral: dict[int, str]


def _until_extract(day: dt.date | None) -> dt.date | None:
    """``day`` if it is on or before the extract date, else ``None`` (not yet happened)."""
    return day if day is not None and day <= EXTRACT_DATE else None


_CONFERENCE_ORDER = {"ICPC": 0, "TRANSFER_IN": 1, "RCPC": 2}
_SORT_KEYS = {
    "children": ["child_id"], "referrals": ["referral_id"], "s47_enquiries": ["s47_id"],
    "cp_plans": ["plan_id"], "cp_reviews": ["plan_id", "review_date"], "conferences": ["conference_id"],
    "conference_children": ["conference_id", "child_id"], "conference_agencies": ["conference_id", "agency"],
    "case_audits": ["audit_id"], "feedback": ["conference_id", "respondent", "rating"],
    "marac": ["victim_id", "referral_date"],
}


# ----------------------------------------------------------------- local tables


def _conference_children(conferences: list[_Conference], ids: _Identifiers) -> pd.DataFrame:
    """conference_children.csv: each child's outcome, and whether an advocate supported them."""
    return pd.DataFrame([{"conference_id": f"CONF{n:04d}", "child_id": ids.child[c], "outcome": outcome,
                          "advocate": advocate}
                         for n, conf in enumerate(conferences, 1) for c, outcome, advocate in conf.children])


def _conference_agencies(conferences: list[_Conference], table: pd.DataFrame, children: list[_Child],
                         rng: np.random.Generator) -> pd.DataFrame:
    """conference_agencies.csv: agencies asked to each conference, whether they came, and their reports.

    Health visitors are asked when a child is under 5 or unborn, schools and school nurses
    when a child is of school age, adult services when they work with the family.
    """
    pairs = []
    for conf, conference_id in zip(conferences, table["conference_id"]):
        ages = [_age(children[c].born, conf.date) if children[c].born <= conf.date else -1 for c, _, _ in conf.children]
        relevant = {"Children's Social Care", "Police", "GP", *conf.services}
        if min(ages) < 5:
            relevant.add("Health Visitor")
        if max(ages) >= 5:
            relevant.update(("School", "School Nurse"))
        pairs += [(conference_id, agency) for agency in _AGENCIES if agency in relevant]
    frame = pd.DataFrame(pairs, columns=["conference_id", "agency"])
    chances = np.array([_AGENCIES[a] for a in frame["agency"]]).reshape(-1, 4)
    draws = rng.random((len(frame), 4))
    invited = draws[:, 0] < chances[:, 0]
    attended = invited & (draws[:, 1] < chances[:, 1])
    submitted = invited & (draws[:, 2] < chances[:, 2])
    on_time = submitted & (draws[:, 3] < chances[:, 3])
    flag = np.array(["N", "Y"])
    return frame.assign(invited=flag[invited.astype(int)], attended=flag[attended.astype(int)],
                        report_submitted=flag[submitted.astype(int)], report_on_time=flag[on_time.astype(int)])


def _feedback(table: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """feedback.csv: forms handed out at the end of each conference from January 2017; ratings only, no comments."""
    records = []
    for row in table.itertuples():
        if row.date < _FEEDBACK_FROM.isoformat():
            continue
        for respondent, (counts, ratings) in _RESPONDENTS.items():
            if respondent == "CHILD" and row.children_attended == 0:
                continue
            for _ in range(int(rng.choice(4, p=counts))):
                records.append((row.conference_id, respondent, int(rng.choice(5, p=ratings)) + 1))
    return pd.DataFrame(records, columns=["conference_id", "respondent", "rating"])


# ----------------------------------------------------------------- the county

COUNTY_LA_YAML = (
    "name: Leicestershire (synthetic county)\n"
    "la_code: 855\n"
    "region: East Midlands\n"
    "statistical_neighbours: [830, 860, 881, 885, 891, 919, 931, 938]\n"    "extract_date: 2020-03-31\n"
    "first_year: 2012-13\n"
    "last_year: 2019-20\n"
    "published: {2017-18: 2018-11-30}\n"
    "status: management information\n"
    "contact: Safeguarding and Quality Assurance Service (a synthetic county, with no real contact)\n"
    "revisions: An error found after publication is corrected in a new version of the report within 20 working days; earlier versions are kept, with a page saying what changed.\n"
)
"""``la.yaml`` of the county: the DfE code is Leicestershire's, so its population and
published figures in ``data/reference`` apply; the neighbours are large shire counties
(Derbyshire, Staffordshire, Essex, Worcestershire, Nottinghamshire, Hertfordshire,
Oxfordshire, West Sussex)."""

_COUNTY_PLAN_STARTS = {2012: 536, 2013: 629, 2014: 600, 2015: 430, 2016: 527, 2017: 537, 2018: 499, 2019: 720}
_COUNTY_REFERRALS = {2012: 6165, 2013: 6049, 2014: 4782, 2015: 4461, 2016: 6836, 2017: 7555, 2018: 5283, 2019: 5523}
_COUNTY_S47_ENQUIRIES = {2012: 1237, 2013: 1347, 2014: 1298, 2015: 1128, 2016: 1439, 2017: 1226, 2018: 1174,
                         2019: 1550}
"""The county's yearly volumes: Leicestershire's published plan starts, referrals and
section 47 enquiries (``data/reference/published.csv``), so the simulated county sits at a
real county's levels."""
_COUNTY_REPEAT_SHARE = {2012: 0.118, 2013: 0.126, 2014: 0.172, 2015: 0.305, 2016: 0.19, 2017: 0.24, 2018: 0.152,
                        2019: 0.215}
"""Leicestershire's published share of plan starts that were a second or subsequent plan, by year
(``second_or_subsequent_plan_pct``): the county's returning families are drawn up to it."""
_COUNTY_REPEATS_FROM_NEW_FAMILIES = 0.03
"""About how far above its threshold a year's share of repeat plans ends: once the year's returning
families reach the threshold, the new families started after it still count as repeats when a child had a
plan elsewhere before (one family in twenty-five in the county)."""
_COUNTY_FATES = _FATES + ("long",)
_COUNTY_FATE_P = (0.18, 0.13, 0.375, 0.18, 0.10, 0.035)
"""The county's plans end as the sample's do, except that about one in forty lasts two years or more
(ending at the fifth to seventh review, 2 to 3 years after it started): Leicestershire published 2 to 4%
of ended plans lasting two years or more in 2015-16 to 2019-20, and 6 to 8 children on a plan for two
years or more at 31 March in 2016-17 to 2018-19."""
_COUNTY_LATE_REVIEW = 0.02
"""The chance that a county review conference is held late (25 to 50 days after it was due, and the
plan's later reviews with it): Leicestershire published 94.6 to 100% of children on a plan reviewed
within the required timescales in 2015-16 to 2019-20."""


class _CountyBuilder(_SampleBuilder):
    """A county at Leicestershire's volumes, simulated with the sample's code and no calibration cohort.

    Only what would be slow at thirty times the sample's size is done differently: a
    re-referral picks from a few children referred in the last twelve months rather than
    checking every one of them. And what a county of this size shows that the sample's small
    numbers do not: plans lasting two years or more (:data:`_COUNTY_FATE_P`), reviews held late
    (:data:`_COUNTY_LATE_REVIEW`) and Leicestershire's yearly share of repeat plans
    (:data:`_COUNTY_REPEAT_SHARE`).
    """

    calibration_year = None
    plan_starts = _COUNTY_PLAN_STARTS
    referral_targets = _COUNTY_REFERRALS
    s47_targets = _COUNTY_S47_ENQUIRIES
    no_plan_conferences = (60, 110)
    marac_victims = (380, 520)
    fates = _COUNTY_FATES
    fate_p = _COUNTY_FATE_P
    p_plan_elsewhere = 0.04

    def repeat_share(self, year: int) -> float:
        """The published share, less what new families' plans elsewhere before add once it is reached."""
        return max(_COUNTY_REPEAT_SHARE[year] - _COUNTY_REPEATS_FROM_NEW_FAMILIES, 0.0)

    def _review_schedule(self, start: dt.date, fate: str) -> list[dt.date]:
        """The sample's review schedule, with long plans and, now and then, a review held late."""
        if fate == "long":
            reviews = super()._review_schedule(start, "fourth")
            for _ in range(self._uniform(1, 3)):
                reviews.append(_working_day(reviews[-1] + _days(self._uniform(160, 176))))
        else:
            reviews = super()._review_schedule(start, fate)
        for i in range(len(reviews)):
            if self.rng.random() < _COUNTY_LATE_REVIEW:
                delay = _days(self._uniform(25, 50))
                reviews[i:] = [_working_day(day + delay) for day in reviews[i:]]
        return reviews

    def build(self) -> None:
        self.simulate_plans()
        self.simulate_no_plan_conferences()
        self.add_plan_records()
        self.fill_demand()
        self.draw_case_audits()
        self.draw_marac()

    def _child_for_referral(self, day: dt.date, closure: dt.date | None) -> int:
        """A child referred in the last 12 months (tried on up to 20 of them) or a child new to the service."""
        if self.rng.random() < _P_REREFERRAL:
            first = bisect.bisect_left(self.referral_index, (_add_months(day, -12), -1))
            last = bisect.bisect_left(self.referral_index, (day, -1))
            if last > first:
                for i in self.rng.integers(first, last, size=min(20, last - first)).tolist():
                    child = self.referral_index[i][1]
                    born = self.children[child].born
                    if born < day and _age(born, day) <= 16 and self._free(child, day, closure):
                        return child
        age = int(self.rng.choice(len(_REFERRAL_AGE_P), p=_REFERRAL_AGE_P / _REFERRAL_AGE_P.sum())) - 1
        family = self._new_family()
        born = self._birth_day(day + _days(20), day + _days(150)) if age < 0 else self._born_at_age(age, day)
        return self._new_child(family, born, day)


# ----------------------------------------------------------------- entry point


def write_sample(out_dir: Path, seed: int = 857) -> list[Path]:
    """Write the synthetic sample authority: ``la.yaml`` and every CSV of the data contract.

    Parameters
    ----------
    out_dir : pathlib.Path
        Folder to write into (created if missing). Existing sample files are replaced.
    seed : int, default 857
        Seed of the random generator. The default gives the committed ``data/sample``;
        the 2017-18 calibration holds for that seed.

    Returns
    -------
    list of pathlib.Path
        The files written, ``la.yaml`` first, then the tables in the contract's order.

    Raises
    ------
    RuntimeError
        If, for the given seed, the simulated years leave no room for a year's totals.

    Notes
    -----
    Files are UTF-8 with LF line endings, one header row, rows sorted by identifier, dates
    as ``YYYY-MM-DD`` and flags as ``Y``/``N``. The same seed always writes the same bytes.
    """
    return _write(_SampleBuilder(seed), LA_YAML, Path(out_dir))


def write_county(out_dir: Path, seed: int = 855) -> list[Path]:
    """Write the synthetic county: a Leicestershire-sized authority (DfE code 855), 2012-13 to 2019-20.

    About 40,000 referrals and 4,500 plans over the eight years, several hundred
    children on a plan at each 31 March, at Leicestershire's published yearly
    volumes. Dates of birth avoid 31 March and 1 April, as in the sample.

    Parameters
    ----------
    out_dir : pathlib.Path
        Folder to write into (created if missing), e.g. ``data/county``.
    seed : int, default 855
        Seed of the random generator; the default gives the committed ``data/county``.

    Returns
    -------
    list of pathlib.Path
        The files written, ``la.yaml`` first.
    """
    return _write(_CountyBuilder(seed), COUNTY_LA_YAML, Path(out_dir))


def _write(builder: _SampleBuilder, la_yaml: str, out_dir: Path) -> list[Path]:
    """Build the authority and write ``la.yaml`` then one CSV per table (UTF-8, LF line ends)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    builder.build()
    written = [out_dir / "la.yaml"]
    written[0].write_bytes(la_yaml.encode("utf-8"))
    for name, frame in builder.tables().items():
        path = out_dir / f"{name}.csv"
        path.write_bytes(frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))
        written.append(path)
    return written
