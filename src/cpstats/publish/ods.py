"""An OpenDocument spreadsheet (ODS) beside each accessible workbook, as gov.uk asks for.

:func:`write_ods` copies a workbook written with gptables (:mod:`cpstats.publish.downloads`,
:mod:`cpstats.publish.board`) sheet by sheet, in order (cover, contents, notes, tables), into an
``.ods`` file made with ``odfpy``: each number is a number and every other cell a plain string
(``office:value-type="string"``), never a formula, whatever it begins with. The file's date is
the report's, its zip entries are dated 1 January 1980 and its parts are in a fixed order, so a
rebuild gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

__all__ = ["ods_name", "write_ods"]

_FIXED = (1980, 1, 1, 0, 0, 0)


def ods_name(xlsx_name: str) -> str:
    """The ODS file's name beside a workbook.

    >>> ods_name("child-protection-tables-sample-2017-18.xlsx")
    'child-protection-tables-sample-2017-18.ods'
    """
    return re.sub(r"\.xlsx$", "", xlsx_name) + ".ods"


def _cell(value):
    from odf.table import TableCell
    from odf.text import P

    if value is None:
        return TableCell()
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, (int, float)):
        return TableCell(valuetype="float", value=repr(value) if isinstance(value, float) else str(value))
    cell = TableCell(valuetype="string")
    for line in str(value).split("\n"):
        cell.addElement(P(text=line))
    return cell


def _fixed_zip(data: bytes) -> bytes:
    """The same ODS with fixed entry dates (odfpy's are the clock's): ``mimetype`` first and stored, as ODF requires."""
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    ordered = (["mimetype"] if "mimetype" in names else []) + sorted(n for n in names if n != "mimetype")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in ordered:
            payload = source.read(name)
            info = zipfile.ZipInfo(name, date_time=_FIXED)
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, payload)
    return out.getvalue()


def write_ods(xlsx: Path, path: Path, *, title: str | None = None, timestamp: dt.datetime | None = None) -> Path:
    """Write ``path`` (``.ods``) with the sheets and cells of the workbook ``xlsx``, in its order.

    Returns ``path``.
    """
    from odf.dc import Title
    from odf.element import Element
    from odf.meta import CreationDate
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableColumn, TableRow
    from openpyxl import load_workbook

    book = load_workbook(xlsx, read_only=True, data_only=True)
    # odfpy declares, in every document, each namespace any document of the process has used: start afresh so
    # that the file depends on its own contents only
    Element.namespaces.clear()
    document = OpenDocumentSpreadsheet()
    try:
        for sheet in book.worksheets:
            table = Table(name=sheet.title)
            rows = [list(row) for row in sheet.iter_rows(values_only=True)]
            width = max((len(r) for r in rows), default=1)
            table.addElement(TableColumn(numbercolumnsrepeated=max(width, 1)))
            for row in rows:
                element = TableRow()
                for value in row:
                    element.addElement(_cell(value))
                table.addElement(element)
            document.spreadsheet.addElement(table)
    finally:
        book.close()
    if title:
        document.meta.addElement(Title(text=title))
    if timestamp is not None:
        stamp = timestamp.astimezone(dt.timezone.utc) if timestamp.tzinfo else timestamp
        document.meta.addElement(CreationDate(text=stamp.strftime("%Y-%m-%dT%H:%M:%S")))
    buffer = io.BytesIO()
    document.write(buffer)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_fixed_zip(buffer.getvalue()))
    return path
