"""One download for everything: a zip of a report's files, the same bytes on every rebuild.

:func:`write_bundle` puts into ``<la>-<year>-all-files.zip`` (at the top of the published report)
the PDF, every table as CSV, the workbooks (XLSX and ODS), the open data with its guidance, and
``SHA256SUMS``: each file's SHA-256 and name, as ``sha256sum --check`` reads them. Entries are in
name order, dated 1 January 1980 (the earliest date a zip holds), with fixed permissions and
compression, so the same files give the same zip whatever the clock, time zone or folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from cpstats.publish.zipfiles import CHECKSUMS, FIXED_DATE, checksummed_zip, zip_bytes  # noqa: F401  (its interface)

__all__ = ["bundle_name", "zip_bytes", "write_bundle", "FIXED_DATE"]

def bundle_name(la: str, year: str) -> str:
    """The zip's file name.

    >>> bundle_name("sample", "2017-18")
    'child-protection-sample-2017-18-all-files.zip'
    """
    return f"child-protection-{la}-{year}-all-files.zip"


def write_bundle(site_dir: Path, name: str, files: Sequence[Path]) -> Path:
    """Write ``<site_dir>/<name>`` holding ``files`` (under their paths in the report) and their checksums."""
    site_dir = Path(site_dir)
    entries = []
    for path in sorted({Path(p) for p in files}):
        relative = path.relative_to(site_dir).as_posix()
        entries.append((relative, path.read_bytes()))
    target = site_dir / name
    target.write_bytes(checksummed_zip(entries))
    return target


# ----------------------------------------------------------------- the report's further downloads


def everything_links(la: str, year: str, downloads) -> tuple[tuple[str, str], ...]:
    """The report's downloads besides its tables: the zip of everything (first: the front page's "Download all"),
    the workbook as ODS and the open data (on the "About this report" page)."""
    from cpstats.publish.downloads import FOLDER
    from cpstats.publish.opendata import FOLDER as OPEN_DATA, GUIDANCE
    from cpstats.publish.ods import ods_name

    links = [("Download all: the PDF, every table as CSV, the workbooks and the open data (ZIP)",
              bundle_name(la, year))]
    if downloads.tables:
        links.append((f"Every table of the report in one workbook (ODS, {len(downloads.tables)} tables)",
                      f"{FOLDER}/{ods_name(downloads.workbook)}"))
    links.append(("Open data in the Department for Education's standard format (CSV files and their data guidance)",
                  f"{OPEN_DATA}/{GUIDANCE}"))
    return tuple(links)


def write_everything(site_dir: Path, figures, dataset, info, la: str, year: str, reference_dir, downloads) -> list[Path]:
    """Into a report laid out in ``site_dir``, after its PDF and downloads: the open data, the workbook as
    ODS and the zip of everything (:func:`write_bundle`). Returns the files written."""
    from cpstats.publish.downloads import FOLDER
    from cpstats.publish.ods import ods_name, write_ods
    from cpstats.publish.opendata import write_open_data

    site_dir = Path(site_dir)
    written = write_open_data(site_dir, figures, dataset.la_code, dataset.name, reference_dir)
    workbook = site_dir / FOLDER / downloads.workbook
    if downloads.tables and workbook.is_file():
        written.append(write_ods(workbook, workbook.with_name(ods_name(downloads.workbook)),
                                 title=f"{info.title}: tables, {info.subtitle}", timestamp=info.timestamp))
    pdf = site_dir / info.pdf_name
    folders = [site_dir / FOLDER, written[0].parent]
    files = [p for folder in folders if folder.is_dir() for p in folder.rglob("*") if p.is_file()]
    files += [pdf] if pdf.is_file() else []
    written.append(write_bundle(site_dir, bundle_name(la, year), files))
    return written
