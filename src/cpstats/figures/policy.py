"""The policy of a build: who a report is for, and the largest count withheld from the public.

Kept apart from :mod:`cpstats.figures.disclosure` (which applies it) because every build reads it
before it knows whether anything needs computing: it imports no numerical library.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_THRESHOLD", "MODES", "Policy"]

DEFAULT_THRESHOLD = 5
MODES = ("internal", "public")
"""``internal``: every count shown (drafts); ``public``: small counts suppressed."""


@dataclass(frozen=True)
class Policy:
    """Who a report is for, and the largest count that is withheld from the public.

    >>> Policy("public").hides(3), Policy("public").hides(0), Policy("internal").hides(3)
    (True, False, False)
    >>> Policy("public", threshold=5).fewer_than
    'fewer than 6'
    """

    mode: str = "internal"
    threshold: int = DEFAULT_THRESHOLD

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"disclosure must be one of {', '.join(MODES)}, not {self.mode!r}")
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, (int, float)) \
                or int(self.threshold) != self.threshold:
            raise ValueError(f"the disclosure threshold must be a whole number, not {self.threshold!r}")
        if self.public and self.threshold < 2:
            # below 1 nothing is withheld; at 1 "fewer than 2" says the count is 1
            raise ValueError(f"a public report's disclosure threshold must be 2 or more, not {self.threshold!r}: "
                             f"{'nothing would be withheld' if self.threshold < 1 else 'a count withheld as fewer than 2 is 1'}")
        if self.threshold < 0:
            raise ValueError(f"the disclosure threshold must be a whole number 0 or more, not {self.threshold!r}")

    @property
    def public(self) -> bool:
        """Whether small counts are withheld."""
        return self.mode == "public"

    def hides(self, value) -> bool:
        """Whether a count is withheld: in public mode, a count from 1 to the threshold."""
        if not self.public or value is None or isinstance(value, bool):
            return False
        try:
            return 1 <= float(value) <= self.threshold
        except (TypeError, ValueError):
            return False

    @property
    def fewer_than(self) -> str:
        """How prose words a withheld count, e.g. ``fewer than 6``."""
        return f"fewer than {self.threshold + 1}"
