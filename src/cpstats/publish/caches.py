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
==========================  ==========================================  ===============================================

Jupyter-cache does what it can do (the notebooks); the rest are the inputs a
notebook cannot see, kept beside the build so that a rebuild with nothing
changed neither validates, computes nor assembles again.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BuildCaches", "Memo"]

VALIDATED_FOLDER = ".validated"


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
