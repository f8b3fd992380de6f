"""Tiny authorities for the attacker test: a few families of the synthetic sample, every table consistent.

:func:`write_tiny` keeps a chosen share of the sample's families and everything
that hangs off them (children, referrals, enquiries, plans and their reviews,
conferences with their children, agencies and feedback, audits of kept
children) and a share of the MARAC victims, so every measure has a handful of
people behind it: the small counts a public report must not give away.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE = PROJECT_ROOT / "data" / "sample"


def _read(folder: Path, name: str) -> tuple[list[str], list[dict]]:
    with open(folder / name, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _write(folder: Path, name: str, columns: list[str], rows: list[dict]) -> None:
    with open(folder / name, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _kept(key: str, seed: int, share: float) -> bool:
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


def write_tiny(target: Path, *, share: float, seed: int, source: Path = SAMPLE) -> Path:
    """Write a data folder holding about ``share`` of ``source``'s families (chosen by ``seed``)."""
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / "la.yaml", target / "la.yaml")
    columns, children = _read(source, "children.csv")
    children = [c for c in children if _kept(c["family_id"], seed, share)]
    if not children:  # at least one family
        children = [c for c in _read(source, "children.csv")[1] if c["family_id"] == "F00001"]
    kept_children = {c["child_id"] for c in children}
    kept_families = {c["family_id"] for c in children}
    _write(target, "children.csv", columns, children)

    def keep(name: str, test) -> set:
        columns, rows = _read(source, name)
        rows = [r for r in rows if test(r)]
        _write(target, name, columns, rows)
        return {tuple(r.values()) for r in rows}

    referral_ids = set()
    columns, rows = _read(source, "referrals.csv")
    rows = [r for r in rows if r["child_id"] in kept_children]
    referral_ids = {r["referral_id"] for r in rows}
    _write(target, "referrals.csv", columns, rows)
    keep("s47_enquiries.csv", lambda r: r["child_id"] in kept_children and r["referral_id"] in referral_ids)
    columns, plans = _read(source, "cp_plans.csv")
    plans = [p for p in plans if p["child_id"] in kept_children]
    plan_ids = {p["plan_id"] for p in plans}
    _write(target, "cp_plans.csv", columns, plans)
    keep("cp_reviews.csv", lambda r: r["plan_id"] in plan_ids)
    optional = {name: (source / name).exists() for name in (
        "conferences.csv", "conference_children.csv", "conference_agencies.csv", "feedback.csv", "case_audits.csv",
        "marac.csv")}
    if optional["conferences.csv"]:
        columns, conferences = _read(source, "conferences.csv")
        conferences = [c for c in conferences if c["family_id"] in kept_families]
        conference_ids = {c["conference_id"] for c in conferences}
        _write(target, "conferences.csv", columns, conferences)
        for name in ("conference_children.csv", "conference_agencies.csv", "feedback.csv"):
            if optional[name]:
                keep(name, lambda r: r["conference_id"] in conference_ids
                     and (name != "conference_children.csv" or r["child_id"] in kept_children))
    if optional["case_audits.csv"]:
        keep("case_audits.csv", lambda r: r["child_id"] in kept_children)
    if optional["marac.csv"]:
        keep("marac.csv", lambda r: _kept(r["victim_id"], seed, share))
    return target
