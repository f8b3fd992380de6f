"""Zip files that are the same bytes on every rebuild: entries in name order, fixed dates and attributes.

Used by a report's zip of everything (:mod:`cpstats.publish.bundle`) and the site's zip of its joined open
data (:mod:`cpstats.publish.opendata`).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Sequence

__all__ = ["FIXED_DATE", "CHECKSUMS", "zip_bytes", "checksummed_zip"]

FIXED_DATE = (1980, 1, 1, 0, 0, 0)
CHECKSUMS = "SHA256SUMS"


def zip_bytes(entries: Sequence[tuple[str, bytes]]) -> bytes:
    """A zip of ``(name, bytes)`` entries, in name order, with fixed dates and attributes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever builds it
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=9)
    return buffer.getvalue()


def checksummed_zip(entries: Sequence[tuple[str, bytes]]) -> bytes:
    """A zip of ``entries`` and :data:`CHECKSUMS`, each entry's SHA-256 and name as ``sha256sum --check`` reads them."""
    entries = sorted(entries)
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in entries)
    return zip_bytes([*entries, (CHECKSUMS, sums.encode("utf-8"))])
