"""A public build of the sample report, shared by the trust tests, and ways to read what it published.

:func:`public_report` builds the sample for 2017-18 once per test session,
with ``--disclosure public``, from a copy of the project (book, notebooks,
commentary, data) in a temporary folder, so a second build elsewhere can be
compared with it byte for byte. The helpers read every kind of published file
as text or cells: HTML pages, the PDF (pypdf), CSV and XLSX downloads
(openpyxl), images (their metadata) and the manifest.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE = PROJECT_ROOT / "data" / "sample"
LA = "sample"
YEAR = "2017-18"
PROJECT_PARTS = ("_quarto.yml", "_quarto-public.yml", "index.qmd", "notebooks", "commentary", "data/sample",
                 "data/reference", "scripts/quarto_prepare.py", ".gitignore")
"""What a build reads from the project: the book, the section notebooks, the commentary and the data."""


@dataclass(frozen=True)
class Build:
    """Where one build of the sample put things."""

    project: Path
    out_root: Path
    build_root: Path

    @property
    def report(self) -> Path:
        """The published report, ``_site/sample/2017-18``."""
        return self.out_root / LA / YEAR

    @property
    def draft(self) -> Path:
        """The internal draft built before the public report, ``_drafts/sample/2017-18``."""
        return self.project / "_drafts" / LA / YEAR

    @property
    def build_dir(self) -> Path:
        """The executed notebooks and the suppression log, ``_build/sample/2017-18``."""
        return self.build_root / LA / YEAR


def copy_project(source: Path, target: Path) -> Path:
    """Copy what a build reads from a project (never its ``_site`` or ``_build``)."""
    for part in PROJECT_PARTS:
        origin = Path(source) / part
        if origin.is_dir():
            shutil.copytree(origin, Path(target) / part, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        elif origin.exists():
            (Path(target) / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, Path(target) / part)
    return Path(target)


@pytest.fixture(scope="session")
def public_report(tmp_path_factory) -> Build:
    """The sample report for 2017-18 built once with ``disclosure="public"`` from a copy of the project.

    The internal draft is built first into the same project (``_drafts/``, :attr:`Build.draft`), as an analyst
    would before publishing: what the public site holds must not depend on it.
    """
    if not (SAMPLE / "la.yaml").exists():
        pytest.skip("data/sample is not generated yet")
    from cpstats.publish.build import build_report

    project = copy_project(PROJECT_ROOT, tmp_path_factory.mktemp("public") / "project")
    build = Build(project, project / "_site", project / "_build")
    for disclosure in ("internal", "public"):  # as an analyst would: a draft first, then the public report
        build_report(
            LA, YEAR, data_root=project / "data", out_root=build.out_root, build_root=build.build_root,
            renderer="builtin", project_dir=project, disclosure=disclosure,
        )
    return build


# ----------------------------------------------------------------- reading what was published


def tree_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, by relative path (hidden files included)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(Path(folder).rglob("*")) if p.is_file()
    }


def normal(text: str) -> str:
    """Whitespace and quotes normalised."""
    return " ".join(text.replace("\u2019", "'").replace("\xa0", " ").replace("\u2212", "-").split())


def html_text(markup: str) -> str:
    """The visible text of an HTML page."""
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S)
    return normal(html.unescape(re.sub(r"<[^>]+>", " ", markup)))


def html_tables(markup: str) -> list[list[list[str]]]:
    """Every table of a page: rows of cell texts (header row included)."""
    tables = []
    for table in re.findall(r"<table\b.*?</table>", markup, flags=re.S):
        rows = []
        for row in re.findall(r"<tr\b.*?</tr>", table, flags=re.S):
            rows.append([html_text(cell) for cell in re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row, flags=re.S)])
        tables.append(rows)
    return tables


def pdf_text(path: Path) -> str:
    """The text of every page of a PDF."""
    from pypdf import PdfReader

    return normal(" ".join(page.extract_text() for page in PdfReader(path).pages))


def csv_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def xlsx_cells(path: Path) -> dict[str, list[list]]:
    """Every sheet's cells as rows of values (``None`` for empty cells)."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}
    finally:
        book.close()


def xlsx_text(path: Path) -> str:
    """Everything an XLSX holds as text: its cells and the XML of every part (document properties too)."""
    cells = " ".join(str(v) for rows in xlsx_cells(path).values() for row in rows for v in row if v is not None)
    with zipfile.ZipFile(path) as archive:
        parts = " ".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return cells + " " + html.unescape(re.sub(r"<[^>]+>", " ", parts))


def image_metadata(path: Path) -> str:
    """What an image says besides its pixels: an SVG's text and metadata, a PNG's text chunks."""
    data = Path(path).read_bytes()
    if path.suffix == ".svg":
        return html.unescape(data.decode("utf-8", "replace"))
    chunks, position = [], 8
    while position + 8 <= len(data):
        length = int.from_bytes(data[position:position + 4], "big")
        kind = data[position + 4:position + 8]
        if kind in (b"tEXt", b"iTXt", b"zTXt"):
            chunks.append(data[position + 8:position + 8 + length].decode("latin-1", "replace"))
        position += 12 + length
    return " ".join(chunks)


def published_text(path: Path) -> str:
    """A published file as the text a reader (or a program) could get out of it."""
    suffix = path.suffix.lower()
    if suffix == ".html":
        markup = path.read_text(encoding="utf-8")
        return html_text(markup) + " " + " ".join(re.findall(r'(?:alt|title|href|src|content)="([^"]*)"', markup))
    if suffix == ".pdf":
        from pypdf import PdfReader

        reader = PdfReader(path)
        return pdf_text(path) + " " + normal(str(reader.metadata)) + " " + normal(str(reader.xmp_metadata and
                                                                                     reader.xmp_metadata.stream.get_data().decode("utf-8", "replace")))
    if suffix == ".xlsx":
        return xlsx_text(path)
    if suffix == ".ods":
        with zipfile.ZipFile(path) as archive:
            return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", archive.read(name).decode("utf-8", "replace")))
                            for name in archive.namelist())
    if suffix == ".zip":  # every file inside, read as it would be on its own
        import tempfile

        with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory() as folder:
            texts = []
            for name in archive.namelist():
                member = Path(folder) / Path(name).name
                member.write_bytes(archive.read(name))
                texts.append(published_text(member))
            return " ".join(texts)
    if suffix in (".svg", ".png"):
        return image_metadata(path)
    return path.read_bytes().decode("utf-8", "replace")
