"""Stage 1, the data: record-level files in, a validated :class:`~cpstats.data.dataset.Dataset` out.

Enters: a data folder (``data/<la>/*.csv`` and ``la.yaml``), CIN census XML, DfE's published files.
Leaves: the validated dataset, reporting years and working days (``periods``), reference tables
(populations, England's and the authority's published figures), synthetic and census-built folders.
Imports nothing from the other stages.
"""
