"""Batches on Dask distributed: a real LocalCluster of worker processes builds the site a local build does.

Two authorities x two years of the small project (two sections), so that each
build takes seconds: a local build report by report, the same four reports on
a LocalCluster of two workers (the same bytes), then a build during which one
worker process is killed (the site stays whole) and a rerun (it completes).
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
import warnings
from pathlib import Path

import dask
import pytest
from distributed import Client, LocalCluster

from cpstats.publish.build import build_report, write_site_index
from cpstats.publish.cluster import build_reports
from cpstats.publish.cluster import STAGING_FOLDER, WORKERS_FOLDER, scheduler_address
from tests.four_reports import LAS, YEARS



def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _whole(site: Path) -> None:
    """Every report in the site has every output its manifest lists, and no staging folder is left beside it."""
    import json

    for manifest in site.glob("*/*/manifest.json"):
        outputs = json.loads(manifest.read_text(encoding="utf-8"))["outputs"]
        assert all((manifest.parent / name).is_file() for name in outputs), manifest.parent
    assert not [p for p in site.rglob(".*") if ".new-" in p.name or ".old-" in p.name]


@pytest.fixture(scope="module")
def project(four_reports):
    """The local build of the session's four reports: one report after another, no cluster."""
    root, options = four_reports.root, four_reports.options
    local_site, local_build = root / "local" / "_site", root / "local" / "_build"
    for la in LAS:
        for year in YEARS:
            build_report(la, year, out_root=local_site, build_root=local_build, jobs=1, progress=False, **options)
    write_site_index(local_site)
    return root, options, local_site


@pytest.fixture(scope="module")
def cluster_site(four_reports):
    """The same four reports on the default engine: a LocalCluster of two worker processes (tests/four_reports.py)."""
    return four_reports.site, four_reports.build_root, four_reports.records, four_reports.lines


def test_scheduler_address_from_flag_or_environment(monkeypatch):
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://127.0.0.1:8786")
    assert scheduler_address(None) == "tcp://127.0.0.1:8786"
    assert scheduler_address("tcp://10.1.1.1:8786") == "tcp://10.1.1.1:8786"
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS")
    assert scheduler_address(None) is None


def _compute(seconds: float) -> int:
    """Python busy for ``seconds`` (a task for the profiler to see)."""
    ends, turns = time.perf_counter() + seconds, 0
    while time.perf_counter() < ends:
        turns += sum(range(1000))
    return turns


def test_the_batch_cluster_takes_no_profile_and_keeps_its_settings_on_every_worker():
    """A batch's LocalCluster runs without what only a dashboard shows (LOCAL_CLUSTER_CONFIG): a task that
    computes for 0.6 s leaves Dask no statistical profile, where a LocalCluster with Dask's own settings has
    one, and every worker has the settings; with Dask's default port for the scheduler's HTTP server taken,
    no warning."""
    from cpstats.publish.cluster import LOCAL_CLUSTER_CONFIG, batch_client

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                      scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as cluster, Client(cluster) as client:
        client.submit(_compute, 0.6, pure=False).result()
        deadline = time.monotonic() + 10  # the profile reaches the client when its 1 s cycle ends
        while client.profile()["count"] == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert client.profile()["count"] > 0  # Dask's own: the running thread's stack each 10 ms
    taken = socket.socket()  # Dask's default port for the scheduler's HTTP server, held by someone else
    try:
        taken.bind(("127.0.0.1", 8787))
        taken.listen()
    except OSError:
        pass  # already held
    with taken, warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        with batch_client(None, 2) as client:
            client.gather([client.submit(_compute, 0.6, pure=False) for _ in range(2)])
            time.sleep(2.5)  # two of Dask's profile cycles
            assert client.profile()["count"] == 0
            settings = client.run(lambda: {key: dask.config.get(key) for key in LOCAL_CLUSTER_CONFIG})
    assert len(settings) == 2 and all(found == LOCAL_CLUSTER_CONFIG for found in settings.values()), settings
    assert not [str(w.message) for w in warned if "8787" in str(w.message)]


def _workers_of_this_process() -> set[int]:
    """The worker processes this process has started (Dask's, through multiprocessing), running now."""
    import psutil

    return {child.pid for child in psutil.Process().children(recursive=True)
            if "spawn_main" in " ".join(child.cmdline()) and child.status() != psutil.STATUS_ZOMBIE}


def test_a_starting_cluster_nobody_takes_is_closed_with_its_worker_processes():
    """StartingCluster as build_reports and cpstats build use it, the cluster starting in a thread of its own:
    when the data turn out bad nobody takes it, and close() returns only once its worker processes are gone;
    closing again does nothing, and there is nothing left to take."""
    from cpstats.publish.cluster import StartingCluster

    before = _workers_of_this_process()
    starting = StartingCluster(2)
    starting.future.result(timeout=120)  # started
    started = _workers_of_this_process() - before
    assert len(started) == 2, started
    starting.close()
    assert not started & _workers_of_this_process()
    starting.close()
    assert starting.take() is None


def test_local_cluster_builds_the_same_site_byte_for_byte(project, cluster_site):
    """Four reports as four tasks on two worker processes: every published byte is the local build's."""
    _, _, local_site = project
    site, build, records, lines = cluster_site
    assert [(r.la, r.year, r.error) for r in records] == [(la, y, None) for la in LAS for y in YEARS]
    assert all(len(r.executed) == 2 for r in records)  # executed on the workers, not taken from the local build
    assert sorted(label for label, _ in lines) == sorted(f"{la} {y}" for la in LAS for y in YEARS)
    assert all(what == "published version 1" for _, what in lines)
    assert _files(site) == _files(local_site)
    _whole(site)
    caches = sorted(p.parent.name for p in (build / WORKERS_FOLDER).glob("*/.jupyter_cache"))
    assert len(caches) == 2  # each worker its own jupyter-cache
    assert not list((build / STAGING_FOLDER).iterdir())  # the staging run is removed


def test_each_worker_keeps_one_kernel_for_its_reports(cluster_site):
    """Four reports on two workers ran in two kernels, each kept by its worker from report to report
    (pandas, matplotlib and cpstats imported, and the reference tables read, once per worker)."""
    _, _, records, _ = cluster_site
    kernels = [r.kernel for r in records]
    assert all(isinstance(pid, int) and pid > 0 for pid in kernels), kernels
    assert len(set(kernels)) <= 2, kernels


def test_each_notebook_reaches_the_client_as_a_dask_event_before_its_report(four_reports):
    """The workers send every notebook of every report to the client as it is executed (Dask events on
    PROGRESS_TOPIC), each before the line of its own report: progress from inside a report's task."""
    notebooks = sorted(p.stem for p in (four_reports.project / "notebooks").glob("*.ipynb"))
    timeline = four_reports.timeline
    for la in LAS:
        for year in YEARS:
            label = f"{la} {year}"
            finished = timeline.index(("report", label, next(w for l, w in four_reports.lines if l == label)))
            seen = [(entry[2], entry[3]) for entry in timeline[:finished] if entry[0] == "notebook" and entry[1] == label]
            assert sorted(name for name, _ in seen) == notebooks, (label, seen)
            assert {what for _, what in seen} == {"executed"}, seen
    assert not [e for e in timeline if e[0] == "notebook" and e[1] not in {f"{la} {y}" for la in LAS for y in YEARS}]


def _kill_first_busy_worker(scheduler: str, killed: list, stop: threading.Event) -> None:
    """Watch the cluster; once a report's task is running, kill that worker's process (SIGKILL)."""
    with Client(scheduler, timeout="30s") as watcher:
        while not stop.is_set():
            busy = [address for address, keys in watcher.processing().items() if keys]
            if busy:
                time.sleep(1.0)  # let it get into the build
                pid = watcher.run(os.getpid, workers=[busy[0]])[busy[0]]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
            time.sleep(0.05)


def test_a_killed_worker_leaves_the_site_whole_and_a_rerun_completes(project, cluster_site):
    """A worker killed mid-build (with no second chance for its task): the site stays whole, its report as it
    was; a rerun publishes every report, the local build's bytes."""
    _, options, local_site = project
    site, build, _, _ = cluster_site
    before = _files(site)
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        killed, stop = [], threading.Event()
        watcher = threading.Thread(target=_kill_first_busy_worker, args=(cluster.scheduler_address, killed, stop))
        watcher.start()
        try:
            records = build_reports(LAS, YEARS, out_root=site, build_root=build, scheduler=cluster.scheduler_address,
                                    force=True, progress=lambda *step: None, **options)
        finally:
            stop.set()
            watcher.join()
        assert killed
        failed = [r for r in records if r.error]
        assert len(failed) >= 1 and all("KilledWorker" in r.error for r in failed)
        _whole(site)
        after = _files(site)
        for record in failed:  # the killed report is the one published before, byte for byte
            prefix = f"{record.la}/{record.year}/"
            assert {k: v for k, v in after.items() if k.startswith(prefix)} == \
                   {k: v for k, v in before.items() if k.startswith(prefix)}

        rerun = build_reports(LAS, YEARS, out_root=site, build_root=build, scheduler=cluster.scheduler_address,
                              progress=lambda *step: None, **options)
    assert [r.error for r in rerun] == [None] * 4
    _whole(site)
    assert _files(site) == _files(local_site)


# ----------------------------------------------------------------- the national dataset the batch runs on

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DFE = Path(os.environ.get("CPSTATS_SHARED_REFERENCE", PROJECT_ROOT.parent / "shared" / "reference")) / "dfe"


@pytest.mark.skipif(not (DFE / "local_authorities.csv").is_file(), reason=f"DfE's files are not in {DFE}")
def test_national_synth_writes_each_authority_at_its_published_volumes(tmp_path):
    """Three authorities (the list cut short): a valid folder each, each year's referrals and enquiries the
    published ones, the same bytes from the same seed."""
    import shutil

    import pandas as pd

    from cpstats.cli import main
    from cpstats.data.dataset import load_dataset
    from cpstats.data.scale import published_volumes
    from cpstats.figures.measures import compute_measures

    dfe = tmp_path / "dfe"
    dfe.mkdir()
    for path in DFE.glob("*.csv"):
        shutil.copy(path, dfe)
    everyone = pd.read_csv(DFE / "local_authorities.csv")
    everyone[everyone["la_code"].isin([855, 857, 420])].to_csv(dfe / "local_authorities.csv", index=False)
    for out in ("one", "two"):
        assert main(["synth", "--national", "--out", str(tmp_path / out), "--dfe", str(dfe),
                     "--years", "2018-19:2019-20"]) == 0
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == ["isles-of-scilly", "leicestershire", "rutland"]
    assert _files(tmp_path / "one") == _files(tmp_path / "two")
    published = published_volumes(dfe)
    ds = load_dataset(tmp_path / "one" / "leicestershire")
    assert ds.la_code == 855 and "Leicestershire" in ds.name
    for year in ("2018-19", "2019-20"):
        measures = compute_measures(ds, year, population=140_000)
        assert measures["referrals"] == published.loc[(855, year), "referrals"]
        assert abs(measures["s47_enquiries"] - published.loc[(855, year), "s47_enquiries"]) < 0.05 * measures["s47_enquiries"]
        assert 0.5 * published.loc[(855, year), "plan_starts"] < measures["plan_starts"] < 1.5 * published.loc[(855, year), "plan_starts"]
    scilly = load_dataset(tmp_path / "one" / "isles-of-scilly")  # published counts withheld or tiny: the floors
    assert len(scilly.referrals) >= 40 and len(scilly.cp_plans) >= 1
