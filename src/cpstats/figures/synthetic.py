"""How closely synthetic authorities (:mod:`cpstats.data.national`) match their published figures.

Each authority's headline measures are computed by the report's own measures code
(:mod:`cpstats.figures.measures`) and set beside the published figures they were built on
(``cpstats synth --check DIR``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cpstats.data.national import ABSOLUTE_TOLERANCE, HEADLINE, SHAPED, _label

__all__ = ["check_national", "worst_differences"]


def check_national(root: Path | str, reference_dir: Path | str | None = None,
                   folders: list[Path] | None = None) -> pd.DataFrame:
    """Each synthetic authority's headline measures, computed by :mod:`cpstats.figures.measures`, beside its published ones.

    One row per authority, reported year and measure of :data:`HEADLINE` that DfE published
    (withheld figures are not compared), then of :data:`SHAPED` (``headline`` false): ``folder, la_code,
    year, measure, headline, synthetic, published, difference, relative`` (difference over the published
    figure) and ``within`` (10%, or the :data:`ABSOLUTE_TOLERANCE` where that is larger).
    """
    from cpstats.data.dataset import load_dataset
    from cpstats.data.reference import published_table
    from cpstats.figures.measures import compute_measures

    published = published_table(reference_dir)
    la_rows = published[published["area_type"] == "la"]
    rows = []
    for folder in folders if folders is not None else sorted(p for p in Path(root).iterdir() if (p / "la.yaml").is_file()):
        ds = load_dataset(folder)
        mine = la_rows[la_rows["area_code"] == str(ds.la_code)]
        for year in _covered(ds):
            measures = compute_measures(ds, year, None)
            shown = mine[(mine["year"] == year) & mine["status"].isin(["published", "derived"])]
            for measure in HEADLINE + SHAPED:
                value = shown.loc[shown["measure"] == measure, "value"]
                if value.empty or measures.get(measure) is None:
                    continue
                expected, got = float(value.iloc[0]), float(measures[measure])
                difference = got - expected
                relative = abs(difference) / expected if expected else (0.0 if got == 0 else float("inf"))
                within = relative <= 0.10 or abs(difference) <= ABSOLUTE_TOLERANCE.get(measure, 0.0)
                rows.append({"folder": folder.name, "la_code": ds.la_code, "year": year, "measure": measure,
                             "headline": measure in HEADLINE, "synthetic": got, "published": expected,
                             "difference": difference, "relative": relative, "within": within})
    return pd.DataFrame(rows, columns=["folder", "la_code", "year", "measure", "headline", "synthetic", "published",
                                       "difference", "relative", "within"])


def _covered(ds) -> list[str]:
    """The reporting years a dataset covers completely, as labels."""
    first, last = int(ds.coverage.first.label[:4]), int(ds.coverage.last.label[:4])
    return [_label(y) for y in range(first, last + 1)]


def worst_differences(check: pd.DataFrame) -> pd.DataFrame:
    """Per measure: the worst relative difference, where it is, and how many comparisons are within tolerance."""
    out = []
    for measure in HEADLINE + SHAPED:
        rows = check[check["measure"] == measure]
        if rows.empty:
            continue
        worst = rows.loc[rows["relative"].idxmax()]
        out.append({"measure": measure, "compared": len(rows), "within": int(rows["within"].sum()),
                    "worst_relative": float(worst["relative"]), "where": f"{worst['folder']} {worst['year']}",
                    "synthetic": worst["synthetic"], "published": worst["published"]})
    return pd.DataFrame(out)
