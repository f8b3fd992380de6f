"""Batches of reports on Dask distributed: one task per report, the site published by the client.

``cpstats build --la all --years A:B`` (more than one report) runs on a
`dask.distributed <https://distributed.dask.org>`_ cluster:

- **Where.** A :class:`~distributed.LocalCluster` of worker processes (one
  thread each, ``--jobs`` of them, the number of cores by default) started for
  the batch and stopped after it; or, with ``--scheduler tcp://host:8786`` (or
  the environment variable ``DASK_SCHEDULER_ADDRESS``), an existing cluster
  started with ``dask scheduler`` and ``dask worker``. The local cluster starts
  while the client checks the data, and runs without what only a dashboard
  would show (:data:`LOCAL_CLUSTER_CONFIG`: no statistical profile of the tasks,
  the event loop's health checked each second rather than 50 times a second,
  the machine's load each 2 s rather than each 0.5 s), which on two cores took
  CPU from the reports.
- **One task per report, the largest first.** Each task runs :func:`cpstats.publish.build.build_report`
  on a worker, its notebooks one after another in the worker's one kernel, kept
  from report to report (:func:`cpstats.publish.execute.keep_kernel`; a
  :class:`~distributed.WorkerPlugin`, :class:`KeptKernel`, stops it with the
  worker): the libraries are imported, and the reference tables read, once per
  worker. The client hands the cluster no more reports than it has threads,
  the largest first (by the size of the authority's data, also their Dask
  priority) and the next as each finishes, so no report waits behind another
  while a worker is free, and the smallest end the batch rather than one large
  report running alone at the end. Its
  executed notebooks go to the build folder (``--build-dir``) as in a local
  build; its jupyter-cache is the worker's own,
  ``<build dir>/.workers/<worker name>/.jupyter_cache``; and the report is
  rendered into a staging folder, ``<build dir>/.staging/<run>/<la>/<year>/``,
  seeded with a copy of the published report so that the back-test and the
  versions are those of the published site. On several machines the build
  folder and the site must be shared storage that every worker reaches under
  the same path.
- **Progress.** Each notebook a worker executes (or finds in its cache) is
  sent to the client as a Dask event on the topic :data:`PROGRESS_TOPIC`
  (:meth:`distributed.Worker.log_event`, received with
  :meth:`distributed.Client.subscribe_topic`), with the report, the notebook,
  what became of it and its seconds: on a terminal the client shows a bar of
  reports with the notebook each running report last finished; a ``notebook_progress``
  callable gets every event; otherwise one line per report.
- **Publishing.** The client takes each report as its task finishes
  (:func:`distributed.as_completed`) and swaps it into ``_site/<la>/<year>/``
  with the same atomic publish as a local build
  (:func:`cpstats.publish.build.publish`), then writes ``_site/index.html``
  once at the end. A report whose task failed is not published; the version
  published before stays whole.
- **Lost workers.** A worker that dies mid-task is noticed by the scheduler
  and its task runs again on another worker (up to Dask's
  ``distributed.scheduler.allowed-failures``, 3 by default); a task that
  raises an error other than a build error (an ``OSError`` on shared storage,
  say) is retried ``retries`` times (:meth:`distributed.Client.submit`). A
  failing notebook or bad data is not retried: it fails the same way again.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import socket
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Mapping, Sequence

from cpstats.data.periods import ReportingYear

__all__ = [
    "build_reports", "PROGRESS_TOPIC", "KeptKernel", "data_size", "SCHEDULER_ENV", "STAGING_FOLDER", "WORKERS_FOLDER", "scheduler_address", "batch_client",
           "build_task", "build_on_cluster", "LOCAL_CLUSTER_CONFIG", "StartingCluster", "batch_workers"]

SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
"""Environment variable naming the scheduler of an existing cluster (as Dask itself reads it)."""
STAGING_FOLDER = ".staging"
"""Under the build folder: reports rendered by the workers, waiting for the client to publish them."""
WORKERS_FOLDER = ".workers"
"""Under the build folder: one folder per worker, holding its own jupyter-cache."""
DEFAULT_RETRIES = 2
PROGRESS_TOPIC = "cpstats-notebook"
"""The Dask event topic on which workers send each notebook's progress to the client (see :func:`notebook_events`)."""


def scheduler_address(scheduler: str | None = None, environ: Mapping[str, str] | None = None) -> str | None:
    """The scheduler to use: the one given, else ``DASK_SCHEDULER_ADDRESS``, else ``None`` (a local cluster).

    >>> scheduler_address("tcp://10.0.0.5:8786", environ={})
    'tcp://10.0.0.5:8786'
    >>> scheduler_address(None, environ={"DASK_SCHEDULER_ADDRESS": "tcp://h:8786"})
    'tcp://h:8786'
    >>> scheduler_address(None, environ={}) is None
    True
    """
    environ = os.environ if environ is None else environ
    return scheduler or environ.get(SCHEDULER_ENV) or None


LOCAL_CLUSTER_CONFIG = {
    # one report per worker at a time, the others queued on the scheduler in priority order (Dask's default,
    # 1.1, hands a worker of one thread two at once, so the last two could run one after the other on one worker)
    "distributed.scheduler.worker-saturation": 1.0,
    # what only a dashboard shows, and this cluster has none: the statistical profile of every task (a look at
    # the running thread's stack each 10 ms), the event loop's health each 20 ms, the machine's load each 0.5 s
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    # each worker's memory read by its nanny each second rather than each 0.1 s (still well before it runs out)
    "distributed.worker.memory.monitor-interval": "1s",
}
"""Dask's settings for the :class:`~distributed.LocalCluster` a batch starts. With Dask's own, an idle cluster of
two workers took 1.0 to 1.5 CPU seconds in 10 s (the client's process, where the scheduler and the nannies run,
0.4; each worker 0.3), and the profiler's looks grow with the work; with these, 0.1 to 0.2. On two cores that
was taken from the reports: four reports on two workers took 7% fewer CPU seconds without it."""


def _local_cluster(workers: int | None):
    """A new :class:`~distributed.LocalCluster` of ``workers`` processes (the number of cores by default) of one
    thread each, with no dashboard and :data:`LOCAL_CLUSTER_CONFIG`."""
    from distributed import LocalCluster

    import dask

    from cpstats.publish.execute import default_jobs

    with _terminate_unblocked(), dask.config.set(LOCAL_CLUSTER_CONFIG):
        # the scheduler's HTTP server (health and info, no dashboard) on a free port of this machine's loopback:
        # on 8787, Dask's default, it warned whenever another Dask or a Jupyter server had that port
        return LocalCluster(n_workers=max(1, workers or default_jobs()), threads_per_worker=1, processes=True,
                            dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                            silence_logs=logging.ERROR)


class StartingCluster:
    """A :class:`~distributed.LocalCluster` starting in a thread of its own while the caller goes on.

    :func:`build_reports` (and ``cpstats build``, once it knows something is to be built) starts its cluster
    this way before it checks the authorities' data, so that neither waits for the other: the four reports of
    ``make bench`` take 0.4 to 1.0 s to check, and the cluster about 0.5 s to start. :meth:`take` waits for
    the cluster and hands it over (:func:`batch_client` closes it); :meth:`close` closes one nobody took, once
    it has started (the data were bad: nothing is built).
    """

    def __init__(self, workers: int | None):
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(1, thread_name_prefix="cpstats-cluster-start")
        self.future = pool.submit(_local_cluster, workers)  # holds the cluster, or the error that stopped it
        pool.shutdown(wait=False)
        self.taken = False

    def take(self):
        """The cluster, once started (its error, if it failed to start); ``None`` once taken or closed."""
        if self.taken:
            return None
        self.taken = True
        return self.future.result()

    def close(self) -> None:
        """Close the cluster if nobody took it. It is called on the way out of an error (bad data), so a
        failure to start or to close does not replace that error: Dask closes what is left as the process exits."""
        if self.taken:
            return
        self.taken = True
        try:
            self.future.result().close()
        except Exception as error:  # noqa: BLE001 - see above
            logging.getLogger(__name__).warning("the batch's local cluster did not start or close: %s", error)


@contextmanager
def batch_client(scheduler: str | None = None, workers: int | None = None, starting: StartingCluster | None = None):
    """A :class:`distributed.Client` on the cluster at ``scheduler``, or on a new :class:`~distributed.LocalCluster`.

    The local cluster has ``workers`` worker processes (the number of cores by
    default) of one thread each, no dashboard and :data:`LOCAL_CLUSTER_CONFIG`, and is closed on leaving; it is
    the one ``starting`` starts when one is given.
    """
    from distributed import Client

    address = scheduler_address(scheduler)
    if address:
        with Client(address, timeout="30s") as client:
            yield client
        return
    cluster = starting.take() if starting is not None else _local_cluster(workers)
    with cluster, Client(cluster) as client:
        yield client


@contextmanager
def _terminate_unblocked():
    """SIGTERM and SIGHUP unblocked in this thread for a while, so that the threads and processes started then
    (the cluster's event loop, its nannies and workers) take them as usual: Dask stops a worker that does not
    close in time with SIGTERM. ``cpstats build`` blocks them to take them in one thread of its own
    (:func:`cpstats.cli._stop_on_interrupt`), which still stops everything when one reaches this process."""
    import signal

    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    opened = {getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)}
    mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, opened)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # pragma: no cover - distributed is a dependency; this keeps the module importable without it
    WorkerPlugin = object


class KeptKernel(WorkerPlugin):
    """On each worker: the kernel kept from report to report, and stopped when the worker closes."""

    name = "cpstats-kept-kernel"

    def setup(self, worker=None):
        from cpstats.publish.execute import keep_kernel

        keep_kernel(True)

    def teardown(self, worker=None):
        from cpstats.publish.execute import keep_kernel

        try:
            keep_kernel(False)
        except Exception:  # noqa: BLE001 - the worker is closing: a kernel already gone is no error
            pass


def data_size(folder: Path) -> int:
    """The bytes of an authority's data files: how large its reports are, for the order of the tasks."""
    try:
        return sum(p.stat().st_size for p in Path(folder).iterdir() if p.is_file())
    except OSError:
        return 0


def _folder_name(name: object) -> str:
    """A worker's name as a folder name.

    >>> _folder_name("tcp://127.0.0.1:40123")
    'tcp-127.0.0.1-40123'
    """
    return re.sub(r"[^A-Za-z0-9._-]+", "-", str(name)).strip("-") or "worker"


def _worker_name() -> str:
    """The name of the Dask worker running this task (``local`` outside one)."""
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return "local"
    name = worker.name
    # a worker started without --name is named by its address, which changes with every start: then the host
    return _folder_name(name if not str(name).startswith(("tcp://", "tls://", "inproc://")) else socket.gethostname())


def notebook_events(la: str, year: str, topic: str = PROGRESS_TOPIC) -> Callable[[str, str, float], None]:
    """A build's progress callable that sends each notebook's step to the client as a Dask event.

    The event, on ``topic`` (the batch's own: :data:`PROGRESS_TOPIC` and the run's name, so that two batches
    on one scheduler do not hear each other), is ``{"la", "year", "notebook", "what", "seconds"}``, sent as
    the notebook finishes; outside a Dask worker nothing is sent.
    """
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return lambda *step: None

    prefix = f"{la} {year} "

    def send(label: str, what: str, seconds: float) -> None:  # the job's label names the report, then the notebook
        notebook = str(label)[len(prefix):] if str(label).startswith(prefix) else str(label)
        worker.log_event(topic, {"la": la, "year": year, "notebook": notebook, "what": str(what),
                                          "seconds": round(float(seconds), 2)})

    return send


def build_task(la: str, year: str, *, staging_root: str, out_root: str, build_root: str, options: dict,
               topic: str = PROGRESS_TOPIC):
    """One report, on a worker: rendered into ``staging_root/<la>/<year>`` from a copy of the published one.

    Returns the :class:`cpstats.publish.build.BuildRecord`; a build error (a
    notebook that failed, bad data, missing commentary in a final build) is
    returned in ``record.error`` rather than raised, so that Dask does not
    retry what would fail again. Anything else is raised and retried.
    """
    from cpstats.data.contract import DataValidationError
    from cpstats.publish.build import BuildError, BuildRecord, build_report
    from cpstats.publish.execute import keep_kernel

    keep_kernel(True)  # this process builds report after report (KeptKernel stops the kernel with the worker)
    record = BuildRecord(la, year)
    staged = Path(staging_root) / la / year
    shutil.rmtree(staged, ignore_errors=True)  # what an earlier attempt of this task left
    published = Path(out_root) / la / year
    staged.parent.mkdir(parents=True, exist_ok=True)
    if (published / "manifest.json").is_file():
        shutil.copytree(published, staged, symlinks=True)
    cache_root = Path(build_root) / WORKERS_FOLDER / _worker_name()
    try:
        # a draft or a public report alike is staged in the run's folder; the client publishes it into its tree
        build_report(la, year, out_root=Path(staging_root), build_root=Path(build_root), cache_root=cache_root,
                     jobs=1, progress=notebook_events(la, year, topic), record=record,
                     **{**options, "drafts_root": Path(staging_root)})
    except (BuildError, DataValidationError) as error:
        record.error = f"{type(error).__name__}: {error}"
        record.exit_status = getattr(error, "exit_status", 1)
    return record


def _same_report(staged: Path, target: Path) -> bool:
    """Whether the published report is already the staged one (same manifest, every output there)."""
    try:
        if (staged / "manifest.json").read_bytes() != (target / "manifest.json").read_bytes():
            return False
    except OSError:
        return False
    import json

    outputs = json.loads((target / "manifest.json").read_text(encoding="utf-8")).get("outputs", [])
    return all((target / name).is_file() for name in outputs)


def _publish_staged(staged: Path, target: Path) -> bool:
    """Swap the staged report into ``target`` atomically; ``False`` when it was already published as it is."""
    from cpstats.publish.build import BuildError, publish

    if not (staged / "manifest.json").is_file():
        raise BuildError(f"the report was not rendered: no {staged / 'manifest.json'}")
    if _same_report(staged, target):
        return False
    publish(target, lambda folder: shutil.copytree(staged, folder, symlinks=True, dirs_exist_ok=True))
    return True


def _clear_stale_runs(staging: Path) -> None:
    """Remove staging folders of earlier runs on this host whose client is no longer running."""
    from cpstats.publish.build import _pid_alive

    host = _folder_name(socket.gethostname())
    for folder in staging.glob(f"{host}-*-*"):
        match = re.fullmatch(re.escape(host) + r"-(\d+)-[0-9a-f]+", folder.name)
        if match and int(match[1]) != os.getpid() and not _pid_alive(int(match[1])):
            shutil.rmtree(folder, ignore_errors=True)


class _BatchProgress:
    """What the client shows of a batch as it runs.

    On a terminal (not under ``CI``), a bar of reports with the notebook a worker
    last reported beside it, each report's line written above the bar; otherwise
    one line per report, or the ``progress`` callable's. Each notebook's event
    from a worker (:data:`PROGRESS_TOPIC`) also goes to ``notebook_progress``.
    Notebook events arrive in the client's event loop, reports in its main thread:
    they take turns on the stream.
    """

    def __init__(self, total: int, stream, progress, notebook_progress):
        import threading

        self.total, self.stream, self.progress, self.notebook_progress = total, stream, progress, notebook_progress
        self.lock = threading.Lock()
        self.notebooks, self.running = 0, {}
        self.bar = None
        if not callable(progress) and progress is not False and _is_terminal(stream) and not os.environ.get("CI"):
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="report", desc="reports", file=stream, leave=False)

    def notebook(self, event) -> None:
        """A worker's event: ``(timestamp, {"la", "year", "notebook", "what", "seconds"})``."""
        message = event[1] if isinstance(event, (tuple, list)) else event
        label = f"{message.get('la')} {message.get('year')}"
        if callable(self.notebook_progress):
            try:  # in the client's event loop: an error here must not stop the bar, nor the batch
                self.notebook_progress(label, message.get("notebook", ""), message.get("what", ""),
                                       message.get("seconds", 0.0))
            except Exception as error:  # noqa: BLE001 - the caller's function; said once per event, on the stream
                print(f"cpstats: notebook_progress failed: {type(error).__name__}: {error}", file=self.stream)
        if self.bar is not None:
            with self.lock:
                self.notebooks += 1
                self.running[label] = message.get("notebook", "")
                self._show()

    def _show(self) -> None:  # the notebook each report now running is on
        self.bar.set_description_str(f"reports ({self.notebooks} notebooks)", refresh=False)
        self.bar.set_postfix_str("; ".join(f"{label}: {notebook}" for label, notebook in self.running.items()))

    def report(self, done: int, label: str, what: str, seconds: float, line: str) -> None:
        if callable(self.progress):
            self.progress(label, what, seconds)
            return
        with self.lock:
            if self.bar is not None:
                self.running.pop(label, None)
                self.bar.write(line, file=self.stream)
                self.bar.update(1)
                self._show()
            else:
                print(line, file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            with self.lock:
                self.bar.close()


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def build_on_cluster(
    wanted: Sequence[tuple[str, str]],
    *,
    out_root: Path,
    build_root: Path,
    scheduler: str | None = None,
    workers: int | None = None,
    retries: int = DEFAULT_RETRIES,
    progress: bool | None | Callable[[str, str, float], None] = None,
    notebook_progress: Callable[[str, str, str, float], None] | None = None,
    log=None,
    options: Mapping | None = None,
    starting: StartingCluster | None = None,
) -> list:
    """Build the reports ``wanted`` (pairs of authority and year) on a Dask cluster and publish them.

    Parameters
    ----------
    wanted : sequence of (str, str)
        The reports, e.g. ``[("sample", "2017-18"), ("county", "2017-18")]``.
    out_root, build_root : Path
        The published site and the build folder (shared storage on several machines).
    scheduler : str, optional
        Address of an existing scheduler; else ``DASK_SCHEDULER_ADDRESS``; else a local cluster.
    workers : int, optional
        Worker processes of the local cluster (the number of cores by default).
    retries : int
        Times a task that raised is run again (:meth:`distributed.Client.submit`).
    progress : bool or callable, optional
        A callable gets each report's label, what became of it and its seconds;
        otherwise one line per report is printed to ``log`` as it finishes (with a bar of reports
        on a terminal).
    notebook_progress : callable, optional
        Gets each notebook's report label, notebook, what became of it and its seconds, as the workers
        send them (Dask events on the batch's topic), before the report's own ``progress``. It is called in
        the Dask client's event-loop thread, so it must be quick; an error in it is printed, not raised.
    options : mapping
        Passed to :func:`cpstats.publish.build.build_report` (``renderer``, ``project_dir``, ``force``, ...).
    starting : StartingCluster, optional
        The local cluster, already starting (without ``scheduler``).

    Returns
    -------
    list of cpstats.publish.build.BuildRecord
        In the order of ``wanted``; a report not published has ``error`` set.
    """
    from distributed import as_completed

    from cpstats.publish.build import BuildRecord, write_site_index

    stream = log or sys.stderr
    out_root, build_root = Path(out_root).resolve(), Path(build_root).resolve()
    staging = build_root / STAGING_FOLDER
    staging.mkdir(parents=True, exist_ok=True)
    _clear_stale_runs(staging)
    run = staging / f"{_folder_name(socket.gethostname())}-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    run.mkdir()
    options = dict(options or {})
    records: dict[tuple[str, str], BuildRecord] = {}
    started = time.perf_counter()
    shown = _BatchProgress(len(wanted), stream, progress, notebook_progress)
    try:
        with batch_client(scheduler, workers, starting) as client:
            client.register_plugin(KeptKernel(), name=KeptKernel.name)
            topic = f"{PROGRESS_TOPIC}-{run.name}"  # this batch's own: another on the same scheduler has its own
            client.subscribe_topic(topic, shown.notebook)
            data_root = Path(options.get("data_root", "data"))
            sizes = {la: data_size(data_root / la) for la, _ in wanted}
            # the largest reports first, and no more at once than the cluster has threads: each further report
            # goes to the scheduler as one finishes, so none waits behind another on a busy worker while a
            # worker is free, and the batch ends with the smallest
            waiting = sorted(wanted, key=lambda pair: -sizes[pair[0]])
            futures = {}

            def submit():
                la, year = waiting.pop(0)
                future = client.submit(build_task, la, year, staging_root=str(run), out_root=str(out_root),
                                       build_root=str(build_root), options=options, topic=topic, retries=retries,
                                       pure=False,
                                       key=f"cpstats-report-{la}-{year}-{run.name}", priority=sizes[la])
                futures[future] = (la, year)
                return future

            def top_up(done: int) -> None:  # the cluster's threads, as many as there are now (workers may join)
                while waiting and len(futures) - done < max(1, sum(client.nthreads().values())):
                    running.add(submit())

            running = as_completed([submit()])
            top_up(0)
            for done, future in enumerate(running, start=1):
                top_up(done)
                la, year = futures[future]
                try:
                    record = future.result()
                except Exception as error:  # noqa: BLE001 - a worker lost too often, or an error retried in vain
                    record = BuildRecord(la, year)
                    record.error = f"{type(error).__name__}: {error}"
                changed = False
                if record.error is None:
                    try:
                        changed = _publish_staged(run / la / year, out_root / la / year)
                    except Exception as error:  # noqa: BLE001 - reported with the others; the old report stays
                        record.error = f"{type(error).__name__}: {error}"
                    else:
                        record.site = out_root / la / year
                if record.error is not None:
                    record.site = None  # the staged copy goes with the run; nothing was published
                what = (f"FAILED: {record.error}" if record.error else
                        f"published version {record.version}" + ("" if changed else " (unchanged)"))
                seconds = time.perf_counter() - started
                shown.report(done, record.label, what, seconds,
                             f"[{done}/{len(wanted)}] {record.label}: {what} ({len(record.executed)} notebooks "
                             f"executed, {len(record.cached)} cached; {seconds:.1f} s)")
                records[(la, year)] = record
            client.unsubscribe_topic(topic)
    finally:
        shown.close()
        shutil.rmtree(run, ignore_errors=True)
    write_site_index(out_root, draft=options.get("disclosure", "internal") != "public")
    return [records[pair] for pair in wanted]


def batch_workers(jobs: int | None, reports: int) -> int:
    """The worker processes of a batch's local cluster: ``jobs`` (the number of cores by default), at most one
    per report.

    >>> batch_workers(None, 1), batch_workers(8, 3), batch_workers(2, 20)
    (1, 3, 2)
    """
    from cpstats.publish.execute import default_jobs

    return min(max(1, jobs or default_jobs()), reports)


def build_reports(
    las: Sequence[str],
    years: Sequence[str],
    *,
    data_root: Path = Path("data"),
    out_root: Path = Path("_site"),
    build_root: Path = Path("_build"),
    drafts_root: Path | None = None,
    jobs: int | None = None,
    progress: bool | None = None,
    log=None,
    scheduler: str | None = None,
    retries: int | None = None,
    notebook_progress: Callable[[str, str, str, float], None] | None = None,
    starting: StartingCluster | None = None,
    **options,
) -> list:
    """Build and publish several reports: every year of every authority named.

    Each authority's data are validated first, all of them before anything
    runs (a local cluster starts meanwhile, and is closed again if they break
    the contract). One report builds in the calling process with its notebooks in
    ``jobs`` worker processes. Several build on Dask distributed, one task per
    report (:mod:`cpstats.publish.cluster`): on a local cluster of ``jobs``
    worker processes (the number of cores by default), or on the existing
    cluster at ``scheduler`` (or ``DASK_SCHEDULER_ADDRESS``); the client
    publishes each report atomically as its task finishes, and
    ``_site/index.html`` lists them all at the end.

    Parameters
    ----------
    las : sequence of str
        Authority folder names under ``data_root`` (see :func:`cpstats.publish.site.authorities` for all).
    years : sequence of str
        Reporting years, e.g. from :func:`cpstats.data.periods.year_range`.
    scheduler : str, optional
        Address of a Dask scheduler, e.g. ``tcp://host:8786``; a single report goes there too.
    retries : int, optional
        Times Dask runs a report's task again after it raised (see :func:`cpstats.publish.cluster.build_on_cluster`).
    notebook_progress : callable, optional
        On a cluster, each notebook's step as the workers send it (see :func:`build_on_cluster`).
    starting : StartingCluster, optional
        The local cluster of :func:`batch_workers` workers, already starting (``cpstats build`` starts it
        while it checks the data); by default one is started here, while the data are checked.
    options
        Passed to :func:`build_report` (``renderer``, ``project_dir``, ``force``, ``final``, ...).

    Returns
    -------
    list of BuildRecord
        One per report, in the order asked; a report that failed has ``error`` set.

    Raises
    ------
    cpstats.data.contract.DataValidationError
        An authority's data break the contract; nothing was built.
    """
    from cpstats.publish.build import BuildRecord, build_report, drafts_root_for, find_project_dir

    wanted = [(la, ReportingYear.parse(year).label) for la in las for year in years]
    address = scheduler_address(scheduler)
    draft = options.get("disclosure", "internal") != "public"
    if draft:  # an internal draft never goes into the public site
        out_root = Path(drafts_root) if drafts_root is not None else drafts_root_for(out_root)
    common = dict(data_root=Path(data_root).resolve(), **options)
    if options.get("project_dir") is not None:
        common["project_dir"] = Path(options["project_dir"]).resolve()
    if len(wanted) == 1 and not address:  # one report is validated by build_report itself
        if starting is not None:
            starting.close()  # one report builds here: no cluster
        la, year = wanted[0]
        record = BuildRecord(la, year)
        build_report(la, year, out_root=Path(out_root), drafts_root=Path(out_root), build_root=Path(build_root),
                     jobs=jobs, progress=progress, record=record, **common)
        return [record]
    from cpstats.publish.caches import BuildCaches

    workers = batch_workers(jobs, len(wanted))
    if starting is None and not address:
        starting = StartingCluster(workers)  # the cluster starts while the data are checked
    try:
        for la in dict.fromkeys(las):  # kept in the build folder, where the workers read it back
            BuildCaches(Path(build_root)).dataset(Path(data_root).resolve() / la)
        common.setdefault("project_dir", find_project_dir(None))
        return build_on_cluster(wanted, out_root=Path(out_root), build_root=Path(build_root), scheduler=address,
                                workers=workers, retries=DEFAULT_RETRIES if retries is None else retries,
                                progress=progress, notebook_progress=notebook_progress, log=log, options=common,
                                starting=starting)
    finally:
        if starting is not None:
            starting.close()  # bad data, or a failure before the batch took the cluster: nothing was built
