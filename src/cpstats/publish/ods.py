"""An OpenDocument spreadsheet (ODS) beside each accessible workbook, as gov.uk asks for.

:func:`write_ods` copies a workbook written with gptables (:mod:`cpstats.publish.downloads`,
:mod:`cpstats.publish.board`) sheet by sheet, in order (cover, contents, notes, tables), into an
``.ods`` file made with ``odfpy``: each number is a number and every other cell a plain string
(``office:value-type="string"``), never a formula, whatever it begins with. A number keeps its
cell's number format where it has one (:func:`number_style`: thousands separators, decimal places,
a sign, a unit such as ``pp`` after it), as an ODF data style. The file's date is
the report's, its zip entries are dated 1 January 1980 and its parts are in a fixed order, so a
rebuild gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

__all__ = ["ods_name", "write_ods", "number_style"]

_FIXED = (1980, 1, 1, 0, 0, 0)


def ods_name(xlsx_name: str) -> str:
    """The ODS file's name beside a workbook.

    >>> ods_name("child-protection-tables-sample-2017-18.xlsx")
    'child-protection-tables-sample-2017-18.ods'
    """
    return re.sub(r"\.xlsx$", "", xlsx_name) + ".ods"


def _sections(code: str) -> list[str]:
    """A spreadsheet number format's sections (positive; negative; zero), split outside quoted text.

    >>> _sections('+0.0" pp";-0.0" pp";0.0" pp"')
    ['+0.0" pp"', '-0.0" pp"', '0.0" pp"']
    """
    parts, current, quoted = [], "", False
    for character in code:
        if character == '"':
            quoted = not quoted
        if character == ";" and not quoted:
            parts.append(current)
            current = ""
        else:
            current += character
    return parts + [current]


_SECTION = re.compile(r'^(?P<before>(?:"[^"]*"|[+\-])*)(?P<number>[#0,]*0(?:\.0+)?)(?P<after>(?:"[^"]*")*)$')


def number_style(code: str, name: str):
    """The ODF data style of a spreadsheet number format such as ``#,##0.0`` or ``+#,##0;-#,##0;0``, or ``None``
    for a format it does not read (then the number is shown as it is).

    With three sections, a positive number is shown by the first (with its sign) and any other by the third
    (ODF writes a negative number's minus itself). Returns the styles to add, the main one last.
    """
    from odf.number import Number, NumberStyle, Text
    from odf.style import Map

    sections = _sections(code)
    if len(sections) not in (1, 3) or code == "General":
        return None

    def style(section: str, style_name: str, maps=()):
        found = _SECTION.match(section)
        if found is None:
            return None
        number = found.group("number")
        places = len(number.split(".", 1)[1]) if "." in number else 0
        element = NumberStyle(name=style_name)
        before = re.sub(r'"', "", found.group("before"))
        if before.strip("-"):
            element.addElement(Text(text=before.strip("-")))
        element.addElement(Number(decimalplaces=places, minintegerdigits=1, grouping="true" if "," in number else "false"))
        after = re.sub(r'"', "", found.group("after"))
        if after:
            element.addElement(Text(text=after))
        for condition, applied in maps:
            element.addElement(Map(condition=condition, applystylename=applied))
        return element

    if len(sections) == 1:
        main = style(sections[0], name)
        return None if main is None else [main]
    positive = style(sections[0], f"{name}P")
    main = style(sections[2], name, maps=[("value()>0", f"{name}P")])
    return None if positive is None or main is None else [positive, main]


def _cell(value, style: str | None = None):
    from odf.table import TableCell
    from odf.text import P

    if value is None:
        return TableCell()
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, (int, float)):
        number = repr(value) if isinstance(value, float) else str(value)
        if style:
            return TableCell(valuetype="float", value=number, stylename=style)
        return TableCell(valuetype="float", value=number)
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
    styles: dict[str, str | None] = {}

    def cell_style(code) -> str | None:
        """The cell style showing numbers by the format ``code``, added to the document the first time."""
        if not code or code == "General":
            return None
        if code not in styles:
            from odf.style import Style

            number = f"N{len(styles) + 1}"
            found = number_style(code, number)
            if found is None:
                styles[code] = None
            else:
                for element in found:  # common styles: odfpy keeps only the automatic styles a cell names
                    document.styles.addElement(element)
                styles[code] = f"ce{len(styles) + 1}"
                document.automaticstyles.addElement(Style(name=styles[code], family="table-cell",
                                                          datastylename=number))
        return styles[code]

    try:
        for sheet in book.worksheets:
            table = Table(name=sheet.title)
            rows = [list(row) for row in sheet.iter_rows()]
            width = max((len(r) for r in rows), default=1)
            table.addElement(TableColumn(numbercolumnsrepeated=max(width, 1)))
            for row in rows:
                element = TableRow()
                for cell in row:
                    value = getattr(cell, "value", None)
                    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
                    element.addElement(_cell(value, cell_style(getattr(cell, "number_format", None)) if numeric
                                             else None))
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
