"""What a release states (the Code of Practice for Statistics), from la.yaml: its date, status, contact and
revisions policy; each checked, refused with one line naming la.yaml and the key, and shown first on About."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cpstats.data.authority import DEFAULT_REVISIONS, STATUSES, la_problems
from cpstats.present.release import release_facts
from cpstats.data.periods import ReportingYear
from cpstats.publish.render import release_blocks, with_release

PROJECT_ROOT = Path(__file__).resolve().parents[1]
YEAR = ReportingYear.parse("2017-18")
BASE = {"name": "Rutland", "la_code": 857}


@pytest.mark.parametrize(("settings", "key", "words"), [
    ({"published": "2018-10-15"}, "published", "give each report's release date by its reporting year"),
    ({"published": {"2017-18": "2018-02-30"}}, "published.2017-18", "is not a real date"),
    ({"published": {"2017-18": "2018-03-31"}}, "published.2017-18", "is not after the year ends"),
    ({"published": {"17/18": "2018-10-15"}}, "published", "is not a reporting year"),
    ({"status": "national statistics"}, "status", "is not a status; give one of: management information"),
    ({"status": True}, "status", "is not a status"),
    ({"contact": "=HYPERLINK(\"x\")"}, "contact", "formula"),
    ({"contact": ""}, "contact", "is empty"),
    ({"revisions": "x" * 501}, "revisions", "longer than 500"),
    ({"revisions": "Fixed\u202eat once"}, "revisions", "format character"),
])
def test_bad_release_settings_are_refused_naming_the_key(settings, key, words):
    problems = la_problems({**BASE, **settings})
    assert len(problems) == 1, problems
    assert problems[0].column == key and words in problems[0].message, problems[0]


def test_good_release_settings_pass_and_say_what_they_mean():
    la = {**BASE, "published": {"2017-18": "2018-10-15"}, "status": "Official  Statistics", "contact": "Performance Team"}
    assert la_problems(la) == []
    facts = dict(release_facts(la, YEAR, draft=False))
    assert facts["Published"] == "15 October 2018"
    assert facts["Status"] == STATUSES["official statistics"]
    assert facts["Contact"] == "Performance Team"
    assert facts["Revisions and corrections"] == DEFAULT_REVISIONS
    assert dict(release_facts(la, YEAR.previous(), draft=False))["Published"].startswith("Not stated")
    assert dict(release_facts(la, YEAR, draft=True))["Published"].startswith("Not published: this is an internal draft")


def test_the_release_comes_first_on_about_and_its_text_stays_text():
    front = [{"t": "Header", "c": [1, ["", [], []], [{"t": "Str", "c": "About"}]]}, {"t": "Para", "c": []},
             {"t": "Header", "c": [2, ["", [], []], [{"t": "Str", "c": "How"}]]}]
    blocks = with_release(front, [("Contact", "[phish](https://evil.example) **x**")])
    assert [b["t"] for b in blocks] == ["Header", "Para", "Header", "BulletList", "Header"]
    assert {"t": "Str", "c": "[phish](https://evil.example)"} in blocks[3]["c"][0][0]["c"]
    assert release_blocks([]) == []


def test_validate_refuses_a_bad_status_in_one_line(tmp_path):
    data = shutil.copytree(PROJECT_ROOT / "data" / "sample", tmp_path / "bad")
    text = (data / "la.yaml").read_text(encoding="utf-8").replace("status: management information", "status: statistics")
    (data / "la.yaml").write_text(text, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "cpstats", "validate", "--data", str(data)], capture_output=True,
                            text=True, timeout=180, cwd=PROJECT_ROOT)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if "la.yaml" in line]
    assert len(lines) == 1 and "status" in lines[0] and "statistics" in lines[0], result.stderr


def test_every_table_and_chart_of_the_built_report_has_a_source_line(public_report):
    """Code of Practice: the source of every table and chart is stated beneath it, on every page."""
    import re

    for page in sorted(public_report.report.glob("[0-9]*.html")):
        markup = page.read_text(encoding="utf-8")
        shown = markup.count("<table") + len(re.findall(r"<img\b", markup))
        sources = len(re.findall(r"<em>Source: ", markup))
        assert sources >= shown, (page.name, shown, sources)


def test_the_front_page_says_when_the_report_was_published_and_its_status():
    import datetime as dt

    from cpstats.publish.render import ReportInfo, release_line

    la = {**BASE, "published": {"2017-18": "2018-10-15"}, "status": "official statistics"}
    info = ReportInfo(title="T", subtitle="S", period="P", lang="en-GB", version="0", pdf_name="r.pdf",
                      timestamp=dt.datetime(2018, 3, 31), release=tuple(release_facts(la, YEAR, draft=False)))
    assert release_line(info) == "Published 15 October 2018. Official statistics."
    draft = ReportInfo(title="T", subtitle="S", period="P", lang="en-GB", version="0", pdf_name="r.pdf",
                       timestamp=dt.datetime(2018, 3, 31), release=tuple(release_facts(la, YEAR, draft=True)))
    assert release_line(draft) == ""
