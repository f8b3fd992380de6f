"""The ``cpstats`` command line.

Commands
--------
``cpstats validate --data DIR``
    Check a data folder against the contract; list every problem.
``cpstats metrics [--data DIR] --year 2017-18 [--json]``
    Print every measure of ``docs/measures.md`` for one year.
``cpstats synth [--la sample|county] [--out DIR] [--seed N]``
    Write a synthetic authority: the sample, or the larger county.
``cpstats synth --national --out DIR [--dfe DIR] [--years 2018-19:2019-20]``
    One folder per current English authority, at its published volumes.
``cpstats compare --la sample --from 2016-17 --to 2017-18``
    Every measure for both years with the change; also written as CSV.
``cpstats import cin-census FILE.xml [FILE.xml ...] --out DIR [--families CSV]``
    Turn CIN census returns (one or several years) into a data folder.
``cpstats export cin-census --data DIR --year 2017-18 --out FILE.xml``
    Write the CIN census return of one year, checked against its schema.
``cpstats reference import --ees DIR --la 857``
    Write population and published figures (LA, region, England) from DfE's files.
``cpstats build --la sample --year 2017-18 [--final]``
``cpstats build --la all --years 2014-15:2019-20 [--jobs N] [--force] [--scheduler tcp://host:8786]``
    Execute the section notebooks and publish the report to ``_site``;
    ``--final`` refuses while any section's commentary is not yet written.

Exit status is 0 on success, 2 for input data that breaks the contract, and
1 for any other failure.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

from cpstats import __version__

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = PROJECT_ROOT / "data" / "sample"
EXIT_BAD_DATA = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cpstats", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"cpstats {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="check a data folder against the data contract")
    validate.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of one authority's CSV files")

    metrics = commands.add_parser("metrics", help="print every measure for one year")
    metrics.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of one authority's CSV files (default: the sample)")
    metrics.add_argument("--year", required=True, help="reporting year, e.g. 2017-18")
    metrics.add_argument("--reference", type=Path, default=None, help="reference data folder (default: data/reference)")
    metrics.add_argument("--json", action="store_true", help="print JSON (keys are the measure names)")

    synth = commands.add_parser("synth", help="write the synthetic sample authority")
    synth.add_argument("--la", choices=("sample", "county"), default="sample",
                       help="sample: Rutland-sized, calibrated to the 2017-18 report (default); county: "
                            "Leicestershire-sized (DfE code 855), written to data/county")
    synth.add_argument("--out", type=Path, default=None, help="folder to write (default: data/<la>)")
    synth.add_argument("--seed", type=int, default=None, help="random seed (default: 857, or 970 with --scale)")
    synth.add_argument("--scale", choices=("england",), default=None,
                       help="write an England-sized dataset for benchmarks instead of the sample")
    synth.add_argument("--fraction", type=float, default=1.0, help="with --scale: a fraction of England's volumes")
    synth.add_argument("--national", action="store_true",
                       help="write one folder per current English authority at its published volumes (needs --out)")
    synth.add_argument("--dfe", type=Path, default=None,
                       help="with --national: folder of DfE's files (local_authorities.csv and the c1, c4, d3 "
                            "'Children in need' CSVs; default: $CPSTATS_SHARED_REFERENCE/dfe)")
    synth.add_argument("--years", default=None,
                       help="with --national: reporting years, e.g. 2018-19:2019-20 (the default)")

    compare = commands.add_parser("compare", help="every measure for two years, with the change")
    compare.add_argument("--la", default="sample", help="authority folder name under data/ (default: sample)")
    compare.add_argument("--data-root", type=Path, default=PROJECT_ROOT / "data", help="folder holding one folder per authority")
    compare.add_argument("--from", dest="first", required=True, help="earlier year, e.g. 2016-17")
    compare.add_argument("--to", dest="second", required=True, help="later year, e.g. 2017-18")
    compare.add_argument("--csv", type=Path, default=None,
                         help="CSV to write (default: _build/<la>/compare_<from>_<to>.csv)")

    reference = commands.add_parser("reference", help="reference data: import DfE's published statistics")
    reference.add_argument("action", choices=("import",))
    reference.add_argument("--ees", type=Path, required=True,
                           help="folder of DfE explore-education-statistics CSVs (c1, c4, d3, d5, ONS population)")
    reference.add_argument("--la", type=int, action="append", default=None,
                           help="DfE LA code; repeat for several (default: every authority, region and England)")
    reference.add_argument("--out", type=Path, default=PROJECT_ROOT / "data" / "reference", help="folder to write")

    docs = commands.add_parser("docs", help="write docs/data-contract.md and docs/measures.md from the code")
    docs.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs", help="folder to write (default: docs)")
    docs.add_argument("--check", action="store_true", help="write nothing; exit 1 if the documents differ from the code")

    census_import = commands.add_parser("import", help="import CIN census returns (XML) into a data folder")
    census_import.add_argument("format", choices=("cin-census",), help="the format of the files")
    census_import.add_argument("files", nargs="+", type=Path, help="census returns, one per year")
    census_import.add_argument("--out", type=Path, required=True, help="the authority's data folder, e.g. data/<la>")
    census_import.add_argument("--families", type=Path, default=None,
                               help="CSV with child_id,family_id (default: each child is its own family)")

    census_export = commands.add_parser("export", help="write the CIN census return (XML) of one year")
    census_export.add_argument("format", choices=("cin-census",), help="the format to write")
    census_export.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of one authority's CSV files")
    census_export.add_argument("--year", required=True, help="census year, e.g. 2017-18 (ReferenceDate 31 March 2018)")
    census_export.add_argument("--out", type=Path, required=True, help="XML file to write")
    census_export.add_argument("--xsd-dir", type=Path, default=None,
                               help="folder of CIN_schema_YYYY.xsd files (default: $CPSTATS_SHARED_REFERENCE/cin-census/xsd)")

    build = commands.add_parser("build", help="execute the notebooks and publish the report")
    build.add_argument("--la", default="sample",
                       help="authority folder name under data/, several separated by commas, or 'all' "
                            "(every folder with la.yaml except reference; default: sample)")
    when = build.add_mutually_exclusive_group(required=True)
    when.add_argument("--year", help="reporting year, e.g. 2017-18")
    when.add_argument("--years", help="a range of reporting years, e.g. 2014-15:2019-20, or one year")
    build.add_argument("--jobs", type=int, default=None,
                       help="notebooks (and reports) built at once, each in its own process (default: the number of cores)")
    build.add_argument("--force", action="store_true", help="execute every notebook, even those the cache holds")
    build.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="run the reports on the Dask cluster of this scheduler, e.g. tcp://host:8786 "
                            "(default: $DASK_SCHEDULER_ADDRESS, else a local cluster of --jobs worker processes "
                            "for several reports)")
    build.add_argument("--data-root", type=Path, default=PROJECT_ROOT / "data", help="folder holding one folder per authority")
    build.add_argument("--out", type=Path, default=PROJECT_ROOT / "_site", help="public site folder (default: _site)")
    build.add_argument("--build-dir", type=Path, default=PROJECT_ROOT / "_build", help="executed notebooks (default: _build)")
    build.add_argument("--drafts-out", type=Path, default=None,
                       help="where internal drafts are published (default: _drafts beside the --out folder); "
                            "never the public site")
    build.add_argument("--disclosure", choices=("internal", "public"), default="internal",
                       help="internal: a draft showing every count (default); public: counts from 1 to the "
                            "threshold withheld as [c], with whatever would reveal them")
    build.add_argument("--threshold", type=int, default=5,
                       help="with --disclosure public: the largest count withheld (default: 5)")
    build.add_argument("--renderer", choices=("auto", "builtin", "quarto"), default="auto",
                       help="the HTML by Quarto (quarto; auto when a quarto command is on PATH) or by the built-in "
                            "pandoc renderer (builtin); the PDF is always the built-in Typst PDF")
    build.add_argument("--final", action="store_true",
                       help="refuse to publish while any section's commentary is not yet written")
    return parser


def _print_measures(measures: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(measures, indent=2, ensure_ascii=False))
        return
    width = max(len(name) for name in measures)
    for name, value in measures.items():
        shown = json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else ("n/a" if value is None else value)
        print(f"{name:<{width}}  {shown}")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    from cpstats.publish.build import BuildError
    from cpstats.publish.quarto import QuartoError
    from cpstats.data.contract import DataValidationError

    args = _parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore" if args.command == "metrics" and args.json else "default")
            return _run(args)
    except DataValidationError as exc:
        print(f"cpstats: refused: {exc}", file=sys.stderr)
        return EXIT_BAD_DATA
    except (ValueError, FileNotFoundError) as exc:
        print(f"cpstats: error: {exc}", file=sys.stderr)
        return 1
    except BuildError as exc:  # a failed or refused build: nothing was published
        print(f"cpstats: not published: {exc}", file=sys.stderr)
        return 1
    except QuartoError as exc:  # Quarto's own message, on one line: nothing was published
        print(f"cpstats: not published: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    if args.command == "validate":
        from cpstats.data.dataset import load_dataset

        ds = load_dataset(args.data)
        for note in ds.warnings:
            print(f"note: {note}")
        print(f"{args.data}: valid ({len(ds.children)} children, {len(ds.referrals)} referrals, {len(ds.cp_plans)} plans)")
        return 0
    if args.command == "metrics":
        from cpstats.figures.measures import report_measures

        _print_measures(report_measures(args.data, args.year, args.reference), args.json)
        return 0
    if args.command == "synth":
        if args.national:
            import os

            from cpstats.data.periods import year_range
            from cpstats.data.scale import NATIONAL_YEARS, write_national

            if args.out is None or args.out == DEFAULT_DATA:
                raise ValueError("--national writes 153 folders: give --out, a folder other than data/sample")
            dfe = args.dfe or (Path(os.environ["CPSTATS_SHARED_REFERENCE"]) / "dfe"
                               if os.environ.get("CPSTATS_SHARED_REFERENCE") else None)
            if dfe is None:
                raise ValueError("--national reads DfE's files: give --dfe DIR (or set CPSTATS_SHARED_REFERENCE)")
            years = [y.label for y in year_range(args.years)] if args.years else list(NATIONAL_YEARS)
            written = write_national(args.out, dfe, years, seed=153 if args.seed is None else args.seed)
            print(f"{len(written)} authorities, {years[0]} to {years[-1]}, in {args.out}")
            return 0
        if args.scale:
            from cpstats.data.scale import write_scaled

            if args.out is None or args.out == DEFAULT_DATA:
                raise ValueError("--scale writes millions of rows: give --out, a folder other than data/sample")
            written = write_scaled(args.out, fraction=args.fraction, seed=970 if args.seed is None else args.seed)
        elif args.la == "county":
            from cpstats.data.synth import write_county

            written = write_county(args.out or PROJECT_ROOT / "data" / "county", seed=855 if args.seed is None else args.seed)
        else:
            from cpstats.data.synth import write_sample

            written = write_sample(args.out or DEFAULT_DATA, seed=857 if args.seed is None else args.seed)
        for path in written:
            print(path)
        return 0
    if args.command == "compare":
        from cpstats.figures.compare import compare_years, format_comparison
        from cpstats.data.dataset import load_dataset

        table = compare_years(load_dataset(args.data_root / args.la), args.first, args.second)
        out = args.csv or PROJECT_ROOT / "_build" / args.la / f"compare_{args.first}_{args.second}.csv"
        out.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(out, index=False, lineterminator="\n")
        print(format_comparison(table))
        print(f"\nwritten: {out}")
        return 0
    if args.command == "reference":
        from cpstats.data.reference import import_ees

        for path in import_ees(args.ees, args.la, args.out).values():
            print(path)
        return 0
    if args.command == "docs":
        from cpstats.figures.definitions import stale_docs, write_docs

        if args.check:
            stale = stale_docs(args.out)
            for path in stale:
                print(f"{path}: differs from the code; run `cpstats docs` (make docs)", file=sys.stderr)
            return 1 if stale else 0
        for path in write_docs(args.out):
            print(path)
        return 0
    if args.command == "import":
        from cpstats.data.census import import_census

        result = import_census(args.files, args.out, families=args.families)
        print(result.report, end="")
        print(f"written to {result.out}: {', '.join(path.name for path in result.written)}")
        return 0
    if args.command == "export":
        from cpstats.data.census import export_census

        result = export_census(args.data, args.year, args.out, xsd_dir=args.xsd_dir)
        for note in [result.schema_note, *result.notes]:
            print(f"note: {note}")
        print(f"{result.path}: census return {result.year.label}, {result.counts['children']} children, "
              f"{result.counts['referrals']} referrals, {result.counts['cp_plans']} plans")
        return 0
    if args.command == "build":
        return _build(args)
    raise AssertionError(f"unknown command {args.command}")


def _build(args: argparse.Namespace) -> int:
    """``cpstats build``: one report or many; prints each back-test and where each report is."""
    from cpstats.publish.cluster import build_reports
    from cpstats.data.periods import year_range
    from cpstats.publish.quarto import renderer_name
    from cpstats.publish.site import authorities, format_backtest

    las = authorities(args.data_root) if args.la == "all" else [la.strip() for la in args.la.split(",") if la.strip()]
    if not las:
        raise ValueError(f"no authority to build: {args.data_root} has no folder with la.yaml")
    years = [y.label for y in year_range(args.years or args.year)]
    records = build_reports(
        las, years, data_root=args.data_root, out_root=args.out, build_root=args.build_dir, drafts_root=args.drafts_out, jobs=args.jobs,
        renderer=args.renderer, final=args.final, force=args.force,
        disclosure=args.disclosure, threshold=args.threshold, scheduler=args.scheduler,
    )
    failed = [r for r in records if r.error]
    for record in records:
        if record.error:
            continue
        print(format_backtest(record.label, record.changes, record.first))
        kept = f", version {record.version - 1} kept under versions/" if record.new_version else ""
        print(f"{record.site} (version {record.version}{kept}; {len(record.executed)} notebooks executed, "
              f"{len(record.cached)} from the cache; rendered by {renderer_name(record.renderer)})")
    for record in failed:
        print(f"cpstats: not published: {record.label}: {record.error}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
