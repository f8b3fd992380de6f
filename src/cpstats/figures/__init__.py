"""Stage 2, the figures: a validated dataset in, the report's figures out, protected once.

Enters: a :class:`~cpstats.data.dataset.Dataset`, a reporting year and the reference tables.
Leaves: every measure (``measures``), the trends and comparisons across years, and the disclosure
control (``disclosure``) that turns figures into what a report may publish. Imports only ``cpstats.data``.
"""

from cpstats.figures.policy import DEFAULT_THRESHOLD, MODES, Policy  # noqa: E402  (the options of a build; no numerical library)

__all__ = ["DEFAULT_THRESHOLD", "MODES", "Policy"]
