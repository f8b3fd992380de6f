"""Stage 4, publishing: section notebooks in, a published report out.

Enters: the section notebooks, a data folder, commentary and the build's options.
Leaves: executed notebooks (cached with jupyter-cache), pages and PDF (built-in renderer or Quarto),
CSV, XLSX and ODS downloads, open data in DfE's standard, a zip of everything, versions and the site,
swapped in atomically. Imports every stage below it.
"""
