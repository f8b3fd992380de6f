"""An England-sized synthetic dataset, for measuring speed and memory.

``cpstats synth --scale england`` writes five years (2015-16 to 2019-20) of
every table of the data contract at about England's volumes: 650,000
referrals, 200,000 section 47 enquiries and 70,000 plan starts a year.
``--fraction`` scales the volumes down (``0.25`` for a quarter).

The data are valid under the contract (keys exist, dates in order, one open
plan per child) but make no attempt at realism beyond volumes and rough
shapes; the calibrated sample authority is :mod:`cpstats.data.synth`. Every table
is generated with vectorised numpy, from a fixed seed.

``cpstats synth --national`` (:func:`write_national`) writes every English authority,
each built on its published headline figures by :mod:`cpstats.data.national`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cpstats.data.contract import CATEGORY_CODES, ETHNICITY_CODES, REFERRAL_SOURCES, TABLES

__all__ = ["ENGLAND_VOLUMES", "NATIONAL_YEARS", "write_scaled", "write_volumes", "write_national", "published_volumes"]

ENGLAND_VOLUMES = {"referrals": 650_000, "s47_enquiries": 200_000, "plan_starts": 70_000}
FIRST_YEAR, YEARS = 2015, 5
AGENCIES = ("Police", "Health Visitor", "School", "GP")


def _dates(base: np.datetime64, offsets: np.ndarray) -> np.ndarray:
    return base + offsets.astype("timedelta64[D]")


def _iso(dates: np.ndarray) -> np.ndarray:
    """ISO text of dates, blank for NaT."""
    text = np.datetime_as_string(dates, unit="D")
    return np.where(np.isnat(dates), "", text)


def _ids(prefix: str, n: int, width: int = 8) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width))


def _flag(mask: np.ndarray) -> np.ndarray:
    return np.where(mask, "Y", "N")


def _write(frame: pd.DataFrame, folder: Path, name: str) -> Path:
    path = folder / TABLES[name].filename
    frame[TABLES[name].columns].to_csv(path, index=False, lineterminator="\n")
    return path


def write_scaled(out_dir: Path | str, fraction: float = 1.0, seed: int = 970) -> list[Path]:
    """Write an England-sized dataset (times ``fraction``) to ``out_dir``; return the files written."""
    rng = np.random.default_rng(seed)
    volumes = {name: int(value * YEARS * fraction) for name, value in ENGLAND_VOLUMES.items()}
    la_yaml = "name: England-sized synthetic dataset\nla_code: 970\nregion: England\nstatistical_neighbours: []\n"
    return write_volumes(out_dir, rng, FIRST_YEAR, YEARS, volumes, fraction, la_yaml)


def write_volumes(out_dir: Path | str, rng: np.random.Generator, first_year: int, years: int, volumes: dict,
                  fraction: float, la_yaml: str, per_year: dict | None = None) -> list[Path]:
    """Write every table of the contract for ``years`` reporting years from April ``first_year``.

    ``volumes`` gives the totals over the years (``referrals``, ``s47_enquiries``,
    ``plan_starts``); ``per_year``, when given, the referrals and enquiries of
    each year (lists of ``years`` numbers under the same names), which are then
    drawn year by year. ``fraction`` scales the local tables (audits, MARAC)
    from England's size.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    start = np.datetime64(f"{first_year}-04-01")
    days = int((np.datetime64(f"{first_year + years}-04-01") - start).astype(int))
    extract = start + np.timedelta64(days, "D")  # the day after the last year ends
    n_ref = int(volumes["referrals"])
    n_s47 = int(volumes["s47_enquiries"])
    n_plan = int(volumes["plan_starts"])
    n_children = max(int(n_ref * 0.8), 1)
    written = []

    # children
    child_ids = _ids("C", n_children)
    born = _dates(np.datetime64(f"{first_year - 17}-01-01"), rng.integers(0, 365 * (17 + years), n_children))
    unborn = born >= extract
    children = pd.DataFrame({
        "child_id": child_ids,
        "family_id": np.char.add("F", np.char.zfill((np.arange(n_children) // 2).astype(str), 8)),
        "sex": np.where(unborn, "U", rng.choice(["M", "F"], n_children)),
        "date_of_birth": _iso(np.where(unborn, np.datetime64("NaT"), born)),
        "expected_date_of_birth": _iso(np.where(unborn, born, np.datetime64("NaT"))),
        "ethnicity": rng.choice(np.array(ETHNICITY_CODES), n_children, p=_ethnicity_weights()),
        "disability": _flag(rng.random(n_children) < 0.05),
    })
    written.append(_write(children, out, "children"))

    # referrals
    ref_child = rng.integers(0, n_children, n_ref)
    if per_year is None:
        ref_date = _dates(start, rng.integers(0, days, n_ref))
    else:  # each year's referrals within it
        bounds = [np.datetime64(f"{first_year + i}-04-01") for i in range(years + 1)]
        ref_date = np.concatenate([_dates(bounds[i], rng.integers(0, int((bounds[i + 1] - bounds[i]).astype(int)), n))
                                   for i, n in enumerate(per_year["referrals"])])
    ref_child = _one_referral_a_day(ref_child, ref_date, n_children)
    closed = rng.random(n_ref) < 0.9
    referrals = pd.DataFrame({
        "referral_id": _ids("R", n_ref, 9),
        "child_id": child_ids[ref_child],
        "referral_date": _iso(ref_date),
        "referral_source": rng.choice(np.array(REFERRAL_SOURCES), n_ref),
        "primary_need": np.char.add("N", rng.integers(0, 10, n_ref).astype(str)),
        "closure_date": _iso(np.where(closed, ref_date + rng.integers(0, 200, n_ref).astype("timedelta64[D]"), np.datetime64("NaT"))),
        "no_further_action": _flag(rng.random(n_ref) < 0.1),
    })
    written.append(_write(referrals, out, "referrals"))

    # section 47 enquiries, from distinct referrals
    if per_year is None:
        s47_ref = rng.choice(n_ref, n_s47, replace=False)
    else:  # each year's enquiries from its referrals
        first = np.cumsum([0, *per_year["referrals"]])
        s47_ref = np.concatenate([first[i] + rng.choice(per_year["referrals"][i], n, replace=False)
                                  for i, n in enumerate(per_year["s47_enquiries"])]).astype(np.int64)
    strategy = ref_date[s47_ref] + rng.integers(0, 10, n_s47).astype("timedelta64[D]")
    s47_start = strategy + rng.integers(0, 3, n_s47).astype("timedelta64[D]")
    requested = rng.random(n_s47) < 0.45
    icpc = np.where(requested & (rng.random(n_s47) < 0.95), s47_start + rng.integers(3, 30, n_s47).astype("timedelta64[D]"), np.datetime64("NaT"))
    icpc = np.where(icpc < extract, icpc, np.datetime64("NaT"))
    s47 = pd.DataFrame({
        "s47_id": _ids("S", n_s47, 9),
        "child_id": child_ids[ref_child[s47_ref]],
        "referral_id": referrals["referral_id"].to_numpy()[s47_ref],
        "strategy_discussion_date": _iso(strategy),
        "s47_start_date": _iso(s47_start),
        "icpc_requested": _flag(requested),
        "icpc_date": _iso(icpc),
    })
    written.append(_write(s47, out, "s47_enquiries"))

    # plans: one first plan per child from an ICPC, some children with a second plan after the first ended
    with_icpc = np.flatnonzero(~np.isnat(icpc))
    first_child, first_at = np.unique(ref_child[s47_ref[with_icpc]], return_index=True)
    pick = with_icpc[first_at]
    n_first = min(len(pick), int(n_plan * 0.8))
    chosen = rng.choice(len(pick), n_first, replace=False)
    plan_child = first_child[chosen]
    plan_start = icpc[pick[chosen]]
    length = rng.gamma(2.0, 160.0, n_first).astype(int) + 1
    plan_end = plan_start + length.astype("timedelta64[D]")
    again = (plan_end < extract) & (rng.random(n_first) < 0.25)
    second_start = plan_end[again] + rng.integers(30, 400, again.sum()).astype("timedelta64[D]")
    keep = second_start < extract
    second_child = plan_child[again][keep]
    second_start = second_start[keep]
    second_end = second_start + (rng.gamma(2.0, 160.0, len(second_start)).astype(int) + 1).astype("timedelta64[D]")
    all_child = np.concatenate([plan_child, second_child])
    all_start = np.concatenate([plan_start, second_start])
    all_end = np.concatenate([plan_end, second_end])
    all_end = np.where(all_end < extract, all_end, np.datetime64("NaT"))
    n_all = len(all_child)
    previous = np.concatenate([(rng.random(n_first) < 0.05).astype(int), np.ones(len(second_child), dtype=int)])
    categories = np.array(CATEGORY_CODES)
    initial = rng.choice(categories, n_all, p=[0.48, 0.08, 0.35, 0.04, 0.05])
    plans = pd.DataFrame({
        "plan_id": _ids("P", n_all, 8),
        "child_id": child_ids[all_child],
        "start_date": _iso(all_start),
        "end_date": _iso(all_end),
        "initial_category": initial,
        "latest_category": np.where(rng.random(n_all) < 0.9, initial, rng.choice(categories, n_all)),
        "previous_plans": previous,
    })
    written.append(_write(plans, out, "cp_plans"))

    # reviews: at about 3 months, then about every 6 months, while the plan is open
    gaps = np.column_stack([rng.integers(60, 92, n_all)] + [rng.integers(150, 183, n_all) for _ in range(5)])
    review = all_start[:, None] + np.cumsum(gaps, axis=1).astype("timedelta64[D]")
    limit = np.where(np.isnat(all_end), extract - np.timedelta64(1, "D"), all_end)
    held = review <= limit[:, None]
    plan_index, _ = np.nonzero(held)
    reviews = pd.DataFrame({"plan_id": plans["plan_id"].to_numpy()[plan_index], "review_date": _iso(review[held])})
    written.append(_write(reviews, out, "cp_reviews"))

    written += _write_local_tables(out, rng, children, plans, review, held, extract, start, days, fraction, years)
    (out / "la.yaml").write_text(la_yaml, encoding="utf-8")
    written.append(out / "la.yaml")
    return written


def _one_referral_a_day(child: np.ndarray, day: np.ndarray, n_children: int) -> np.ndarray:
    """The referrals' children, a child's second referral of a day given to the next child.

    The CIN census holds one referral (CIN episode) of a child a day, and the
    contract refuses two (:data:`cpstats.data.dataset.CENSUS_KEYS`). No random
    number is drawn, so the rest of the data is drawn as before.
    """
    child = child.copy()
    for _ in range(n_children):
        twice = pd.DataFrame({"child": child, "day": day}).duplicated().to_numpy()
        if not twice.any():
            break
        child[twice] = (child[twice] + 1) % n_children
    return child


def _ethnicity_weights() -> np.ndarray:
    weights = np.full(len(ETHNICITY_CODES), 0.01)
    weights[ETHNICITY_CODES.index("WBRI")] = 0.70
    return weights / weights.sum()


def _write_local_tables(out, rng, children, plans, review, held, extract, start, days, fraction, years=YEARS) -> list[Path]:
    """Conferences (an ICPC per plan start, an RCPC per review), attendance, audits, feedback, MARAC."""
    family = dict(zip(children["child_id"], children["family_id"]))
    icpc_dates = plans["start_date"].to_numpy()
    plan_children = plans["child_id"].to_numpy()
    plan_index, _ = np.nonzero(held)
    rcpc_dates = _iso(review[held])
    conf_child = np.concatenate([plan_children, plan_children[plan_index]])
    conf_date = np.concatenate([icpc_dates, rcpc_dates])
    conf_type = np.concatenate([np.full(len(icpc_dates), "ICPC"), np.full(len(rcpc_dates), "RCPC")])
    n_conf = len(conf_child)
    conf_ids = _ids("K", n_conf, 9)
    invited = rng.integers(0, 3, n_conf)
    conferences = pd.DataFrame({
        "conference_id": conf_ids,
        "family_id": pd.Series(conf_child).map(family).to_numpy(),
        "conference_type": conf_type,
        "date": conf_date,
        "domestic_abuse": _flag(rng.random(n_conf) < 0.4),
        "children_invited": invited,
        "children_attended": np.minimum(invited, rng.integers(0, 2, n_conf)),
    })
    outcome = np.where(conf_type == "ICPC", "PLAN_START", "PLAN_CONTINUE")
    conference_children = pd.DataFrame({
        "conference_id": conf_ids, "child_id": conf_child, "outcome": outcome,
        "advocate": _flag(rng.random(n_conf) < 0.1),
    })
    n_agency = n_conf * len(AGENCIES)
    invited_agency = rng.random(n_agency) < 0.9
    attended = invited_agency & (rng.random(n_agency) < 0.7)
    submitted = rng.random(n_agency) < 0.6
    agencies = pd.DataFrame({
        "conference_id": np.repeat(conf_ids, len(AGENCIES)),
        "agency": np.tile(np.array(AGENCIES), n_conf),
        "invited": _flag(invited_agency), "attended": _flag(attended),
        "report_submitted": _flag(submitted), "report_on_time": _flag(submitted & (rng.random(n_agency) < 0.8)),
    })
    n_feedback = n_conf // 4
    feedback = pd.DataFrame({
        "conference_id": rng.choice(conf_ids, n_feedback),
        "respondent": rng.choice(["PARENT", "CHILD", "FAMILY_MEMBER", "PROFESSIONAL"], n_feedback),
        "rating": rng.integers(1, 6, n_feedback),
    })
    n_audits = max(int(150 * 24 * years * fraction), 1)
    audits = pd.DataFrame({
        "audit_id": _ids("A", n_audits, 7),
        "audit_date": _iso(_dates(start, rng.integers(0, days, n_audits))),
        "child_id": rng.choice(plan_children, n_audits),
        "grade": rng.choice(["OUTSTANDING", "GOOD", "REQUIRES_IMPROVEMENT", "INADEQUATE"], n_audits),
    })
    n_marac = max(int(100_000 * years * fraction), 1)
    marac = pd.DataFrame({
        "victim_id": np.char.add("V", rng.integers(0, n_marac // 2 + 1, n_marac).astype(str)),
        "referral_date": _iso(_dates(start, rng.integers(0, days, n_marac))),
        "children_in_household": rng.integers(0, 4, n_marac),
        "repeat": _flag(rng.random(n_marac) < 0.3),
    })
    return [
        _write(conferences, out, "conferences"), _write(conference_children, out, "conference_children"),
        _write(agencies, out, "conference_agencies"), _write(feedback, out, "feedback"),
        _write(audits, out, "case_audits"), _write(marac, out, "marac"),
    ]


# ----------------------------------------------------------------- every authority at its own volumes

NATIONAL_YEARS = ("2018-19", "2019-20")
"""The reporting years ``cpstats synth --national`` writes by default."""
_DFE_FILES = {
    "referrals": ("c1_children_in_need_referrals_and_rereferrals", "referral_count"),
    "s47_enquiries": ("c4_children_in_need_section_47s_and_icpcs", "Section47"),
    "plan_starts": ("d3_cpps_subsequent_plan", "CPP_start"),
}


def _dfe_file(dfe_dir: Path, stem: str) -> Path:
    found = sorted(Path(dfe_dir).glob(f"{stem}*.csv"))
    if not found:
        raise FileNotFoundError(f"no {stem}*.csv in {dfe_dir} (DfE's 'Children in need' release files)")
    return found[-1]


def published_volumes(dfe_dir: Path | str) -> pd.DataFrame:
    """Each authority's published referrals, section 47 enquiries and plan starts, by reporting year.

    Read from DfE's explore-education-statistics files c1, c4 and d3 (as
    downloaded); one row per authority (``la_code``) and year (``2018-19``),
    withheld or missing values as NaN. (``write_national`` reads the same figures
    from the reference tables that ``cpstats reference import`` derives from these files.)
    """
    frames = []
    for measure, (stem, column) in _DFE_FILES.items():
        table = pd.read_csv(_dfe_file(Path(dfe_dir), stem), usecols=["time_period", "geographic_level", "old_la_code", column],
                            dtype=str)
        table = table[table["geographic_level"] == "Local authority"]
        end = table["time_period"].str[:4].astype(int)
        frames.append(pd.DataFrame({
            "la_code": pd.to_numeric(table["old_la_code"], errors="coerce"),
            "year": (end - 1).astype(str) + "-" + (end % 100).map("{:02d}".format),
            measure: pd.to_numeric(table[column], errors="coerce"),
        }).dropna(subset=["la_code"]).astype({"la_code": int}).set_index(["la_code", "year"]))
    return pd.concat(frames, axis=1).sort_index()


def _slug(name: str) -> str:
    """An authority's folder name.

    >>> _slug("Kingston upon Hull, City of")
    'kingston-upon-hull-city-of'
    """
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split())


def write_national(out_dir: Path | str, dfe_dir: Path | str | None, years: tuple[str, ...] | list[str] = NATIONAL_YEARS,
                   seed: int = 153, reference_dir: Path | str | None = None, history: int | None = None,
                   la_codes: list[int] | None = None) -> list[Path]:
    """Write one folder per current English authority at its published headline figures; return the folders.

    Parameters
    ----------
    out_dir : Path
        Where the folders go, one per authority, named from its name (``leicestershire``).
    dfe_dir : Path or None
        DfE's files as downloaded: ``local_authorities.csv`` (the authorities written) and
        ``statistical_neighbours.csv`` (optional). Without it, the current authorities and
        neighbours of ``data/reference`` (``authorities.csv``, ``neighbours.csv``).
    years : sequence of str
        Consecutive reporting years, e.g. ``("2018-19", "2019-20")``.
    seed : int
        With each authority's DfE code, seeds its random generator: the same
        seed writes the same bytes.
    reference_dir : Path, optional
        The reference tables whose published figures the data are built on (``data/reference``).
    history : int, optional
        Years written before the first of ``years`` (:data:`cpstats.data.national.HISTORY_YEARS`).
    la_codes : list of int, optional
        Only these authorities.

    Each year's referrals, plan starts, children on a plan at 31 March, second or
    subsequent plans, children on a plan for two years or more, enquiries and initial
    conferences are the published ones (:mod:`cpstats.data.national`), after years of
    history built the same way; ``la.yaml`` notes each fallback for a withheld figure.
    """
    from cpstats.data.national import HISTORY_YEARS, authority_targets, write_authority
    from cpstats.data.periods import ReportingYear
    from cpstats.data.reference import _dir, published_table

    out = Path(out_dir)
    history = HISTORY_YEARS if history is None else history
    labels = [ReportingYear.parse(year).label for year in years]
    first_year = int(labels[0][:4])
    if labels != [f"{first_year + i}-{(first_year + i + 1) % 100:02d}" for i in range(len(labels))]:
        raise ValueError(f"the years must follow one another: {', '.join(labels)}")
    reference = _dir(reference_dir)
    if dfe_dir is not None:
        dfe_dir = Path(dfe_dir)
        authorities = pd.read_csv(dfe_dir / "local_authorities.csv", dtype={"la_code": int})
        neighbours_file = dfe_dir / "statistical_neighbours.csv"
        if not neighbours_file.is_file():
            neighbours_file = reference / "neighbours.csv"
        neighbours = (pd.read_csv(neighbours_file).sort_values(["la_code", "rank"]).groupby("la_code")["neighbour_la_code"]
                      .apply(list).to_dict() if neighbours_file.is_file() else {})
    else:
        authorities = pd.read_csv(reference / "authorities.csv", dtype={"la_code": int})
        authorities = authorities[authorities["current"] == "yes"]
        neighbours = (pd.read_csv(reference / "neighbours.csv").sort_values(["la_code", "rank"])
                      .groupby("la_code")["neighbour_la_code"].apply(list).to_dict())
    if la_codes is not None:
        authorities = authorities[authorities["la_code"].isin(la_codes)]
    published = published_table(reference)
    published = published[published["measure"].isin(
        ["referrals", "plan_starts", "children_on_plan_at_31_march", "second_or_subsequent_plan_pct",
         "on_plan_2_years_or_more_at_31_march", "s47_enquiries", "icpcs", "rereferrals_within_12_months_pct"])]
    by_area = dict(tuple(published[published["area_type"] == "la"].groupby("area_code")))
    england = published[published["area_type"] == "england"]
    all_years = list(range(first_year - history, first_year + len(labels)))
    folders = []
    for row in authorities.itertuples(index=False):
        rows = by_area.get(str(row.la_code), published.iloc[:0])
        targets = authority_targets(rows, row.la_code, all_years, england)
        region = "London" if row.region_name in ("Inner London", "Outer London") else row.region_name
        folder = out / _slug(row.la_name)
        rng = np.random.default_rng([seed, int(row.la_code)])
        write_authority(folder, row.la_code, row.la_name, region, [int(n) for n in neighbours.get(row.la_code, [])],
                        targets, rng, history)
        folders.append(folder)
    return folders
