"""Stage 3, presenting: protected figures in, tables, charts, sentences and commentary out.

Enters: the figures of a report (``context.load_context``), commentary Markdown and the key plan.
Leaves: tables, charts and text as notebook outputs. Imports ``cpstats.data`` and ``cpstats.figures``.
"""
