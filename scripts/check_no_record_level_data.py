#!/usr/bin/env python3
"""Refuse a commit that would add record-level data: the project's pre-commit check.

A CSV file with a ``child_id`` (or ``victim_id``) column holds one row per child
or victim; only the synthetic authorities in ``data/sample/`` and
``data/county/`` may be committed. Anything else under ``data/`` except those
two and ``data/reference/`` (DfE's published figures) is refused too, whatever
its kind. Installed by ``make hooks``; also usable as a pre-commit hook
(``.pre-commit-config.yaml``). With file names as arguments, checks those
files; without, the files staged for commit. Standard library only.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import PurePosixPath

ALLOWED_RECORD_LEVEL = ("data/sample/", "data/county/")
ALLOWED_UNDER_DATA = (*ALLOWED_RECORD_LEVEL, "data/reference/")
RECORD_COLUMNS = {"child_id", "victim_id", "lachildid"}


def _staged() -> list[str]:
    out = subprocess.run(["git", "diff", "--cached", "--name-only", "--diff-filter=ACMR", "-z"],
                         capture_output=True, check=True).stdout
    return [name for name in out.decode("utf-8").split("\0") if name]


def _head(path: str, staged: bool) -> str:
    if staged:
        data = subprocess.run(["git", "show", f":{path}"], capture_output=True).stdout
    else:
        with open(path, "rb") as f:
            data = f.read(65536)
    return data[:65536].decode("utf-8-sig", errors="replace")


def problem(path: str, staged: bool = True) -> str | None:
    """Why ``path`` may not be committed, or ``None``."""
    posix = PurePosixPath(path).as_posix()
    if posix.startswith("data/") and not posix.startswith(ALLOWED_UNDER_DATA):
        return "is under data/, where only data/sample/, data/county/ and data/reference/ are committed"
    if posix.lower().endswith((".csv", ".tsv")) and not posix.startswith(ALLOWED_RECORD_LEVEL):
        text = _head(path, staged)
        delimiter = "\t" if posix.lower().endswith(".tsv") else ","
        header = next(csv.reader(io.StringIO(text.splitlines()[0] if text else ""), delimiter=delimiter), [])
        found = RECORD_COLUMNS & {c.strip().lower() for c in header}
        if found:
            return f"has a {', '.join(sorted(found))} column: record-level data (only the synthetic samples may be committed)"
    return None


def main(argv: list[str]) -> int:
    staged = not argv
    paths = _staged() if staged else argv
    refused = [(p, why) for p in paths if (why := problem(p, staged))]
    for path, why in refused:
        print(f"refused: {path} {why}", file=sys.stderr)
    if refused:
        print("Remove them from the commit (git restore --staged FILE); never commit a child's record.", file=sys.stderr)
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
