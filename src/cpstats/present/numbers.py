"""Numbers and small phrases as the report writes them: counts, percentages, rates, changes, dates.

Values are a report's protected figures (:mod:`cpstats.figures.figures`): a
withheld one is written as its figures word it ("fewer than 6" or ``[c]``),
and anything worked out from one is withheld too. Used by the standard
sentences (:mod:`cpstats.present.sentences`), the tables and the commentary.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Mapping

from cpstats.figures.figures import CONFIDENTIAL, Withheld, is_withheld

NOT_APPLICABLE = "not applicable"
"""What a sentence says where a percentage or rate has no denominator."""


def _round_half_up(value: float, places: int) -> Decimal:
    """Round as published statistics do: 0.5 goes up, not to even."""
    step = Decimal(1).scaleb(-places)
    return Decimal(str(value)).quantize(step, rounding=ROUND_HALF_UP)


def format_count(value: int | None) -> str:
    """A count with thousands separators; a withheld one as the figures word it ("fewer than 6" or ``[c]``).

    >>> format_count(8166), format_count(None), format_count(Withheld(primary=True)), format_count(Withheld())
    ('8,166', 'not applicable', 'fewer than 6', '[c]')
    """
    if value is None:
        return NOT_APPLICABLE
    if is_withheld(value):
        return value.phrase if isinstance(value, Withheld) else CONFIDENTIAL
    return f"{int(value):,}"


def format_percent(value: float | None, places: int = 0) -> str:
    """A percentage, rounded half up to ``places`` decimals.

    >>> format_percent(23.81)
    '24%'
    >>> format_percent(90.45, places=1)
    '90.5%'
    >>> format_percent(None)
    'not applicable'
    """
    if value is None:
        return NOT_APPLICABLE
    if is_withheld(value):
        return CONFIDENTIAL
    return f"{_round_half_up(value, places):,}%"


def format_rate(value: float | None) -> str:
    """A rate per 10,000 to one decimal place.

    >>> format_rate(23.27)
    '23.3'
    """
    if is_withheld(value):
        return CONFIDENTIAL
    return NOT_APPLICABLE if value is None else f"{_round_half_up(value, 1):,}"


def percent_of(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole``; ``None`` when ``whole`` is zero.

    >>> round(percent_of(5, 21), 2)
    23.81
    >>> percent_of(1, 0) is None
    True
    """
    return None if not whole else 100 * part / whole


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``count`` followed by the right form of a noun.

    >>> plural(1, "family", "families"), plural(20, "family", "families"), plural(0, "family", "families")
    ('1 family', '20 families', 'no families')
    >>> plural(Withheld(primary=True), "unborn baby", "unborn babies")
    'fewer than 6 unborn babies'
    """
    if is_withheld(count):
        return f"{format_count(count)} {plural_form or singular + 's'}"
    if count == 0:
        return f"no {plural_form or singular + 's'}"
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{format_count(count)} {word}"


def share_phrase(part: int, whole: int, places: int = 0) -> str:
    """``part`` as a percentage of ``whole``, in brackets; nothing if ``whole`` is 0 or either is withheld.

    >>> share_phrase(5, 21), share_phrase(Withheld(), 21)
    (' (24%)', '')
    """
    if is_withheld(part) or is_withheld(whole) or not whole:
        return ""
    return f" ({format_percent(percent_of(part, whole), places)})"


def _percent_withheld(pct, whole=None) -> bool:
    """Whether a percentage is withheld by the figures."""
    return is_withheld(pct)


def withheld_breakdown(counts: Mapping[str, int]) -> dict[str, int | None]:
    """The parts of a breakdown as a sentence states them; ``None`` for those the figures withhold.

    >>> withheld_breakdown({"EMO": 20, "NEG": Withheld(), "SAB": Withheld(primary=True)})
    {'EMO': 20, 'NEG': None, 'SAB': None}
    """
    return {key: None if is_withheld(value) else value for key, value in counts.items()}


def _one(count: int | None) -> bool:
    """Whether a count is written as exactly one (so takes a singular verb): not when it is withheld."""
    return not is_withheld(count) and count == 1


def _capital(text: str) -> str:
    """A sentence that may start with "fewer than 6", with its first letter a capital."""
    return text[:1].upper() + text[1:]


def _shown(value: int | None) -> str:
    """A part of :func:`withheld_breakdown` as a sentence states it."""
    return CONFIDENTIAL if value is None else format_count(value)


def article(text: str) -> str:
    """``a`` or ``an`` before a number written as figures, by how it is said ("an 11% increase").

    >>> article("11%"), article("8"), article("80%"), article("18,000"), article("1"), article("26%")
    ('an', 'an', 'an', 'an', 'a', 'a')
    """
    import re

    return "an" if re.match(r"^(8|1[18](?![\d.]|,\d))|^1[18],\d{3}(?!,)|^1[18]\b", text) else "a"


def change_phrase(current: int, previous: int | None) -> str | None:
    """Describe the change from ``previous`` to ``current`` as a whole percentage.

    >>> change_phrase(305, 412)
    'a 26% decrease'
    >>> change_phrase(50, 40)
    'a 25% increase'
    >>> change_phrase(7, 7)
    'no change'
    >>> change_phrase(3, 0) is None
    True
    """
    if is_withheld(current) or is_withheld(previous) or not previous:
        return None
    if current == previous:
        return "no change"
    change = percent_of(abs(current - previous), previous)
    direction = "increase" if current > previous else "decrease"
    shown = format_percent(change)
    return f"{article(shown)} {shown} {direction}"


def date_phrase(day) -> str:
    """A date as the report writes it, e.g. ``31 March 2018``.

    >>> import pandas as pd
    >>> date_phrase(pd.Timestamp(2018, 3, 31))
    '31 March 2018'
    """
    return f"{day.day} {day.strftime('%B')} {day.year}"
