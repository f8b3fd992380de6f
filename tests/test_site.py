"""Several authorities and years in one site: back-tests, versions, revisions and the index."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from pypdf import PdfReader

from cpstats.publish.build import BuildRecord, build_report
from cpstats.data.dataset import dataset_fingerprint, load_dataset
from cpstats.publish.site import authorities, data_date
from tests.small_project import PROJECT_ROOT

@pytest.fixture(scope="module")
def site(four_reports):
    """Two years of the sample and the county, built by one call with two worker processes (tests/four_reports.py):
    (published site, build folder, project, data root, records)."""
    built = four_reports
    return built.site, built.build_root, built.project, built.data_root, built.records


def test_every_authority_and_year_is_published(site):
    """One call builds each of the four reports, with its HTML and PDF."""
    _, _, _, _, records = site
    assert [(r.la, r.year, r.error) for r in records] == [
        ("sample", "2016-17", None), ("sample", "2017-18", None), ("county", "2016-17", None), ("county", "2017-18", None)]
    for record in records:
        assert (record.site / "index.html").is_file()
        assert (record.site / f"child-protection-report-{record.la}-{record.year}.pdf").is_file()


def test_site_index_lists_every_report_newest_year_first_with_html_and_pdf(site):
    """_site/index.html: 2017-18 before 2016-17, each with links to its pages and its PDF."""
    index = (site[0] / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr><td>(\d{4}-\d\d)</td><td>([^<]+)</td>(.*?)</tr>", index)
    assert [(year, name) for year, name, _ in rows] == [
        ("2017-18", "Leicestershire (synthetic county)"), ("2017-18", "Rutland (synthetic sample)"),
        ("2016-17", "Leicestershire (synthetic county)"), ("2016-17", "Rutland (synthetic sample)")]
    for year, name, links in rows:
        la = "county" if "county" in name else "sample"
        assert f'href="{la}/{year}/index.html"' in links
        assert f'href="{la}/{year}/child-protection-report-{la}-{year}.pdf"' in links
        assert "version 1" in links


def test_each_report_states_its_version_on_its_about_page_and_in_its_pdf(site):
    """Year, cpstats version, commit, data fingerprint and a build date from the data, in HTML (the "About this
    report" page) and PDF."""
    _, _, _, data_root, records = site
    record = records[1]
    manifest = json.loads((record.site / "manifest.json").read_text(encoding="utf-8"))
    about = manifest["provenance"]
    assert about["year"] == "2017-18" and about["version"] == manifest["version"] == 1
    assert about["data_fingerprint"] == dataset_fingerprint(load_dataset(data_root / "sample").files)
    assert about["build_date"] == "2020-03-31"
    page = re.sub(r"<[^>]+>", "", (record.site / "about.html").read_text(encoding="utf-8"))  # its text (a year is in a span)
    pdf = " ".join(p.extract_text() for p in PdfReader(record.site / "child-protection-report-sample-2017-18.pdf").pages)
    for text in (page, " ".join(pdf.split())):
        assert "For those who audit this report" in text and "Reporting year: 2017-18" in text
        assert text.index("This release") < text.index("For those who audit this report")
        assert about["data_fingerprint"][:16] in text
        assert "31 March 2020" in text


def test_figures_are_published_with_each_report_and_the_first_back_test_compares_nothing(site):
    """figures.json holds every figure; the back-test of a first publication lists no change."""
    _, build_root, _, _, records = site
    figures = json.loads((records[1].site / "figures.json").read_text(encoding="utf-8"))
    assert figures["referrals"] == 305 and figures["category_during_year.EMO"] == 20
    assert all(r.first and r.changes == [] for r in records)
    assert (build_root / "sample" / "2017-18" / "backtest.csv").read_text(encoding="utf-8") == "figure,published,now\n"


def test_changed_figures_publish_a_new_version_and_keep_the_earlier_one(four_reports, tmp_path):
    """Data that change figures: version 2 published, version 1 kept whole, the changes listed (in a copy of the
    session's four reports, project, data, site and build folder, which other tests read as built)."""
    import shutil

    shutil.copytree(four_reports.root, tmp_path / "copy", symlinks=True,
                    ignore=shutil.ignore_patterns("local", ".jupyter_cache*", ".workers"))
    copy = tmp_path / "copy"
    project, data_root = copy / "project", copy / "data"
    site_root, build_root = copy / "cluster" / "_site", copy / "cluster" / "_build"
    referrals = data_root / "sample" / "referrals.csv"
    lines = referrals.read_text(encoding="utf-8").splitlines(keepends=True)
    dropped = next(i for i, line in enumerate(lines) if ",2017-06-" in line and ",Y\n" in line)  # a referral ending in NFA
    referrals.write_text("".join(lines[:dropped] + lines[dropped + 1:]), encoding="utf-8")
    record = BuildRecord("sample", "2017-18")
    build_report("sample", "2017-18", data_root=data_root, out_root=site_root, build_root=build_root,
                 renderer="builtin", project_dir=project, disclosure="public", jobs=2, progress=False, record=record)
    target = site_root / "sample" / "2017-18"
    assert record.version == 2 and record.new_version
    assert {c.figure: (c.published, c.now) for c in record.changes}["referrals"] == (305, 304)
    assert "referrals,305,304" in (build_root / "sample" / "2017-18" / "backtest.csv").read_text(encoding="utf-8")
    old = target / "versions" / "1"
    assert json.loads((old / "figures.json").read_text(encoding="utf-8"))["referrals"] == 305
    assert (old / "child-protection-report-sample-2017-18.pdf").is_file() and not (old / "versions").exists()
    revisions = (target / "revisions.html").read_text(encoding="utf-8")
    assert "Version 2" in revisions and "<th scope=\"row\">Referrals</th><td>305</td><td>304</td>" in revisions
    assert "Figures changed: Referrals" in revisions and "Data changed" in revisions
    assert 'href="revisions.html"' in (target / "about.html").read_text(encoding="utf-8")
    assert "version 2" in (site_root / "index.html").read_text(encoding="utf-8")

    again = BuildRecord("sample", "2017-18")
    build_report("sample", "2017-18", data_root=data_root, out_root=site_root, build_root=build_root,
                 renderer="builtin", project_dir=project, disclosure="public", jobs=2, progress=False, record=again)
    assert again.version == 2 and not again.new_version and again.changes == []
    assert sorted(p.name for p in (target / "versions").iterdir()) == ["1"]


def test_all_means_every_folder_with_la_yaml_but_reference():
    """cpstats build --la all builds the sample and the county."""
    assert authorities(PROJECT_ROOT / "data") == ["county", "sample"]


def test_the_build_date_is_the_end_of_the_last_reporting_year_in_the_data():
    """Taken from the data, never the clock: the 31 March after the latest event."""
    assert data_date(load_dataset(PROJECT_ROOT / "data" / "sample")) == dt.date(2020, 3, 31)


def test_cpstats_build_all_years_asks_for_every_authority_and_year(monkeypatch, capsys):
    """`cpstats build --la all --years 2014-15:2019-20` builds both authorities for six years."""
    import cpstats.publish.cluster
    from cpstats.cli import main

    asked = {}

    def fake(las, years, **options):
        asked.update(las=las, years=years, jobs=options["jobs"], force=options["force"])
        return [BuildRecord(la, year, site=PROJECT_ROOT / "_site" / la / year, first=True) for la in las for year in years]

    monkeypatch.setattr(cpstats.publish.cluster, "build_reports", fake)
    assert main(["build", "--la", "all", "--years", "2014-15:2019-20", "--jobs", "3", "--force"]) == 0
    assert asked == {"las": ["county", "sample"], "jobs": 3, "force": True,
                     "years": ["2014-15", "2015-16", "2016-17", "2017-18", "2018-19", "2019-20"]}
    assert capsys.readouterr().out.count("first publication") == 12


def test_uncommitted_changes_are_shown_in_the_provenance(tmp_path):
    """A report built from notebooks or commentary not yet committed says so beside the commit."""
    import subprocess

    from cpstats.publish.build import git_commit, git_dirty
    from cpstats.publish.site import provenance, provenance_markdown

    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01_introduction.ipynb").write_text("{}", encoding="utf-8")
    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "--allow-empty", "-m", "start")
    assert git_dirty(tmp_path)  # the notebook is not committed yet
    git("add", "notebooks")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "notebook")
    (tmp_path / "_build").mkdir()
    (tmp_path / "_build" / "x.ipynb").write_text("{}", encoding="utf-8")  # what a build writes does not count
    assert not git_dirty(tmp_path)
    commit = git_commit(tmp_path)
    clean = provenance_markdown(provenance(year="2017-18", version=1, cpstats_version="0", commit=commit,
                                           fingerprint="ab" * 32, date=None, date_source="", dirty=False))
    assert f"Git commit: {commit[:12]}\n" in clean
    (tmp_path / "notebooks" / "01_introduction.ipynb").write_text('{"edited": 1}', encoding="utf-8")
    assert git_dirty(tmp_path)
    dirty = provenance_markdown(provenance(year="2017-18", version=1, cpstats_version="0", commit=commit,
                                           fingerprint="ab" * 32, date=None, date_source="", dirty=git_dirty(tmp_path)))
    assert f"Git commit: {commit[:12]} with uncommitted changes" in dirty
    assert not git_dirty(tmp_path / "nowhere")
