"""The release's facts a reader needs first (Code of Practice for Statistics): its release date, status, contact
and revisions policy, from ``la.yaml`` (:mod:`cpstats.data.authority` checks them), as plain text."""

from __future__ import annotations

import datetime as dt

from cpstats.data.authority import DEFAULT_REVISIONS, STATUSES, release_date
from cpstats.data.periods import ReportingYear
from cpstats.present.numbers import date_phrase

__all__ = ["release_facts"]


def release_facts(la: dict, year: ReportingYear, draft: bool) -> list[tuple[str, str]]:
    """What a reader needs first about a release, as (what, text) pairs: its release date, status, contact and
    revisions policy (the Code of Practice for Statistics), from ``la.yaml``; plain text, from the data."""
    released = release_date(la, year)
    if draft:
        when = "Not published: this is an internal draft"
    elif released is None:
        when = "Not stated (la.yaml gives no release date for this year)"
    else:
        when = date_phrase(dt.datetime.combine(released, dt.time()))
    status = la.get("status")
    facts = [("Published", when),
             ("Status", STATUSES[" ".join(status.lower().split())] if isinstance(status, str) else "Not stated")]
    if isinstance(la.get("contact"), str):
        facts.append(("Contact", la["contact"].strip()))
    facts.append(("Revisions and corrections", (la.get("revisions") or DEFAULT_REVISIONS).strip()))
    return facts
