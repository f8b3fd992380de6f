"""An England-sized synthetic dataset, for measuring speed and memory.

``cpstats synth --scale england`` writes five years (2015-16 to 2019-20) of
every table of the data contract at about England's volumes: 650,000
referrals, 200,000 section 47 enquiries and 70,000 plan starts a year.
``--fraction`` scales the volumes down (``0.25`` for a quarter).

The data are valid under the contract (keys exist, dates in order, one open
plan per child) but make no attempt at realism beyond volumes and rough
shapes; the calibrated sample authority is :mod:`cpstats.data.synth`. Every table
is generated with vectorised numpy, from a fixed seed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cpstats.data.contract import CATEGORY_CODES, ETHNICITY_CODES, REFERRAL_SOURCES, TABLES

__all__ = ["ENGLAND_VOLUMES", "write_scaled"]

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
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    start = np.datetime64(f"{FIRST_YEAR}-04-01")
    days = int((np.datetime64(f"{FIRST_YEAR + YEARS}-04-01") - start).astype(int))
    extract = start + np.timedelta64(days, "D")  # the day after the last year ends
    n_ref = int(ENGLAND_VOLUMES["referrals"] * YEARS * fraction)
    n_s47 = int(ENGLAND_VOLUMES["s47_enquiries"] * YEARS * fraction)
    n_plan = int(ENGLAND_VOLUMES["plan_starts"] * YEARS * fraction)
    n_children = int(n_ref * 0.8)
    written = []

    # children
    child_ids = _ids("C", n_children)
    born = _dates(np.datetime64("1998-01-01"), rng.integers(0, 365 * 22, n_children))
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
    ref_date = _dates(start, rng.integers(0, days, n_ref))
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
    s47_ref = rng.choice(n_ref, n_s47, replace=False)
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

    written += _write_local_tables(out, rng, children, plans, review, held, extract, start, days, fraction)
    (out / "la.yaml").write_text(
        "name: England-sized synthetic dataset\nla_code: 970\nregion: England\nstatistical_neighbours: []\n",
        encoding="utf-8",
    )
    written.append(out / "la.yaml")
    return written


def _ethnicity_weights() -> np.ndarray:
    weights = np.full(len(ETHNICITY_CODES), 0.01)
    weights[ETHNICITY_CODES.index("WBRI")] = 0.70
    return weights / weights.sum()


def _write_local_tables(out, rng, children, plans, review, held, extract, start, days, fraction) -> list[Path]:
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
    n_audits = max(int(150 * 24 * YEARS * fraction), 1)
    audits = pd.DataFrame({
        "audit_id": _ids("A", n_audits, 7),
        "audit_date": _iso(_dates(start, rng.integers(0, days, n_audits))),
        "child_id": rng.choice(plan_children, n_audits),
        "grade": rng.choice(["OUTSTANDING", "GOOD", "REQUIRES_IMPROVEMENT", "INADEQUATE"], n_audits),
    })
    n_marac = max(int(100_000 * YEARS * fraction), 1)
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
