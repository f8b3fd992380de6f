#!/usr/bin/env python3
"""Refuse a commit that would add record-level data: the project's pre-commit check.

Files are judged by what they hold, whatever their name or folder:

- a CIN census return, or any XML holding the census's child-level elements
  (root ``<Message>`` with census items, or elements such as ``<LAchildID>``,
  ``<CINdetails>``, ``<CINreferralDate>``);
- a delimited text file (CSV, TSV, semicolon or pipe separated, any extension)
  whose header row has an identifier column (``child_id``, ``victim_id``,
  ``family_id``, ``LAchildID``, ``UPN``, ...): one row per child, family or victim;
- a spreadsheet (XLSX/XLSM, ODS, or the old binary XLS) with such a column or
  census items in its cells.

Only the synthetic authorities in ``data/sample/`` and ``data/county/`` may hold
record-level data. Anything else under ``data/`` except those two and
``data/reference/`` (DfE's published figures) is refused too, whatever its kind.
Installed by ``make hooks``; also usable as a pre-commit hook
(``.pre-commit-config.yaml``). With file names as arguments, checks those
files; without, the files staged for commit (their staged content, not the
working copy). Standard library only.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import zipfile
from pathlib import PurePosixPath

ALLOWED_RECORD_LEVEL = ("data/sample/", "data/county/")
ALLOWED_UNDER_DATA = (*ALLOWED_RECORD_LEVEL, "data/reference/")
RECORD_COLUMNS = {"child_id", "victim_id", "family_id", "lachildid", "upn", "formerupn", "former_upn",
                  "person_id", "nhs_number"}
"""Header names (compared without case, spaces or a byte-order mark) that mark one row per person or family."""
CENSUS_ELEMENTS = ("LAchildID", "ChildIdentifiers", "CINdetails", "CINreferralDate", "PersonBirthDate",
                   "CPPstartDate", "S47ActualStartDate", "ChildCharacteristics")
"""Elements of the CIN census that hold or describe one child: any of them makes an XML file record-level."""
HEAD_BYTES = 1 << 20
"""How much of a file is read (census XML names its first child within a few hundred bytes)."""
_DELIMITERS = (",", "\t", ";", "|")
_CENSUS_PATTERN = re.compile(r"<\s*(?:[\w.-]+:)?(" + "|".join(CENSUS_ELEMENTS) + r")\b")
_ROOT_PATTERN = re.compile(r"<\s*(?:[\w.-]+:)?([A-Za-z_][\w.-]*)")


def _staged() -> list[str]:
    out = subprocess.run(["git", "diff", "--cached", "--name-only", "--diff-filter=ACMR", "-z"],
                         capture_output=True, check=True).stdout
    return [name for name in out.decode("utf-8").split("\0") if name]


def _content(path: str, staged: bool) -> bytes:
    """The file's bytes as they would be committed (the staged blob), or as on disk."""
    if staged:
        return subprocess.run(["git", "show", f":{path}"], capture_output=True).stdout
    with open(path, "rb") as f:
        return f.read()


def _text(data: bytes) -> str:
    head = data[:HEAD_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace")
    return head.decode("utf-8-sig", errors="replace")


def _normal(name: str) -> str:
    return re.sub(r"[\s\ufeff\"']", "", name).lower()


def _identifier_columns(header: list[str]) -> set[str]:
    return RECORD_COLUMNS & {_normal(c) for c in header}


def _census_xml(text: str) -> str | None:
    """Why an XML text is a census return or holds census child items, else ``None``."""
    body = re.sub(r"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", "", text[:4096], flags=re.S).lstrip()
    root = _ROOT_PATTERN.match(body)
    found = _CENSUS_PATTERN.search(text)
    if found:
        if root and root.group(1) == "Message":
            return "is a CIN census return (root <Message> with census items): record-level data"
        return f"is XML holding CIN census items (<{found.group(1)}>): record-level data"
    return None


def _delimited(text: str) -> set[str]:
    """Identifier columns of the header row, read with each usual delimiter."""
    first = text.splitlines()[0] if text.strip() else ""
    found = _identifier_columns([first])  # a file of one column
    for delimiter in _DELIMITERS:
        if delimiter in first:
            found |= _identifier_columns(next(csv.reader(io.StringIO(first), delimiter=delimiter), []))
    return found


def _zip_cells(data: bytes) -> str | None:
    """Why a zip (a spreadsheet: XLSX, XLSM, ODS; or an archive of files) is record-level, else ``None``."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            for name in book.namelist():
                sheet = name == "content.xml" or name == "xl/sharedStrings.xml" or re.match(r"xl/worksheets/[^/]+\.xml$", name)
                with book.open(name) as member:
                    head = member.read(HEAD_BYTES)
                if sheet:
                    cells = {_normal(v) for v in re.findall(r">([^<>]{1,40})<", head.decode("utf-8", errors="replace"))}
                    found = (RECORD_COLUMNS & cells) | {c for c in CENSUS_ELEMENTS if c.lower() in cells}
                    if found:
                        return f"is a spreadsheet with a {', '.join(sorted(found))} column: record-level data"
                elif not name.endswith("/") and not name.startswith(("xl/", "docProps/", "_rels/", "[Content_Types]", "META-INF/")):
                    why = content_problem(head)
                    if why:
                        return f"is an archive whose {name} {why}"
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, ValueError):
        return "is an archive that cannot be read to check it; it may hold record-level data"
    return None


def _binary_cells(data: bytes) -> str | None:
    """Why an old binary spreadsheet (XLS) is record-level: an identifier column's name in its bytes."""
    names = sorted(RECORD_COLUMNS | {c.lower() for c in CENSUS_ELEMENTS})
    for name in names:
        if re.search(rb"(?<![A-Za-z0-9_])" + re.escape(name.encode("latin-1")) + rb"(?![A-Za-z0-9_])", data, flags=re.I) or (
                len(name) >= 6 and name.encode("utf-16-le") in data.lower()):
            return f"is a spreadsheet with a {name} column: record-level data"
    return None


def content_problem(data: bytes) -> str | None:
    """Why a file's content is record-level data, else ``None``."""
    if data.startswith(b"PK\x03\x04"):
        return _zip_cells(data)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: the old binary Excel format
        return _binary_cells(data)
    text = _text(data)
    if text.lstrip().startswith("<"):
        return _census_xml(text)
    found = _delimited(text)
    if found:
        return f"has a {', '.join(sorted(found))} column: record-level data"
    return None


def problem(path: str, staged: bool = True) -> str | None:
    """Why ``path`` may not be committed, or ``None``."""
    posix = PurePosixPath(path).as_posix()
    if posix.startswith("data/") and not posix.startswith(ALLOWED_UNDER_DATA):
        return "is under data/, where only data/sample/, data/county/ and data/reference/ are committed"
    if posix.startswith(ALLOWED_RECORD_LEVEL):
        return None
    why = content_problem(_content(path, staged))
    if why:
        return why + " (only the synthetic samples in data/sample/ and data/county/ may be committed)"
    return None


def main(argv: list[str]) -> int:
    staged = not argv
    paths = _staged() if staged else argv
    refused = [(p, why) for p in paths if (why := problem(p, staged))]
    for path, why in refused:
        print(f"refused: {path} {why}", file=sys.stderr)
    if refused:
        print("Remove them from the commit (git restore --staged FILE); never commit a child's record. "
              "Keep returns and extracts in data/<la>/ (ignored by git).", file=sys.stderr)
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
