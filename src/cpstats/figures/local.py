"""Local measures an analyst defines in the project, without editing the library.

A project's ``measures/`` folder (beside ``notebooks/``) holds Python files.
Every public function of such a file that takes the dataset and the reporting
year is a local measure, named after the function::

    # measures/under_fives.py
    KINDS = {"under_5s": "people"}          # "people" or "count"
    RELATIONS = {"under_5s": ["age_bands.unborn", "age_bands.under_1", "age_bands.1_to_4"]}

    def under_5s(ds, year):
        \"\"\"Children with a plan during the year aged under 5 on 31 March.\"\"\"
        ...
        return int(count)

Each is computed with the other measures for every covered year, becomes a
figure of the report, is protected by the disclosure policy like any other
(a count of people from 1 to the threshold is withheld) and can be named in
commentary (``{{ under_5s }}``, ``{{ previous:under_5s }}``) and shown in a
notebook (``report.values["under_5s"]``). A measure's kind is ``people`` unless
its file's ``KINDS`` says ``count`` (conferences, audits, months: never
withheld). A function that fails or returns something other than a number or
a mapping of numbers stops the build with the file and the function.

``RELATIONS`` declares how each measure relates to the other figures, so the
disclosure control and its audit (:mod:`cpstats.figures.audit`) know what a
reader knows: a list of the figures (flat names, ``age_bands.unborn``) the
measure is the sum of; ``{"parts_sum_to": "sex.F"}`` for a measure that returns
a breakdown whose keys sum to a figure; or ``[]`` for a measure that is the sum
of no other figure. A public build refuses (exit status 2, naming the file) a
local measure whose kind or relations are not declared: its kind and
relations cannot be guessed from its name.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from cpstats.data.paths import InputError

__all__ = ["LocalMeasure", "LocalMeasureError", "find_local_measures", "measures_digest", "undeclared", "MEASURES_FOLDER"]

MEASURES_FOLDER = "measures"


class LocalMeasureError(InputError):
    """A local measure that cannot be loaded or computed: names its file and function."""


@dataclass(frozen=True)
class LocalMeasure:
    name: str
    kind: str
    function: Callable
    file: str
    relations: object = None
    """The declared relations (see the module's text), or ``None`` when the file declares none."""
    kind_declared: bool = True

    @property
    def declared(self) -> bool:
        """Whether the file declares both the measure's kind and its relations."""
        return self.kind_declared and self.relations is not None

    def __call__(self, ds, year):
        try:
            value = self.function(ds, year)
        except Exception as error:  # the analyst's code: say where it failed, in one line
            raise LocalMeasureError(f"{self.file}: {self.name}(ds, year) failed for {year}: "
                                    f"{type(error).__name__}: {error}") from None
        return _checked(value, self)


def _checked(value, measure: LocalMeasure):
    import numbers

    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _checked(v, measure) for k, v in value.items()}
    raise LocalMeasureError(f"{measure.file}: {measure.name} returned {type(value).__name__}; "
                            "a local measure returns a number, None, or a mapping of names to numbers")


def find_local_measures(folder: Path | None) -> list[LocalMeasure]:
    """The local measures defined in ``folder`` (none when it does not exist), in file and name order."""
    if folder is None or not Path(folder).is_dir():
        return []
    found = []
    for path in sorted(Path(folder).glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"cpstats_local_measures.{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as error:
            raise LocalMeasureError(f"{path.name}: cannot be loaded: {type(error).__name__}: {error}") from None
        kinds = getattr(module, "KINDS", {})
        relations = getattr(module, "RELATIONS", {})
        if not isinstance(kinds, dict) or not isinstance(relations, dict):
            raise LocalMeasureError(f"{path.name}: KINDS and RELATIONS must be dictionaries keyed by the measure's name")
        for name, function in sorted(vars(module).items()):
            if name.startswith("_") or not inspect.isfunction(function) or function.__module__ != module.__name__:
                continue
            if len(inspect.signature(function).parameters) != 2:
                continue
            kind = kinds.get(name, "people")
            if kind not in ("people", "count"):
                raise LocalMeasureError(f"{path.name}: KINDS[{name!r}] must be 'people' or 'count', not {kind!r}")
            found.append(LocalMeasure(name, kind, function, path.name, _relations(relations.get(name), path.name, name),
                                      name in kinds))
    return found


def _relations(declared, file: str, name: str):
    """A measure's declared relations, checked for shape: a list of figure names, ``{"parts_sum_to": name}`` or ``None``."""
    if declared is None:
        return None
    if isinstance(declared, (list, tuple)) and all(isinstance(p, str) for p in declared):
        return tuple(declared)
    if isinstance(declared, dict) and set(declared) == {"parts_sum_to"} and isinstance(declared["parts_sum_to"], str):
        return dict(declared)
    raise LocalMeasureError(f"{file}: RELATIONS[{name!r}] must be a list of figure names, "
                            "{'parts_sum_to': 'a figure'} or []")


def undeclared(measures) -> "LocalMeasure | None":
    """The first local measure whose kind or relations its file does not declare, or ``None``."""
    return next((m for m in measures if not m.declared), None)


def measures_digest(folder: Path | None) -> str:
    """SHA-256 over the local measures' files: a change re-computes the figures and re-executes the notebooks."""
    digest = hashlib.sha256()
    if folder is not None and Path(folder).is_dir():
        for path in sorted(Path(folder).glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
