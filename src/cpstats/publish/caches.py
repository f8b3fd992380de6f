"""What a build keeps between runs, and what each kept thing is keyed by: one interface.

==========================  ==========================================  ===============================================
kept                        where                                       keyed by
==========================  ==========================================  ===============================================
executed notebooks          ``<cache root>/.jupyter_cache`` (jupyter-   the notebook's code and its papermill parameters,
                            cache, :mod:`cpstats.publish.execute`)      which carry the inputs' fingerprint (data,
                                                                        reference tables, commentary, library)
validated data              ``<build root>/.validated/<key>.pickle``    the data folder, every file's bytes, the loader's
                                                                        and the contract's source
protected figures           ``<build root>/.validated/figures-<key>``   the data's fingerprint, the reference tables, the
                                                                        year, the disclosure policy, the figures' source
filled commentary, figures  ``<build dir>/.commentary.json``,           the inputs' fingerprint, the year, the policy and
of a version                ``.figures.json``                           every commentary file
the published report        ``<site>/<la>/<year>/manifest.json``        the assembly key: everything the report is
                            (``assembly_key``)                          assembled from (:func:`assembly_unchanged`)
the last build's outcome    ``<build dir>/.rebuild.json``               the rebuild key: every input file, the book, the
                                                                        library, the installed packages and tools, the
                                                                        git commit and the build's options
files' SHA-256              ``<build root>/.validated/.digests.json``   the file's path, size, inode, modification and
                                                                        change times (:class:`FileDigests`)
==========================  ==========================================  ===============================================

Jupyter-cache does what it can do (the notebooks); the rest are the inputs a
notebook cannot see, kept beside the build so that a rebuild with nothing
changed neither validates, computes nor assembles again. When the rebuild key
is the one the last build kept, and the published report, the executed
notebooks and the site's index are as that build left them, the build stops
before it loads a library it would otherwise need (pandas, pandera, papermill):
nothing it could check or compute can differ, since everything the checks read
is in the key.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BuildCaches", "Memo", "FileDigests"]

VALIDATED_FOLDER = ".validated"
DIGESTS_FILE = ".digests.json"
RACY_SECONDS = 2
"""A file changed less than this before it was hashed is hashed again next time (see :class:`FileDigests`)."""


@dataclass
class Memo:
    """A value worked out for one report, kept in its build folder with the key it was worked out for."""

    path: Path
    key: str

    def get(self):
        try:
            kept = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return kept.get("value") if kept.get("key") == self.key else None

    def put(self, value) -> None:
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        partial.write_text(json.dumps({"key": self.key, "value": value}), encoding="utf-8")  # keeps the order
        os.replace(partial, self.path)


class FileDigests:
    """SHA-256 of files, read again only when a file's status says it may have changed.

    Each digest is kept with the file's size, inode, modification and change
    times (``st_ctime_ns``, which no program can set back: writing, truncating,
    renaming over or ``touch -d`` all move it to the present) and the moment it
    was hashed. A digest is reused only while all of them are the same and the
    file had last changed at least :data:`RACY_SECONDS` before it was hashed, so a
    file written in the same clock tick as it was read is read again (git's
    "racily clean" rule). Without ``path`` nothing is kept: every file is read.
    """

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path is not None else None
        self.kept: dict[str, list] = {}
        self.changed = False
        if self.path is not None:
            try:
                kept = json.loads(self.path.read_text(encoding="utf-8"))
                self.kept = kept if isinstance(kept, dict) else {}
            except (OSError, ValueError):
                pass

    def digest(self, path: Path) -> bytes:
        """The SHA-256 of the file's bytes."""
        name = os.path.abspath(path)
        status = os.stat(name)
        stamp = [status.st_size, status.st_ino, status.st_mtime_ns, status.st_ctime_ns]
        kept = self.kept.get(name)
        if isinstance(kept, list) and len(kept) == 6 and kept[:4] == stamp \
                and max(stamp[2], stamp[3]) < kept[4] - RACY_SECONDS * 10**9:
            return bytes.fromhex(kept[5])
        hashed_at = time.time_ns()
        digest = hashlib.sha256()
        with open(name, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        if self.path is not None:
            self.kept[name] = [*stamp, hashed_at, digest.hexdigest()]
            self.changed = True
        return digest.digest()

    def save(self) -> None:
        """Keep the digests for the next build (several processes may: the last one's are kept)."""
        if self.path is None or not self.changed:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        partial.write_text(json.dumps(self.kept), encoding="utf-8")
        os.replace(partial, self.path)
        self.changed = False


@dataclass(frozen=True)
class BuildCaches:
    """The caches of one build tree (``_build``); see the module's table."""

    build_root: Path
    cache_root: Path | None = None

    @property
    def validated(self) -> Path:
        """Where validated data and protected figures are kept (the notebooks read them from there too)."""
        return Path(self.build_root).resolve() / VALIDATED_FOLDER

    @property
    def notebooks(self) -> Path:
        """The folder holding jupyter-cache's database (a worker may have its own)."""
        return Path(self.cache_root or self.build_root).resolve()

    def digests(self) -> FileDigests:
        """The SHA-256 of input files as last read (:class:`FileDigests`)."""
        return FileDigests(self.validated / DIGESTS_FILE)

    @property
    def environment(self) -> dict[str, str]:
        """What the kernels are told: where the validated data are kept."""
        from cpstats.data.dataset import VALIDATED_CACHE_ENV

        return {VALIDATED_CACHE_ENV: str(self.validated)}

    def dataset(self, folder: Path):
        """The folder's data, validated once: from the cache while no file changed, else loaded and kept."""
        from cpstats.data.dataset import cached_dataset, keep_dataset, load_dataset

        dataset = cached_dataset(folder, self.validated)
        if dataset is None:
            dataset = load_dataset(folder)
            keep_dataset(dataset, self.validated)
        return dataset

    def figures(self, dataset, year, reference_dir: Path, policy, measures_dir: Path | None = None):
        """The report's protected figures (:func:`cpstats.figures.figures.report_figures`), computed once."""
        from cpstats.figures.figures import report_figures

        return report_figures(dataset, year, reference_dir, policy, cache_dir=self.validated, measures_dir=measures_dir)

    @staticmethod
    def memo(build_dir: Path | None, name: str, key: str) -> Memo | None:
        """A value kept in a report's build folder under ``name``, good while ``key`` holds."""
        return Memo(Path(build_dir) / f".{name}.json", key) if build_dir is not None else None

    @staticmethod
    def assembly_unchanged(target: Path, assembly: str) -> bool:
        """Whether ``target`` holds a complete report assembled from the same things."""
        manifest = Path(target) / "manifest.json"
        try:
            published = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return published.get("assembly_key") == assembly and all(
            (Path(target) / name).is_file() for name in published.get("outputs", []))
