"""The ``cpstats`` command line.

Commands
--------
``cpstats validate --data DIR``
    Check a data folder against the contract; list every problem.
``cpstats metrics [--data DIR] --year 2017-18 [--json]``
    Print every measure of ``docs/guide/measures.md`` for one year.
``cpstats synth [--la sample|county] [--out DIR] [--seed N]``
    Write a synthetic authority: the sample, or the larger county.
``cpstats synth --national --out DIR [--dfe DIR] [--reference DIR] [--years 2018-19:2019-20] [--history 3]``
    One folder per current English authority, built on its published headline figures.
``cpstats synth --check DIR [--reference DIR]``
    Each synthetic authority's headline measures against its published figures: the worst
    difference per measure (exit status 1 when one is outside the tolerance).
``cpstats compare --la sample --from 2014-15 --to 2019-20 [--disclosure public] [--csv F] [--xlsx F] [--ods F]``
    The headline measures over a range of years for a board pack: the change,
    England, the region and the statistical neighbours; also as CSV, XLSX and ODS.
``cpstats import cin-census FILE.xml [FILE.xml ...] --out DIR [--families CSV]``
    Turn CIN census returns (one or several years) into a data folder.
``cpstats export cin-census --data DIR --year 2017-18 --out FILE.xml``
    Write the CIN census return of one year, checked against its schema.
``cpstats reference import --ees DIR --la 857``
    Write population and published figures (LA, region, England) from DfE's files.
``cpstats build --la sample --year 2017-18 [--final]``
``cpstats build --la all --years 2014-15:2019-20 [--jobs N] [--force] [--scheduler tcp://host:8786]``
    Execute the section notebooks and publish the report to ``_site``;
    ``--final`` refuses while any section's commentary is not yet written, or
    (exit status 2) while a public report's commentary types a count it withholds.

Exit status is 0 on success, 2 for input that cannot be right (data that
break the contract, a year the data do not cover, a folder or name that is not
allowed, commentary whose placeholders cannot be filled, listed one a line with file and line, a final
public report whose commentary types a count it withholds), 130 when stopped by Ctrl-C
(SIGINT), 143 by SIGTERM and 129 by SIGHUP (``build``), 141 when the reader of the output went away
(``cpstats metrics | head``), and 1 for any other failure.
Every failure is one line on standard error, never a traceback.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import signal
import sys
import threading
import time
import warnings
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = PROJECT_ROOT / "data" / "sample"
EXIT_BAD_DATA = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141
INTERRUPTED = "cpstats: interrupted: stopped before publishing anything more; every report already published is kept as it was"


class _Version(argparse.Action):
    """``--version``: the installed version, read only when asked for."""

    def __call__(self, parser, namespace, values, option_string=None):
        import cpstats

        print(f"cpstats {cpstats.__version__}")
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cpstats", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="check a data folder against the data contract")
    validate.add_argument("--data", type=Path, required=True, help="folder of one authority's CSV files, e.g. data/sample")

    metrics = commands.add_parser("metrics", help="print every measure for one year")
    metrics.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of one authority's CSV files (default: the sample)")
    metrics.add_argument("--year", required=True, help="reporting year, e.g. 2017-18")
    metrics.add_argument("--reference", type=Path, default=None, help="reference data folder (default: data/reference)")
    metrics.add_argument("--json", action="store_true", help="print JSON (keys are the measure names)")

    names = commands.add_parser("placeholders", help="list every name commentary may use for one report, with its value")
    names.add_argument("--la", default="sample", help="authority folder name under --data-root (default: sample)")
    names.add_argument("--year", required=True, help="reporting year, e.g. 2017-18")
    names.add_argument("--data-root", type=Path, default=Path("data"), help="folder holding one folder per authority")
    names.add_argument("--disclosure", choices=("internal", "public"), default="internal",
                       help="the values as an internal draft (default) or a public report shows them")

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
                       help="with --national: folder of DfE's files whose local_authorities.csv (and "
                            "statistical_neighbours.csv) say which authorities to write (default: "
                            "$CPSTATS_SHARED_REFERENCE/dfe when set, else every current authority of --reference)")
    synth.add_argument("--reference", type=Path, default=None,
                       help="with --national or --check: the reference tables whose published figures the data "
                            "are built on and checked against (default: data/reference)")
    synth.add_argument("--years", default=None,
                       help="with --national: reporting years, e.g. 2018-19:2019-20 (the default)")
    synth.add_argument("--history", type=int, default=None,
                       help="with --national: years of records before the first reported year (default: 3)")
    synth.add_argument("--check", type=Path, default=None, metavar="DIR",
                       help="compute the headline measures of every authority folder in DIR (written by --national) "
                            "and print, per measure, the worst relative difference from the published figure")

    compare = commands.add_parser("compare", help="the headline measures over a range of years, for a board pack")
    compare.add_argument("--la", default="sample", help="authority folder name under data/ (default: sample)")
    compare.add_argument("--data-root", type=Path, default=PROJECT_ROOT / "data", help="folder holding one folder per authority")
    compare.add_argument("--from", dest="first", required=True, help="first year, e.g. 2014-15")
    compare.add_argument("--to", dest="second", required=True, help="last year, e.g. 2019-20")
    compare.add_argument("--disclosure", choices=("internal", "public"), default="internal",
                         help="internal (default): small numbers shown; public: withheld as the public report does")
    compare.add_argument("--csv", type=Path, default=None, help="also write the table as CSV to this file")
    compare.add_argument("--xlsx", type=Path, default=None, help="also write the table as an accessible workbook")
    compare.add_argument("--ods", type=Path, default=None,
                         help="also write the workbook's sheets as an OpenDocument spreadsheet (ODS)")

    reference = commands.add_parser("reference", help="reference data: import DfE's published statistics")
    reference.add_argument("action", choices=("import",))
    reference.add_argument("--ees", type=Path, required=True,
                           help="folder of DfE explore-education-statistics CSVs (c1, c4, d3, d5, ONS population)")
    reference.add_argument("--la", type=int, action="append", default=None,
                           help="DfE LA code; repeat for several (default: every authority, region and England)")
    reference.add_argument("--out", type=Path, default=PROJECT_ROOT / "data" / "reference", help="folder to write")

    docs = commands.add_parser("docs", help="write docs/guide/data-contract.md and docs/guide/measures.md from the code")
    docs.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "guide", help="folder to write (default: docs/guide)")
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
                               help="folder of CIN_schema_YYYY.xsd files to check the return against (default: "
                                    "$CPSTATS_SHARED_REFERENCE/cin-census/xsd; with neither, the return is written "
                                    "unchecked and a note says so)")

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
                       help="the HTML by Quarto (quarto) or by the built-in pandoc renderer (builtin); auto "
                            "(default): as the project's _quarto.yml chooses (renderer: builtin or quarto under "
                            "cpstats:), the built-in renderer when it names none; never chosen by what is on PATH. "
                            "The PDF is always the built-in Typst PDF")
    build.add_argument("--final", action="store_true",
                       help="refuse to publish while any section's commentary is not yet written, or while a public "
                            "report's commentary types a number equal to a count it withholds (listed as warnings "
                            "without --final)")
    prepare = commands.add_parser(
        "quarto-prepare",
        help="execute the report the root _quarto.yml (and the active Quarto profile) names and write its pages "
             "into _build/quarto-root/ for `quarto render` and `quarto preview` (Quarto's pre-render step)")
    prepare.add_argument("--project", type=Path, default=None,
                         help="the folder with _quarto.yml (default: the working directory)")
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
    from cpstats.data.paths import InputError

    args = _parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore" if args.command == "metrics" and args.json else "default")
            warnings.simplefilter("ignore", ResourceWarning)  # a library's unclosed file is not the user's to fix
            status = _run(args)
            sys.stdout.flush()  # a reader that went away is found here, not at exit
            return status
    except InputError as exc:
        print(f"cpstats: refused: {exc}", file=sys.stderr)
        return EXIT_BAD_DATA
    except BrokenPipeError:  # the reader of standard output went away: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return EXIT_INTERRUPTED
    except BuildError as exc:  # a failed or refused build: nothing was published
        print(f"cpstats: not published: {exc}", file=sys.stderr)
        return getattr(exc, "exit_status", 1)
    except QuartoError as exc:  # Quarto's own message, on one line: nothing was published
        print(f"cpstats: not published: {exc}", file=sys.stderr)
        return 2
    except (ValueError, OSError) as exc:
        if _raised(exc, "cpstats.data.contract", "DataValidationError"):  # a ValueError
            print(f"cpstats: refused: {exc}", file=sys.stderr)
            return EXIT_BAD_DATA
        print(f"cpstats: error: {_one_line(exc)}", file=sys.stderr)
        return 1


def _synth_check(root: Path, reference: Path | None) -> int:
    """``cpstats synth --check DIR``: each synthetic authority's headline measures against the published ones."""
    from cpstats.data.national import ABSOLUTE_TOLERANCE, SHAPED
    from cpstats.figures.synthetic import check_national, worst_differences
    from cpstats.data.paths import InputError

    folders = sorted(p for p in root.iterdir() if (p / "la.yaml").is_file()) if root.is_dir() else []
    if not folders:
        raise InputError(f"--check {root}: no authority folder (with la.yaml) in it; write them with synth --national")
    check = check_national(root, reference, folders)
    worst = worst_differences(check)
    print(f"{len(folders)} authorities; worst difference from the published figure, per measure:")
    for row in worst.itertuples():
        print(f"  {row.measure}: {100 * row.worst_relative:.1f}% ({row.synthetic:g} for {row.published:g}, {row.where}); "
              f"{row.within} of {row.compared} within 10%"
              + (f" or {ABSOLUTE_TOLERANCE[row.measure]:g}" if row.measure in ABSOLUTE_TOLERANCE else "")
              + (" (drawn towards the figure, not built on it)" if row.measure in SHAPED else ""))
    outside = check[~check["within"] & check["headline"]]
    for row in outside.itertuples():
        print(f"  outside: {row.folder} {row.year} {row.measure}: {row.synthetic:g} for {row.published:g}")
    return 0 if outside.empty else 1


def _raised(exc: BaseException, module: str, name: str) -> bool:
    """Whether ``exc`` is a ``module.name``, without importing the module (and pandas with it) to ask:
    an exception of a class never imported cannot have been raised."""
    loaded = sys.modules.get(module)
    return loaded is not None and isinstance(exc, getattr(loaded, name))


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 300 else f"{text[:300]}... ({len(text)} characters)"


def _descendants(pid: int) -> list[int]:
    """Every living process started by ``pid``, its children's children included (from ``/proc``; zombies left out)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            if fields[0] in (b"Z", b"X"):  # ended, not yet reaped: nothing left to stop
                continue
            parents[int(entry)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def _stop_descendants(me: int, seconds: float = 5.0) -> None:
    """Kill every process ``me`` started, again and again until none is left (or ``seconds`` passed).

    ``me`` is the child subreaper of its descendants (:func:`_adopt_orphans`), so a
    process whose parent was killed first (a notebook worker's Jupyter kernel,
    which runs in a session of its own) is ``me``'s child then, never PID 1's,
    and the next pass finds it.
    """

    deadline = time.monotonic() + seconds
    while True:
        found = _descendants(me)
        if not found or time.monotonic() > deadline:
            return
        for child in found:
            try:
                os.kill(child, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.02)


def _adopt_orphans() -> None:
    """Make this process the child subreaper of everything it starts (Linux ``PR_SET_CHILD_SUBREAPER``).

    A process whose parent ends is then re-parented to this one, not to PID 1,
    so the processes a build started stay its descendants until it stops them.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


STOP_SIGNALS = {signal.SIGINT: "interrupted", signal.SIGTERM: "stopped by SIGTERM"}
if hasattr(signal, "SIGHUP"):
    STOP_SIGNALS[signal.SIGHUP] = "stopped by SIGHUP (the terminal closed)"


def _stopped_line(signum: int) -> str:
    if signum == signal.SIGINT:
        return INTERRUPTED
    return INTERRUPTED.replace("interrupted", STOP_SIGNALS[signum], 1)


def _stop_on_interrupt() -> None:
    """From now on Ctrl-C (SIGINT), SIGTERM and SIGHUP stop this command within moments: one line, exit
    status 128 plus the signal's number (130, 143, 129).

    The three signals are blocked in this process (its threads included) and
    taken by a thread waiting for them, so no Python code is interrupted
    half-way: the thread stops every process the command started (notebook
    workers, Jupyter kernels, Dask's processes: this process is their child
    subreaper, so none escapes to PID 1 when its parent dies first), says what
    was kept and exits. The build publishes by one atomic rename, so whatever
    was published before stays whole.

    Ctrl-C at a terminal reaches the whole process group, the workers too, and
    they would print their own KeyboardInterrupt tracebacks. So the processes
    started from here write their standard error (file descriptor 2) into a
    pipe that a thread copies to the real one, each piece a moment late, until
    the signal and no further; this process writes to the real one directly.
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        return
    if sys.stderr is not sys.__stderr__:  # called from Python with its own stderr (a test, a notebook): leave it be
        return
    me = os.getpid()
    _adopt_orphans()
    sys.stderr.flush()
    real = os.dup(2)
    sys.stderr = open(real, "w", buffering=1, encoding=sys.stderr.encoding, errors="backslashreplace", closefd=False)
    reading, writing = os.pipe()
    os.dup2(writing, 2)
    os.close(writing)
    stopped = threading.Event()

    def copy() -> None:
        while True:
            try:
                data = os.read(reading, 65536)
            except OSError:
                return
            if not data:
                return
            # held back a moment: a Ctrl-C reaches every process at once, and what a worker
            # writes as it dies must not get out before the interrupt is seen here
            if not stopped.wait(0.3):
                try:
                    os.write(real, data)
                except OSError:
                    pass

    once = threading.Lock()

    def stop(signum: int = signal.SIGINT, *_) -> None:
        if not once.acquire(blocking=False):  # another thread is stopping already
            return
        stopped.set()
        # what the main thread still writes (each notebook failing as its worker is killed) goes nowhere
        final = os.dup(real)
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, real)
        os.dup2(quiet, 1)
        try:
            _stop_descendants(me)
            os.write(final, (_stopped_line(signum) + "\n").encode())
        except OSError:  # the terminal went away (SIGHUP): stop all the same
            pass
        finally:
            os._exit(128 + signum)

    def wait() -> None:
        stop(signal.sigwait(set(STOP_SIGNALS)))

    def woken() -> None:
        while True:
            try:
                data = os.read(wake_reading, 1)
            except InterruptedError:
                continue
            except OSError:
                return
            if data and data[0] in STOP_SIGNALS:
                stop(data[0])

    def hold() -> None:  # at exit: a main thread that ends while another stops the command waits for it
        while stopped.is_set():
            time.sleep(0.1)

    atexit.register(hold)
    # Libraries may unblock signals again (multiprocessing unblocks SIGINT and SIGTERM in the thread that
    # starts its resource tracker, see cpstats.publish.execute.start_resource_tracker; the Dask cluster's
    # threads take SIGTERM and SIGHUP, see cpstats.publish.cluster), and a thread may have started before
    # now: a signal that reaches a thread where it is not blocked runs Python's C handler, which writes
    # its number into the wakeup pipe at once, whatever the main thread is doing (the thread below then
    # stops the command); the handler itself does the same later
    wake_reading, wake_writing = os.pipe()
    os.set_blocking(wake_writing, False)
    signal.set_wakeup_fd(wake_writing, warn_on_full_buffer=False)
    for signum in STOP_SIGNALS:
        signal.signal(signum, stop)
    signal.pthread_sigmask(signal.SIG_BLOCK, set(STOP_SIGNALS))

    threading.Thread(target=copy, name="cpstats-stderr", daemon=True).start()
    threading.Thread(target=wait, name="cpstats-interrupt", daemon=True).start()
    threading.Thread(target=woken, name="cpstats-signal", daemon=True).start()


def _run(args: argparse.Namespace) -> int:
    if args.command == "quarto-prepare":
        from cpstats.publish.quarto_root import active_profiles, prepare, root_settings

        project = (args.project or Path.cwd()).resolve()
        settings = root_settings(project, active_profiles())
        prepared = prepare(project, settings)
        print(f"cpstats: {settings['la']} {settings['year']} ({settings['disclosure']}) laid out in "
              f"{prepared.relative_to(project).as_posix()}/", file=sys.stderr)
        return 0
    if args.command == "validate":
        from cpstats.data.dataset import load_dataset

        ds = load_dataset(args.data)
        for note in ds.warnings:
            print(f"note: {note}")
        print(f"{args.data}: valid ({len(ds.children)} children, {len(ds.referrals)} referrals, {len(ds.cp_plans)} plans)")
        return 0
    if args.command == "metrics":
        from cpstats.data.dataset import check_year_covered, load_dataset
        from cpstats.data.reference import population_for
        from cpstats.figures.measures import compute_measures

        year = _year(args.year, "--year")
        ds = load_dataset(args.data)
        check_year_covered(ds, year)
        _print_measures(compute_measures(ds, year, population_for(ds.la_code, year, args.reference)), args.json)
        return 0
    if args.command == "placeholders":
        from cpstats.data.dataset import check_year_covered, load_dataset
        from cpstats.data.paths import check_folder_name
        from cpstats.present.context import load_context

        check_folder_name(args.la)
        year = _year(args.year, "--year")
        ds = load_dataset((args.data_root / args.la).resolve())
        check_year_covered(ds, year)
        report = load_context(args.la, year, args.data_root / args.la, args.data_root / "reference", "commentary",
                              dataset=ds, disclosure=args.disclosure)
        for name, value in report.placeholders():
            print(f"{name}\t{value}")
        return 0
    if args.command == "synth":
        if args.check is not None:
            return _synth_check(args.check, args.reference)
        if args.national:
            import os

            from cpstats.data.paths import InputError
            from cpstats.data.periods import year_range
            from cpstats.data.scale import NATIONAL_YEARS, write_national

            if args.out is None or args.out == DEFAULT_DATA:
                raise ValueError("--national writes 153 folders: give --out, a folder other than data/sample")
            dfe = args.dfe or (Path(os.environ["CPSTATS_SHARED_REFERENCE"]) / "dfe"
                               if os.environ.get("CPSTATS_SHARED_REFERENCE") else None)
            if dfe is not None and not (dfe / "local_authorities.csv").is_file():
                raise InputError(f"--dfe {dfe}: no local_authorities.csv there (DfE's list of authorities)")
            if args.history is not None and not 0 <= args.history <= 10:
                raise InputError(f"--history {args.history}: give 0 to 10 years")
            years = [y.label for y in year_range(args.years)] if args.years else list(NATIONAL_YEARS)
            written = write_national(args.out, dfe, years, seed=153 if args.seed is None else args.seed,
                                     reference_dir=args.reference, history=args.history)
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
        from cpstats.data.dataset import check_year_covered, load_dataset
        from cpstats.data.paths import check_folder_name
        from cpstats.figures.compare import figures_for_range, years_between
        from cpstats.figures.local import MEASURES_FOLDER, find_local_measures
        from cpstats.present.board import board_table
        from cpstats.present.labels import local_labels
        from cpstats.publish.board import write_board_csv, write_board_ods, write_board_workbook
        from cpstats.publish.build import BuildError, find_project_dir

        check_folder_name(args.la)
        first, last = _year(args.first, "--from"), _year(args.second, "--to")
        try:
            years_between(first, last)
        except ValueError as exc:
            from cpstats.data.paths import InputError

            raise InputError(str(exc)) from None
        ds = load_dataset(args.data_root / args.la)
        check_year_covered(ds, first, last)
        try:
            measures_dir = find_project_dir() / MEASURES_FOLDER
        except BuildError:
            measures_dir = None
        reference_dir = args.data_root / "reference"
        figures, years = figures_for_range(ds, first, last, reference_dir, args.disclosure, measures_dir)
        table = board_table(figures, years, ds.la_code, ds.name, reference_dir,
                            local_labels(find_local_measures(measures_dir)))
        outputs = [(flag, Path(path), write) for flag, path, write in
                   (("--csv", args.csv, write_board_csv), ("--xlsx", args.xlsx, write_board_workbook),
                    ("--ods", args.ods, write_board_ods)) if path is not None]
        _write_all(table, outputs)  # both or neither
        print(table.text(), end="")
        for _, path, _ in outputs:
            print(f"written: {path}")
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


def _year(label: str, option: str) -> str:
    """A reporting year's label as given on the command line, or an :class:`InputError` naming the option."""
    from cpstats.data.paths import InputError
    from cpstats.data.periods import ReportingYear

    try:
        return ReportingYear.parse(label).label
    except ValueError as exc:
        raise InputError(f"{option}: {exc}") from None


def _write_all(table, outputs) -> None:
    """Write each ``(option, path, writer)`` to a hidden file beside its path, then rename them all into place: a
    path that cannot be written is an :class:`InputError` naming the option, and nothing is left behind."""
    from cpstats.data.paths import InputError

    for flag, path, _ in outputs:
        if path.is_dir():
            raise InputError(f"{flag} {path} is a folder; give the name of a file")
    written: list[tuple[Path, Path]] = []
    try:
        for flag, path, write in outputs:
            hidden = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            written.append((hidden, path))
            try:
                write(table, hidden)
            except Exception as exc:  # noqa: BLE001 - xlsxwriter's errors are not OSError
                raise InputError(f"{flag} {path} cannot be written: {_one_line(exc)}") from None
        for hidden, path in written:
            os.replace(hidden, path)
    finally:
        for hidden, _ in written:
            try:
                hidden.unlink(missing_ok=True)
            except OSError:  # its folder is not a folder: nothing was written there
                pass


def _check_build(args: argparse.Namespace, las: list[str], years: list[str], building=None) -> list | None:
    """Everything a build can refuse before it starts: names, folders, data, years, key plans.

    ``building``, when given, is called once it is known that something will be built, before the data are
    loaded (a batch starts its local cluster then, so that it is up when the data have been checked).

    Returns
    -------
    list of BuildRecord or None
        When every report asked for is published as a build would publish it
        now (:func:`cpstats.publish.build.unchanged_report`: no input, rule or
        tool changed since its data were last checked and it was built), their
        records, and nothing is loaded; else ``None``, after checking everything.

    Raises
    ------
    InputError
        A name or folder that is not allowed (one line).
    DataValidationError
        Data that break the contract, years the data do not cover, a key plan
        that breaks its rules: every problem, with file, row and column.
    """
    from cpstats.data.paths import check_folder_name, check_output_folder
    from cpstats.publish.build import find_project_dir

    for la in las:
        check_folder_name(la)
    project = find_project_dir(None)
    data_root = Path(args.data_root)
    protected = {"the project folder": project, "the data root": data_root,
                 **{f"the data folder of {la}": data_root / la for la in las}}
    check_output_folder(args.out, "--out", protected)
    check_output_folder(args.build_dir, "--build-dir", protected)
    _check_drafts_out(args)
    if args.drafts_out is not None:
        check_output_folder(args.drafts_out, "--drafts-out", protected)
    _check_commentary_files(project / "commentary", las, years)  # before any is hashed or read: a pipe would block
    unchanged = _unchanged_reports(args, las, years)
    if unchanged is not None:
        return unchanged
    if building is not None:
        building()
    from cpstats.data.contract import DataValidationError, Problem
    from cpstats.data.dataset import check_key_plan, check_local_figures, check_year_covered, keep_dataset, load_dataset
    from cpstats.data.reference import require_authority
    from cpstats.publish.caches import VALIDATED_FOLDER

    problems, loaded = [], []
    for la in las:
        try:
            dataset = load_dataset((data_root / la).resolve())
            check_year_covered(dataset, *years)
            try:  # an authority without DfE's published figures would have no rates and no comparators
                require_authority(dataset.la_code, data_root / "reference")
            except ValueError as exc:
                problems.append(Problem(f"{la}/la.yaml" if len(las) > 1 else "la.yaml", None, "la_code", str(exc)))
            loaded.append(dataset)
        except DataValidationError as exc:
            if len(las) == 1:
                problems += exc.problems
            else:  # name the authority's folder with each file
                problems += [type(p)(f"{la}/{p.file}", p.row, p.column, p.message) for p in exc.problems]
        for year in years:
            problems += check_key_plan(project / "commentary" / la / year / "19_key_plan.csv",
                                       f"commentary/{la}/{year}/19_key_plan.csv")
            problems += check_local_figures(project / "commentary" / la / year / "local_figures.csv",
                                            f"commentary/{la}/{year}/local_figures.csv")
    if problems:
        raise DataValidationError(problems, str(data_root) if len(las) > 1 else str(data_root / las[0]))
    for dataset in loaded:  # the build loads each folder from here, as validated now
        keep_dataset(dataset, Path(args.build_dir).resolve() / VALIDATED_FOLDER)
    return None


def _check_commentary_files(root: Path, las: list[str], years: list[str]) -> None:
    """Refuse a commentary folder holding a link out of ``commentary/``, a named pipe, a device or a socket."""
    from cpstats.data.paths import folder_files_problems

    found = [(f"commentary/{la}/{year}/{name}", why)
             for la in las for year in years for name, why in folder_files_problems(root / la / year, root)]
    if found:  # the contract (and pandas with it) is imported only to refuse
        from cpstats.data.contract import DataValidationError, Problem

        raise DataValidationError([Problem(file, None, None, why) for file, why in found], "commentary")


def _check_build_options(args: argparse.Namespace) -> None:
    """Refuse, in one line, a ``build`` option that cannot be right: ``--jobs`` below 1, ``--threshold`` below 1
    (2 for a public report). ``--drafts-out`` against ``--out`` is checked with the folders
    (:func:`_check_drafts_out`)."""
    from cpstats.data.paths import InputError

    if args.jobs is not None and args.jobs < 1:
        raise InputError(f"--jobs {args.jobs}: give the number of notebooks to run at once, 1 or more")
    if args.threshold < 1:
        raise InputError(f"--threshold {args.threshold}: give the largest count withheld from the public, "
                         "a whole number 2 or more (a count of 1 identifies a person)")
    if args.threshold < 2 and args.disclosure == "public":
        raise InputError(f"--threshold {args.threshold}: a public report withholds counts from 1 to the threshold, "
                         "and one withheld as 'fewer than 2' is 1; give 2 or more")


def _check_renderer(args: argparse.Namespace) -> None:
    """Refuse, in one line and before anything runs, a renderer that cannot be used: a ``renderer`` under
    ``cpstats:`` in ``_quarto.yml`` that is not one (exit status 2), or Quarto chosen where none is installed."""
    from cpstats.publish.build import renderer_choice

    renderer_choice(args.renderer)


def _check_drafts_out(args: argparse.Namespace) -> None:
    """Refuse ``--drafts-out`` (or the default ``_drafts`` beside ``--out``) that is ``--out``, inside it, holds it,
    or a link to it: drafts would reach the public site."""
    from cpstats.data.paths import InputError
    from cpstats.publish.build import drafts_root_for

    out = Path(args.out).resolve()
    drafts = Path(args.drafts_out).resolve() if args.drafts_out is not None else drafts_root_for(out).resolve()
    shown = f"--drafts-out {args.drafts_out}" if args.drafts_out is not None else f"the drafts' folder {drafts}"
    why = ("is the public site --out" if drafts == out else "is inside the public site --out" if out in drafts.parents
           else "holds the public site --out" if drafts in out.parents else None)
    if why is not None:
        linked = " (through a symbolic link)" if args.drafts_out is not None and Path(args.drafts_out).absolute() != drafts else ""
        raise InputError(f"{shown} {why} {args.out}{linked}; internal drafts and the public site never share a "
                         "folder: give another, e.g. _drafts beside _site")


def _unchanged_reports(args: argparse.Namespace, las: list[str], years: list[str]) -> list | None:
    """The records of the reports asked for when none needs building (nor its data checking); else ``None``."""
    if args.force:
        return None
    from cpstats.publish.build import unchanged_report

    records = []
    for la in las:
        for year in years:
            try:
                record = unchanged_report(la, year, data_root=args.data_root, out_root=args.out,
                                          build_root=args.build_dir, drafts_root=args.drafts_out, renderer=args.renderer,
                                          final=args.final, disclosure=args.disclosure, threshold=args.threshold)
            except Exception:  # noqa: BLE001 - an unreadable file, a missing book: the checks below say what
                record = None
            if record is None:
                return None
            records.append(record)
    return records


def _renderer_lines(args: argparse.Namespace, las: list[str], years: list[str]) -> list[str]:
    """The build's first lines: the renderer each report is laid out with, and why (one line when all agree)."""
    from cpstats.publish.build import drafts_root_for, renderer_choice
    from cpstats.publish.quarto import renderer_name

    if args.disclosure == "public":
        root = Path(args.out)
    else:
        root = Path(args.drafts_out) if args.drafts_out is not None else drafts_root_for(Path(args.out))
    choices = {f"{la} {year}": renderer_choice(args.renderer, root / la / year) for la in las for year in years}
    names = {renderer: renderer_name(renderer) for renderer in {c.renderer for c in choices.values()}}
    if len(choices) > 1 and len({(c.renderer, c.reason) for c in choices.values()}) == 1:
        choice = next(iter(choices.values()))
        return [f"cpstats: {len(choices)} reports: HTML by {names[choice.renderer]} ({choice.reason})"]
    return [f"cpstats: {label}: HTML by {names[c.renderer]} ({c.reason})" for label, c in choices.items()]


def _renderer_change(record, renderer_name) -> str:
    """The line of a build whose renderer is not the published version's: what changed, and whether anything else did.

    >>> from cpstats.publish.build import BuildRecord
    >>> record = BuildRecord("sample", "2017-18", version=3, renderer="builtin", previous_renderer="quarto")
    >>> print(_renderer_change(record, lambda r: r))
    cpstats: sample 2017-18: laid out by builtin, no longer by quarto; what it shows is the same, so no new version: still version 3
    """
    change = f"cpstats: {record.label}: laid out by {renderer_name(record.renderer)}, no longer by " \
             f"{renderer_name(record.previous_renderer)}"
    if record.new_version:
        return f"{change}; what it shows changed too: version {record.version}"
    return f"{change}; what it shows is the same, so no new version: still version {record.version}"


def _build(args: argparse.Namespace) -> int:
    """``cpstats build``: one report or many; prints each back-test and where each report is."""
    from cpstats.data.paths import check_folder_name
    from cpstats.data.periods import year_range
    from cpstats.publish.quarto import renderer_name
    from cpstats.publish.site import authorities

    if args.la == "all":
        las = authorities(args.data_root)
    else:
        las = [check_folder_name(la.strip()) for la in args.la.split(",") if la.strip()]
    if not las:
        raise ValueError(f"no authority to build: {args.data_root} has no folder with la.yaml")
    try:
        years = [y.label for y in year_range(args.years or args.year)]
    except ValueError as exc:
        from cpstats.data.paths import InputError

        raise InputError(f"{'--years' if args.years else '--year'}: {exc}") from None
    _check_build_options(args)
    _check_renderer(args)
    _stop_on_interrupt()  # before anything starts a thread or a process: they inherit SIGINT blocked
    starting = []

    def building() -> None:  # several reports on a local cluster: it starts while the data are checked
        from cpstats.publish.cluster import StartingCluster, batch_workers, scheduler_address

        if len(las) * len(years) > 1 and not scheduler_address(args.scheduler):
            starting.append(StartingCluster(batch_workers(args.jobs, len(las) * len(years))))

    try:
        records = _check_build(args, las, years, building)  # the reports themselves when nothing changed
        for line in _renderer_lines(args, las, years):  # which renderer, and why, before anything is laid out
            print(line, flush=True)
        if records is None:
            from cpstats.publish.cluster import build_reports

            records = build_reports(
                las, years, data_root=args.data_root, out_root=args.out, build_root=args.build_dir,
                drafts_root=args.drafts_out, jobs=args.jobs, renderer=args.renderer, final=args.final,
                force=args.force, disclosure=args.disclosure, threshold=args.threshold, scheduler=args.scheduler,
                starting=starting[0] if starting else None,
            )
    finally:
        for cluster in starting:
            cluster.close()  # bad data: the cluster is closed again, nothing was built
    from cpstats.publish.site import format_backtest

    failed = [r for r in records if r.error]
    for record in records:
        for warning in record.warnings:
            print(f"cpstats: warning: {record.label}: {warning}", file=sys.stderr)
        if record.error:
            continue
        print(format_backtest(record.label, record.changes, record.first))
        if record.previous_renderer and record.previous_renderer != record.renderer:
            print(_renderer_change(record, renderer_name))
        kept = f", version {record.version - 1} kept under versions/" if record.new_version else ""
        print(f"{record.site} (version {record.version}{kept}; {len(record.executed)} notebooks executed, "
              f"{len(record.cached)} from the cache; rendered by {renderer_name(record.renderer)})")
    for record in failed:
        print(f"cpstats: not published: {record.label}: {record.error}", file=sys.stderr)
    return max((record.exit_status for record in failed), default=0)


if __name__ == "__main__":
    raise SystemExit(main())
