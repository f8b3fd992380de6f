"""Executing section notebooks: a jupyter-cache cache, worker processes, a progress bar.

A notebook is executed again only when something its outputs depend on has
changed. The cache is `jupyter-cache <https://jupyter-cache.readthedocs.io>`_,
kept in ``<build root>/.jupyter_cache``. jupyter-cache matches a notebook on
its **code cells only** (their source and metadata, and the kernel), so the
rest of what a section depends on is put into its code as parameters: papermill
injects ``la``, ``year``, ``data_dir``, ``reference_dir``, ``commentary_dir``
and ``cpstats_inputs``, a SHA-256 (:func:`inputs_fingerprint`) over

- every file in the authority's data folder (names and bytes),
- every reference table,
- the commentary folder's files that the section reads as data: those named like
  the section (``19_key_plan.csv`` for ``19_key_plan``, see :func:`section_fingerprint`),
  so a key-plan edit executes the one section that shows it; never the ``.md``
  commentary, which is filled in when the report is assembled, see
  :func:`cpstats.publish.build.refresh_commentary`),
- the cpstats version and a digest of its own source files and templates,
- the versions of Python and of the libraries that draw the outputs.

So a changed data file changes the injected cell, and the section runs again.
Before a notebook is matched or cached, papermill's per-cell timing and status
(cell metadata ``papermill`` and ``execution``) are removed, keeping only the
cells' tags: they differ on every run and would otherwise never match.

Notebooks run in separate processes (``jobs``, the number of cores by
default), each keeping one kernel for the notebooks it is given
(:class:`KernelSession`: the namespace is emptied before each one). A
kernel that fails to start is retried; a cell that raises is not.
Progress is a bar on a terminal and one plain line per notebook otherwise
(CI, logs).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Mapping, Sequence

__all__ = [
    "KERNEL",
    "KERNEL_ARGUMENTS",
    "CACHE_FOLDER",
    "FINGERPRINT_PARAMETER",
    "NotebookJob",
    "JobFailure",
    "ExecutionSummary",
    "library_digest",
    "files_digest",
    "inputs_fingerprint",
    "section_fingerprint",
    "parameterized",
    "strip_timing",
    "open_cache",
    "execute_jobs",
    "default_jobs",
    "keep_kernel",
    "kernel_pid",
]

KERNEL = "python3"
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]
"""Quiet kernels: ipykernel's start-up warnings are not the analyst's concern."""
CACHE_FOLDER = ".jupyter_cache"
FINGERPRINT_PARAMETER = "cpstats_inputs"
KEPT_CELL_METADATA = ("tags",)
"""Cell metadata kept when caching and matching; the rest (timings, status, UI state) is dropped."""
TIMING_KEYS = ("start_time", "end_time", "duration", "exception")
KERNEL_START_RETRIES = 2
CACHE_LIMIT = 5000
_LIBRARIES = ("pandas", "numpy", "matplotlib", "seaborn", "papermill", "nbformat", "ipykernel", "tabulate", "openpyxl")


# ----------------------------------------------------------------- fingerprints


def library_digest(digests=None) -> str:
    """SHA-256 over cpstats' own source files and templates: a change in the library re-executes notebooks.

    ``digests`` (a :class:`cpstats.publish.caches.FileDigests`) reuses the SHA-256 of files not changed since.
    """
    package = Path(__file__).resolve().parents[1]
    return files_digest({path.relative_to(package).as_posix(): path for path in _library_files(package)}, digests)


def _library_files(package: Path) -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        found += [Path(folder, name) for name in files
                  if name.endswith((".py", ".typ", ".html", ".css", ".lua", ".yaml"))]
    return sorted(found)


def files_digest(paths: Mapping[str, Path], digests=None) -> str:
    """One SHA-256 over names and contents, in name order.

    ``digests`` (a :class:`cpstats.publish.caches.FileDigests`) gives each file's SHA-256 without reading
    files not changed since it last did.

    >>> files_digest({}) == hashlib.sha256().hexdigest()
    True
    """
    digest = hashlib.sha256()
    for name in sorted(paths):
        content = digests.digest(paths[name]) if digests is not None else hashlib.sha256(Path(paths[name]).read_bytes()).digest()
        digest.update(name.encode() + b"\0" + content)
    return digest.hexdigest()


def _folder_files(folder: Path, keep: Callable[[Path], bool] = lambda path: True) -> dict[str, Path]:
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*"))
            if p.is_file() and keep(p)
            and not any(part.startswith(".") or part == "__pycache__" for part in p.relative_to(folder).parts)}


def _version(package: str) -> str | None:
    """The installed version of a distribution, or ``None``."""
    found = installed().get(_canonical(package))
    if found is not None:
        return found
    from importlib import metadata as importlib_metadata

    try:
        return importlib_metadata.version(package)
    except importlib_metadata.PackageNotFoundError:
        return None


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@lru_cache(maxsize=1)
def installed() -> dict[str, str]:
    """Every distribution installed on ``sys.path``, by canonical name, with its version.

    Read from the names of the ``.dist-info`` folders (one listing per folder,
    not a metadata file per package); the first on the path wins, as for imports.
    """
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                package, _, version = name[: -len(".dist-info")].partition("-")
                if version:
                    found.setdefault(_canonical(package), version)
    return found


def inputs_fingerprint(data_dir: Path, reference_dir: Path, commentary_dir: Path | None = None,
                       *, library: str | None = None, measures_dir: Path | None = None, digests=None) -> str:
    """What a section's outputs depend on besides its code and parameters, as one SHA-256.

    Parameters
    ----------
    data_dir : Path
        The authority's folder: every file in it counts.
    reference_dir : Path
        Population and published figures: every file counts.
    commentary_dir : Path, optional
        The commentary of this authority and year (``commentary/<la>/<year>``):
        its files other than ``.md`` count. A build leaves it out and gives each
        section only the files it shows (:func:`section_fingerprint`).
    library : str, optional
        The library digest; :func:`library_digest` by default.
    measures_dir : Path, optional
        The project's local measures (``measures/``): every file counts.
    digests : cpstats.publish.caches.FileDigests, optional
        The SHA-256 of files as last read, reused for files not changed since.
    """
    parts = {
        "data": files_digest(_folder_files(data_dir), digests),
        "reference": files_digest(_folder_files(reference_dir), digests),
        "commentary-data": files_digest(_folder_files(commentary_dir, lambda p: p.suffix != ".md"), digests) if commentary_dir else "",
        "measures": files_digest(_folder_files(measures_dir), digests) if measures_dir and Path(measures_dir).is_dir() else "",
        "cpstats": _version("cpstats") or "",
        "library": library or library_digest(digests),
        "python": platform.python_version(),
        "libraries": json.dumps({name: _version(name) for name in _LIBRARIES}, sort_keys=True),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def section_fingerprint(fingerprint: str, section: str, commentary_dir: Path | None) -> str:
    """The inputs' fingerprint of one section: the report's, with the commentary files it shows as data.

    A section shows the files of ``commentary/<la>/<year>`` named like it, other than its
    ``.md`` commentary: ``19_key_plan.csv`` is the table of ``19_key_plan``. With none, the
    report's fingerprint is the section's.

    >>> section_fingerprint("abc", "08_numbers", None)
    'abc'
    """
    files = _folder_files(commentary_dir, lambda p: p.suffix != ".md" and p.stem == section) if commentary_dir else {}
    if not files:
        return fingerprint
    return hashlib.sha256(json.dumps([fingerprint, files_digest(files)]).encode()).hexdigest()


# ----------------------------------------------------------------- notebooks


def parameterized(notebook: Path, parameters: Mapping[str, str], kernel_name: str = KERNEL):
    """The source notebook with papermill's ``injected-parameters`` cell, cell metadata stripped."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(str(notebook))
    nb = parameterize_notebook(nb, dict(parameters), kernel_name=kernel_name, language="python")
    for cell in nb.cells:  # papermill gives its cell a random id: the same notebook must give the same bytes
        if "injected-parameters" in cell.metadata.get("tags", []) and "id" in cell:
            cell.id = "injected-parameters"
    return strip_timing(nb)


def strip_timing(nb):
    """Remove what changes on every run: cell metadata other than tags, papermill's run times.

    Returns the same notebook, changed in place.
    """
    from nbformat import NotebookNode

    for cell in nb.cells:
        kept = {key: value for key, value in cell.get("metadata", {}).items() if key in KEPT_CELL_METADATA and value}
        cell.metadata = NotebookNode(kept)
    papermill = nb.metadata.get("papermill")
    if papermill is not None:
        for key in (*TIMING_KEYS, "input_path", "output_path", "environment_variables"):
            papermill.pop(key, None)
    return nb


_LOCKS_HELD: dict[str, int] = {}
"""Cache locks this process holds, by lock file, and how deeply (the lock is re-entrant)."""


@contextmanager
def cache_lock(build_root: Path):
    """Hold the cache alone: jupyter-cache's SQLite index is not safe for writers in several processes.

    The notebooks of one report run in several processes that share one cache
    (and reports built side by side on one machine may share one too: see
    :mod:`cpstats.publish.cluster`), and they may open a new one at the same moment,
    so every opening, read and write of it happens under an exclusive lock on
    ``<build_root>/.jupyter_cache.lock`` (where ``fcntl`` exists). A process
    already holding the lock may take it again.
    """
    path = Path(build_root) / f"{CACHE_FOLDER}.lock"
    key = str(path.resolve()) if path.parent.exists() else str(path)
    if _LOCKS_HELD.get(key):
        _LOCKS_HELD[key] += 1
        try:
            yield
        finally:
            _LOCKS_HELD[key] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    key = str(path.resolve())
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on Linux or macOS
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        _LOCKS_HELD[key] = 1
        try:
            yield
        finally:
            _LOCKS_HELD.pop(key, None)
            fcntl.flock(handle, fcntl.LOCK_UN)


def open_cache(build_root: Path):
    """The jupyter-cache of a build root (``<build_root>/.jupyter_cache``), created when missing.

    Opened under :func:`cache_lock`: workers of one build may open a new cache
    at the same moment, and two processes creating its tables both at once
    fail ("table settings already exists").
    """
    from jupyter_cache import get_cache

    with cache_lock(build_root):
        cache = get_cache(str(Path(build_root) / CACHE_FOLDER))
        if cache.get_cache_limit() < CACHE_LIMIT:
            cache.change_cache_limit(CACHE_LIMIT)
    return cache


def _cached(cache, nb):
    """The notebook with the cache's outputs merged in, or ``None`` when not cached."""
    try:
        _, merged = cache.merge_match_into_notebook(nb)
    except KeyError:
        return None
    return merged


INDEX_FILE = ".executed.json"
"""Beside the executed notebooks: for each, the cache key it was made for, a digest of the source
notebook's bytes with the parameters (``source``), the SHA-256 of the file as last written, and
the commentary key it was last filled with (see :func:`cpstats.publish.build.refresh_commentary`). A
rebuild with the same source notebook and parameters whose file is untouched uses the file as it
is, without opening the cache."""


def read_index(folder: Path) -> dict:
    """The index of the executed notebooks in ``folder`` (empty when missing or unreadable)."""
    try:
        return json.loads((Path(folder) / INDEX_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_index(folder: Path, index: Mapping) -> None:
    path = Path(folder) / INDEX_FILE
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(json.dumps(dict(index), indent=1, sort_keys=True), encoding="utf-8")
    os.replace(partial, path)


def _file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def _source_key(job: "NotebookJob", kernel_name: str) -> str:
    """The source notebook's bytes, the parameters and the kernel: what the cache key is made from."""
    digest = hashlib.sha256(Path(job.notebook).read_bytes())
    digest.update(json.dumps([dict(job.parameters), kernel_name], sort_keys=True).encode())
    return digest.hexdigest()


def _write_if_changed(nb, path: Path) -> None:
    """Write a notebook; leave the file (and its time stamp) alone when the bytes are the same."""
    import nbformat

    text = nbformat.writes(nb)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        partial = path.with_name(f".{path.name}.partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)


# ----------------------------------------------------------------- jobs


@dataclass(frozen=True)
class NotebookJob:
    """One notebook to execute for one report.

    Attributes
    ----------
    notebook : Path
        The source notebook.
    output : Path
        Where the executed copy goes (``_build/<la>/<year>/<name>.ipynb``).
    parameters : mapping
        Papermill parameters, including :data:`FINGERPRINT_PARAMETER`.
    label : str
        How progress lines name it, e.g. ``sample 2017-18 08_numbers``.
    """

    notebook: Path
    output: Path
    parameters: Mapping[str, str]
    label: str = ""


@dataclass(frozen=True)
class JobFailure:
    """A notebook that failed: enough to raise :class:`cpstats.publish.build.NotebookError` in the parent."""

    job: NotebookJob
    cell_index: int | None
    detail: str


@dataclass
class ExecutionSummary:
    """What :func:`execute_jobs` did: the notebooks it executed and those it took from the cache."""

    executed: list[Path] = field(default_factory=list)
    cached: list[Path] = field(default_factory=list)
    failures: list[JobFailure] = field(default_factory=list)
    seconds: float = 0.0


def _kernel_failed_to_start(error: BaseException) -> bool:
    """Errors from starting or talking to a kernel before any cell ran: worth a retry."""
    from papermill.exceptions import PapermillExecutionError

    return not isinstance(error, PapermillExecutionError)


def _run_papermill(nb_json: str, output: str, cwd: str, kernel_name: str,
                   environment: Mapping[str, str] | None = None) -> tuple[str | None, int | None, str | None, float]:
    """Execute one parameterized notebook (in a worker process).

    Returns
    -------
    tuple
        The executed notebook as JSON (``None`` on failure), on failure the
        failing cell's index and a one-line description, and the seconds it took.
    """
    import logging

    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    logging.getLogger("papermill").setLevel(logging.ERROR)
    os.environ.update(environment or {})  # a worker process of its own: kernels inherit it
    started = time.perf_counter()
    nb = nbformat.reads(nb_json, as_version=4)
    nb.metadata.setdefault("papermill", {})
    for cell in nb.cells:
        cell.metadata.setdefault("tags", [])
    attempts = 0
    while True:
        attempts += 1
        try:
            executed = papermill.execute_notebook(
                nb, output, parameters=None, kernel_name=kernel_name, progress_bar=False, log_output=False,
                request_save_on_cell_execute=False, extra_arguments=KERNEL_ARGUMENTS,
                resources={"metadata": {"path": cwd}},
            )
            return nbformat.writes(executed), None, None, time.perf_counter() - started
        except PapermillExecutionError as error:
            return None, error.cell_index, f"{error.ename}: {error.evalue}", time.perf_counter() - started
        except Exception as error:  # kernel died or did not start: try again
            if attempts > KERNEL_START_RETRIES or not _kernel_failed_to_start(error):
                return None, None, f"{type(error).__name__}: {error}", time.perf_counter() - started
            time.sleep(0.5 * attempts)


RESET_CELL = """\
get_ipython().run_line_magic('reset', '-f')
import gc as _gc, os as _os
_gc.freeze()
_os.chdir({cwd})
del _gc, _os"""
"""What the kept kernel runs before each notebook: its namespace emptied (``%reset -f``, which collects
the garbage the last notebook left), then what is left, the modules and what they keep, moved out of the
garbage collector's sight (:func:`gc.freeze`), so that the next reset does not walk the whole of pandas,
matplotlib and cpstats again (0.4 s a notebook), and the notebook's folder made the working directory."""


class KernelSession:
    """One kernel that executes, one after another, the notebooks a worker process is given.

    Starting a kernel and importing pandas, matplotlib and cpstats costs a few
    seconds, more than most sections take to run; a worker therefore keeps its
    kernel. Before each notebook the kernel's namespace is emptied
    (``%reset -f``, see :data:`RESET_CELL`) and its working directory set to the notebook's folder, and
    afterwards the execution counts are numbered from 1, so a notebook's outputs
    are those a fresh kernel gives (the published outputs are the same bytes).
    After a failing cell, or a kernel that died, the next notebook gets a new
    kernel. ``CPSTATS_FRESH_KERNELS=1`` gives every notebook a new kernel
    through papermill instead.

    The kernel's client (its ZeroMQ channels) is kept too, in the thread that
    opened it: a new client waits for the kernel to be ready and drains its
    output channel for at least 0.2 s, which twice per notebook (the reset and
    the notebook) cost more than most sections take to run.
    """

    def __init__(self, kernel_name: str = KERNEL, environment: Mapping[str, str] | None = None):
        self.kernel_name = kernel_name
        self.environment = dict(environment or {})
        self.km = None
        self.kc = None
        self.thread: int | None = None

    def _client(self, nb, cwd: str):
        import threading

        from jupyter_client.manager import AsyncKernelManager
        from nbclient import NotebookClient

        if self.km is None:
            os.environ.update(self.environment)  # the kernel inherits it
            self.km = AsyncKernelManager(kernel_name=self.kernel_name)
        if self.kc is not None and self.thread != threading.get_ident():
            self._close_client()  # its channels belong to another thread's event loop
        client = NotebookClient(nb, km=self.km, kernel_name=self.kernel_name, extra_arguments=KERNEL_ARGUMENTS,
                                record_timing=False, timeout=None, resources={"metadata": {"path": cwd}})
        if self.kc is not None and self.km.has_kernel:
            client.kc = self.kc
        return client

    def _run(self, nb, cwd: str) -> None:
        import atexit
        import threading

        client = self._client(nb, cwd)
        try:
            client.execute()
        finally:
            # nbclient registers every client with atexit, which would keep each notebook alive until exit
            atexit.unregister(client._cleanup_kernel)
            if client.kc is not None and client.kc is not self.kc:
                self._close_client()
                self.kc, self.thread = client.kc, threading.get_ident()

    def _close_client(self) -> None:
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:  # noqa: BLE001 - closing what may already be gone
                pass
        self.kc, self.thread = None, None

    def execute(self, nb, cwd: str):
        """Execute ``nb`` in place in the kernel, started when needed; raises nbclient's errors."""
        import nbformat

        reset = nbformat.v4.new_notebook(metadata={"kernelspec": dict(nb.metadata.get("kernelspec", {}))})
        reset.cells = [nbformat.v4.new_code_cell(RESET_CELL.format(cwd=repr(cwd)))]
        self._run(reset, cwd)
        self._run(nb, cwd)
        number = 0
        for cell in nb.cells:
            if cell.cell_type == "code":
                number += 1
                cell.execution_count = number
                for output in cell.get("outputs", []):
                    if "execution_count" in output:
                        output["execution_count"] = number
        return nb

    def shutdown(self) -> None:
        """Stop the kernel (a new one starts with the next notebook)."""
        self._close_client()
        if self.km is None:
            return
        from jupyter_core.utils import run_sync

        try:
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - already gone
            pass
        self.km = None


_SESSION: KernelSession | None = None
"""The kernel of this worker process (see :class:`KernelSession`)."""
_KEEP_KERNEL = False
"""Whether this process keeps its kernel after a build's notebooks (see :func:`keep_kernel`)."""


def keep_kernel(keep: bool = True) -> None:
    """Keep this process's kernel between builds, not only between one build's notebooks.

    A Dask worker builds report after report (:mod:`cpstats.publish.cluster`):
    with its kernel kept, pandas, matplotlib and cpstats are imported once per
    worker, not once per report, and what cpstats keeps in memory (reference
    tables, comparators, figures) is loaded once per worker. Each notebook still
    starts from an emptied namespace. ``keep_kernel(False)`` stops the kernel.
    """
    global _KEEP_KERNEL, _SESSION
    _KEEP_KERNEL = keep
    if not keep and _SESSION is not None:
        _SESSION.shutdown()
        _SESSION = None


def kernel_pid() -> int | None:
    """The process id of this process's kept kernel, ``None`` when it has none running."""
    if _SESSION is None or _SESSION.km is None or not _SESSION.km.has_kernel:
        return None
    process = getattr(_SESSION.km.provisioner, "process", None)
    return getattr(process, "pid", None)


def _session(kernel_name: str, environment: Mapping[str, str] | None) -> KernelSession:
    global _SESSION
    if _SESSION is None or _SESSION.kernel_name != kernel_name or _SESSION.environment != dict(environment or {}):
        if _SESSION is not None:
            _SESSION.shutdown()
        else:
            import atexit

            atexit.register(lambda: _SESSION.shutdown() if _SESSION is not None else None)
        _SESSION = KernelSession(kernel_name, environment)
    return _SESSION


def fresh_kernels() -> bool:
    """Whether every notebook gets a new kernel (``CPSTATS_FRESH_KERNELS=1``)."""
    return os.environ.get("CPSTATS_FRESH_KERNELS", "") not in ("", "0")


def _run_notebook(nb_json: str, output: str, cwd: str, kernel_name: str,
                  environment: Mapping[str, str] | None = None) -> tuple[str | None, int | None, str | None, float]:
    """Execute one parameterized notebook in this worker's kernel; as :func:`_run_papermill` returns."""
    if fresh_kernels():
        return _run_papermill(nb_json, output, cwd, kernel_name, environment)
    import nbformat
    from nbclient.exceptions import CellExecutionError

    started = time.perf_counter()
    attempts = 0
    while True:
        attempts += 1
        nb = nbformat.reads(nb_json, as_version=4)
        session = _session(kernel_name, environment)
        try:
            session.execute(nb, cwd)
            return nbformat.writes(nb), None, None, time.perf_counter() - started
        except CellExecutionError as error:
            session.shutdown()  # the namespace may be half made: the next notebook starts clean
            nbformat.write(nb, output)
            failing = next((i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
                            and any(o.get("output_type") == "error" for o in cell.get("outputs", []))), None)
            detail = f"{error.ename}: {error.evalue}" if getattr(error, "ename", None) else str(error).splitlines()[-1]
            return None, failing, detail, time.perf_counter() - started
        except Exception as error:  # the kernel did not start or died: a new one, and try again
            session.shutdown()
            if attempts > KERNEL_START_RETRIES:
                return None, None, f"{type(error).__name__}: {error}", time.perf_counter() - started
            time.sleep(0.5 * attempts)


class _Progress:
    """A bar of notebooks done on a terminal; a plain line per notebook otherwise."""

    def __init__(self, total: int, stream=None, bar=None):
        self.stream = stream or sys.stderr
        self.total, self.done = total, 0
        self.callback = bar if callable(bar) else None
        if self.callback is not None:
            bar = False
        if bar is None:
            bar = self.stream.isatty() and not os.environ.get("CI")
        self.bar = None
        if bar and total:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="notebook", desc="executing", file=self.stream, leave=False)

    def step(self, label: str, what: str, seconds: float) -> None:
        self.done += 1
        if self.callback is not None:
            self.callback(label, what, seconds)
        elif self.bar is not None:
            self.bar.set_postfix_str(label, refresh=False)
            self.bar.update(1)
        else:
            print(f"[{self.done}/{self.total}] {label}: {what} ({seconds:.1f} s)", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def process_context():
    """How worker processes start: ``spawn`` (a clean interpreter), or ``fork`` when the main
    program cannot be imported again by a spawned process (code read from standard input)."""
    import multiprocessing

    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if path is not None and not os.path.exists(path):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker now, leaving this thread's signal mask as it was.

    Starting it unblocks SIGINT and SIGTERM in the calling thread, whatever
    they were; ``cpstats build`` keeps them blocked so that one thread takes
    them (:func:`cpstats.cli._stop_on_interrupt`).
    """
    import signal
    from multiprocessing import resource_tracker

    if not hasattr(signal, "pthread_sigmask"):
        return
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    try:
        resource_tracker.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def default_jobs() -> int:
    """Worker processes by default: the number of cores."""
    return os.cpu_count() or 1


def execute_jobs(
    jobs: Sequence[NotebookJob],
    build_root: Path,
    *,
    workers: int | None = None,
    force: bool = False,
    kernel_name: str = KERNEL,
    progress: bool | None | Callable[[str, str, float], None] = None,
    log=None,
    fail_fast: bool = True,
    environment: Mapping[str, str] | None = None,
) -> ExecutionSummary:
    """Execute the notebooks not in the cache (all with ``force``), in worker processes.

    Every job's output is written to ``job.output`` from the cache, so a
    notebook executed now and one taken from the cache give the same file.
    A notebook that fails is written with its error to ``job.output`` and
    reported in :attr:`ExecutionSummary.failures`; the others still run.

    Parameters
    ----------
    jobs : sequence of NotebookJob
    build_root : Path
        Holds the cache (``.jupyter_cache``).
    workers : int, optional
        Notebooks executed at once; the number of cores by default.
    force : bool
        Execute every notebook, cached or not.
    kernel_name : str
        Jupyter kernel.
    progress : bool or callable, optional
        Show a bar (``True``), plain lines (``False``), or choose by whether
        stderr is a terminal outside CI (``None``); a callable is called with
        the notebook's label, ``"executed"`` or ``"FAILED"``, and the seconds
        it took (to report to a parent process).
    log : file, optional
        Where progress goes; stderr by default.
    fail_fast : bool
        After a failure, start no further notebook.
    environment : mapping, optional
        Environment variables for the kernels, e.g. where validated data are kept.
    """
    import nbformat

    started = time.perf_counter()
    summary = ExecutionSummary()
    cache = None
    pending: list[tuple[NotebookJob, object]] = []
    indexes: dict[Path, dict] = {}
    keys: dict[Path, tuple[str, str]] = {}
    for job in jobs:
        output = Path(job.output)
        output.parent.mkdir(parents=True, exist_ok=True)
        index = indexes.setdefault(output.parent, read_index(output.parent))
        entry = index.get(output.name)
        entry = entry if isinstance(entry, dict) else {}
        source = _source_key(job, kernel_name)
        if not force and entry.get("source") == source and entry.get("sha") == _file_digest(output):
            summary.cached.append(output)  # made from this very notebook and parameters, untouched since
            if callable(progress):
                progress(job.label or output.stem, "cached", 0.0)
            continue
        nb = parameterized(job.notebook, job.parameters, kernel_name)
        with cache_lock(build_root):
            cache = cache or open_cache(build_root)
            keys[output] = (cache.create_hashed_notebook(nb)[1], source)
            merged = None if force else _cached(cache, nb)
        if merged is not None:
            _write_if_changed(merged, output)
            index[output.name] = {"key": keys[output][0], "source": source, "sha": _file_digest(output)}
        if merged is None:
            pending.append((job, nb))
        else:
            summary.cached.append(output)
            if callable(progress):
                progress(job.label or Path(job.output).stem, "cached", 0.0)
    for folder, index in indexes.items():
        write_index(folder, index)
    if not pending:
        summary.seconds = time.perf_counter() - started
        return summary

    progress_bar = _Progress(len(pending), log, progress)
    workers = max(1, min(workers or default_jobs(), len(pending)))

    def finish(job: NotebookJob, nb, result) -> None:
        executed_json, cell_index, detail, seconds = result
        output = Path(job.output)
        if executed_json is None:
            summary.failures.append(JobFailure(job, cell_index, detail or "failed"))
            progress_bar.step(job.label or output.stem, "FAILED", seconds)
            return
        from jupyter_cache.base import CacheBundleIn

        executed = strip_timing(nbformat.reads(executed_json, as_version=4))
        with cache_lock(build_root):
            cache.cache_notebook_bundle(CacheBundleIn(executed, str(output)), check_validity=False, overwrite=True)
            merged = _cached(cache, nb)
        _write_if_changed(merged if merged is not None else executed, output)
        index = read_index(output.parent)
        index[output.name] = {"key": keys[output][0], "source": keys[output][1], "sha": _file_digest(output)}
        write_index(output.parent, index)
        summary.executed.append(output)
        progress_bar.step(job.label or output.stem, "executed", seconds)

    try:
        if workers == 1:  # in this process, one after another, in one kernel
            saved = {name: os.environ.get(name) for name in (environment or {})}
            try:
                for job, nb in pending:
                    finish(job, nb, _run_notebook(nbformat.writes(nb), str(job.output),
                                                  str(Path(job.output).parent.resolve()), kernel_name, environment))
                    if summary.failures and fail_fast:
                        break
            finally:
                global _SESSION
                if _SESSION is not None and not _KEEP_KERNEL:  # the build's own process: leave no kernel behind
                    _SESSION.shutdown()
                    _SESSION = None
                for name, value in saved.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value
        else:
            from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

            start_resource_tracker()
            with ProcessPoolExecutor(max_workers=workers, mp_context=process_context()) as pool:
                running = {}
                for job, nb in pending:
                    future = pool.submit(_run_notebook, nbformat.writes(nb), str(job.output),
                                         str(Path(job.output).parent.resolve()), kernel_name, environment)
                    running[future] = (job, nb)
                while running:
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in done:
                        job, nb = running.pop(future)
                        if future.cancelled():
                            continue
                        try:
                            result = future.result()
                        except Exception as error:  # the worker process itself died
                            result = (None, None, f"{type(error).__name__}: {error}", 0.0)
                        finish(job, nb, result)
                        if summary.failures and fail_fast:  # start no further notebook
                            for other in running:
                                other.cancel()
    finally:
        progress_bar.close()
    summary.seconds = time.perf_counter() - started
    return summary
