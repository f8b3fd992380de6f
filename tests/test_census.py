"""CIN census returns: import into the data contract, export from it, and the round trip.

The third-party samples and schemas are read where they are kept
(``$CPSTATS_SHARED_REFERENCE/cin-census``, by default
``<project>/../shared/reference/cin-census``); tests that need them are skipped
when they are absent.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from lxml import etree

from cpstats.data.census import export_census, import_census, read_return
from cpstats.data.census.importer import REPORT_FILE
from cpstats.data.census.vocabulary import schema_for_year
from cpstats.cli import main
from cpstats.data.contract import DataValidationError
from cpstats.data.dataset import load_dataset
from cpstats.figures.measures import compute_measures
from cpstats.data.periods import ReportingYear
from tests.conftest import PROJECT_ROOT, SAMPLE, write_folder

REFERENCE = Path(os.environ.get("CPSTATS_SHARED_REFERENCE", PROJECT_ROOT.parent / "shared" / "reference"))
CENSUS = REFERENCE / "cin-census"
SAMPLES = CENSUS / "samples"
XSD = CENSUS / "xsd"

needs_census_files = pytest.mark.skipif(
    not SAMPLES.is_dir() or not XSD.is_dir(),
    reason=f"the third-party CIN census samples and schemas are not in {CENSUS} (set CPSTATS_SHARED_REFERENCE)",
)
needs_sample = pytest.mark.skipif(not (SAMPLE / "cp_plans.csv").exists(), reason="the sample authority is not in data/sample")

LOCAL_MEASURES = {
    "conferences_held", "conferences_with_domestic_abuse", "conferences_with_domestic_abuse_pct",
    "icpc_threshold_not_met", "children_with_advocate", "agency_attendance",
}
"""Measures of the local tables (conferences), which the census does not carry."""


def census_xml(children: str, reference_date: str = "2018-03-31", lea: str = "857") -> str:
    """A census return around the given ``<Child>`` elements."""
    return (
        "<Message><Header><CollectionDetails><Collection>CIN</Collection>"
        f"<ReferenceDate>{reference_date}</ReferenceDate></CollectionDetails>"
        f"<Source><LEA>{lea}</LEA></Source></Header>\n<Children>\n{children}</Children></Message>\n"
    )


def child_xml(child_id: str, sex: str = "<GenderCurrent>1</GenderCurrent>", born: str = "2010-05-05",
              upn: str = "", episodes: str = "") -> str:
    """One ``<Child>`` with the given identifiers and ``CINdetails`` (a plain referral by default)."""
    episodes = episodes or episode_xml("2017-06-01")
    upn = f"<UPN>{upn}</UPN>" if upn else ""
    return (
        f"<Child><ChildIdentifiers><LAchildID>{child_id}</LAchildID>{upn}"
        f"<PersonBirthDate>{born}</PersonBirthDate>{sex}</ChildIdentifiers>\n"
        "<ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics>\n"
        f"{episodes}</Child>\n"
    )


def episode_xml(referred: str, inner: str = "", nfa: str = "false", closed: str = "") -> str:
    closure = f"<CINclosureDate>{closed}</CINclosureDate>" if closed else ""
    return (
        f"<CINdetails><CINreferralDate>{referred}</CINreferralDate><ReferralSource>2A</ReferralSource>"
        f"<PrimaryNeedCode>N1</PrimaryNeedCode>{closure}{inner}<ReferralNFA>{nfa}</ReferralNFA></CINdetails>\n"
    )


def plan_xml(start: str, end: str = "", reviews: tuple[str, ...] = ()) -> str:
    ended = f"<CPPendDate>{end}</CPPendDate>" if end else ""
    listed = "".join(f"<CPPreviewDate>{r}</CPPreviewDate>" for r in reviews)
    return (
        f"<ChildProtectionPlans><CPPstartDate>{start}</CPPstartDate>{ended}"
        "<InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse><LatestCategoryOfAbuse>EMO</LatestCategoryOfAbuse>"
        f"<NumberOfPreviousCPP>0</NumberOfPreviousCPP>{'<Reviews>' + listed + '</Reviews>' if reviews else ''}"
        "</ChildProtectionPlans>"
    )


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def places(error: DataValidationError) -> set[tuple[str, int | None, str | None]]:
    """The (file, line, element) of every problem."""
    return {(p.file, p.row, p.column) for p in error.problems}


def table(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)


# ---------------------------------------------------------------- third-party samples


@needs_census_files
def test_fake_census_dated_after_its_reference_date_is_refused_at_each_date(tmp_path):
    """Data to Insight's return (ReferenceDate 2022-07-21) holds referrals up to 2030: each is refused at its line."""
    out = tmp_path / "la"
    with pytest.raises(DataValidationError) as caught:
        import_census([SAMPLES / "fake_CIN_data.xml"], out)
    assert {("fake_CIN_data.xml", 3693, "CINreferralDate"), ("fake_CIN_data.xml", 6457, "CINclosureDate")} <= places(caught.value)
    assert "2030-03-31 is after the data's last_year (2022-23)" in str(caught.value)
    assert not out.exists()


@needs_census_files
def test_fake_census_imports_with_its_counts(tmp_path):
    """Data to Insight's 332-child return, its ReferenceDate moved past its latest date, imports: every child
    and CIN episode, sex and disability mapped, and la.yaml records the year it covers."""
    out = tmp_path / "la"
    text = (SAMPLES / "fake_CIN_data.xml").read_text(encoding="utf-8").replace(
        "<ReferenceDate>2022-07-21</ReferenceDate>", "<ReferenceDate>2031-07-21</ReferenceDate>")
    result = import_census([write(tmp_path / "fake_CIN_data.xml", text)], out)
    ds = load_dataset(out)
    assert result.counts == {"children": 332, "referrals": 402, "s47_enquiries": 0, "cp_plans": 0,
                             "cp_reviews": 0, "assessment_factors": 0}
    assert ds.children["sex"].value_counts().to_dict() == {"U": 176, "M": 82, "F": 74}
    assert int(ds.children["disability"].sum()) == 71
    assert int(ds.referrals["no_further_action"].sum()) == 402
    assert int(ds.referrals["closure_date"].notna().sum()) == 252
    assert (ds.children["family_id"] == ds.children["child_id"]).all()
    assert ds.la == {"name": "LA 975", "la_code": 975, "first_year": "2031-32", "last_year": "2031-32"}
    report = (out / REPORT_FILE).read_text(encoding="utf-8")
    assert "DateOfInitialCPC x350" in report and "PersonDeathDate x21" in report
    assert "ReferenceDate 2031-07-21 is not 31 March; census year 2031-32" in report


@needs_census_files
def test_every_block_of_the_liia_sample_is_read(tmp_path):
    """Social Finance's one-child sample: one row per block, booleans true/false, factors kept, CINPlanDates skipped."""
    census = read_return(SAMPLES / "BAR_cin_2022.xml")
    t = census.tables
    assert census.census_year == ReportingYear(2021) and census.lea == "201" and census.problems == []
    assert {name: len(frame) for name, frame in t.items()} == {
        "children": 1, "referrals": 1, "s47_enquiries": 1, "cp_plans": 1, "cp_reviews": 1, "assessment_factors": 2}
    child = t["children"].iloc[0]
    assert (child["sex"], child["disability"], child["upn"]) == ("M", "Y", "A123456789123")
    assert (t["referrals"].at[0, "no_further_action"], t["s47_enquiries"].at[0, "icpc_requested"]) == ("N", "Y")
    assert list(t["assessment_factors"]["factor"]) == ["2A", "2B"]
    assert any("CINPlanDates x1" in note for note in census.notes)


@needs_census_files
def test_dates_before_1990_in_the_liia_sample_are_refused_with_their_lines(tmp_path):
    """The contract's date rule (1990 to 2100) refuses the sample's 1966-1971 dates, each at its line and element."""
    with pytest.raises(DataValidationError) as caught:
        import_census([SAMPLES / "BAR_cin_2022.xml"], tmp_path / "la")
    name = "BAR_cin_2022.xml"
    assert places(caught.value) == {
        (name, 24, "PersonBirthDate"), (name, 25, "ExpectedPersonBirthDate"), (name, 37, "CINreferralDate"),
        (name, 40, "CINclosureDate"), (name, 44, "AssessmentActualStartDate"), (name, 57, "S47ActualStartDate"),
        (name, 59, "DateOfInitialCPC"), (name, 64, "CPPstartDate"), (name, 65, "CPPendDate"), (name, 70, "CPPreviewDate"),
    }
    assert not (tmp_path / "la").exists()


@needs_census_files
def test_liia_sample_with_plausible_dates_imports_one_record_per_block(tmp_path):
    """The same sample with every year moved 50 years on imports: derived identifiers, one row per block."""
    text = (SAMPLES / "BAR_cin_2022.xml").read_text(encoding="utf-8")
    shifted = re.sub(r"\b(19[67]\d)-", lambda m: f"{int(m.group(1)) + 50}-", text)
    out = tmp_path / "la"
    result = import_census([write(tmp_path / "bar_shifted.xml", shifted)], out)
    assert result.counts == {"children": 1, "referrals": 1, "s47_enquiries": 1, "cp_plans": 1,
                             "cp_reviews": 1, "assessment_factors": 2}
    assert table(out, "cp_plans").iloc[0].to_dict() == {
        "plan_id": "DfEX0000001-P20200217", "child_id": "DfEX0000001", "start_date": "2020-02-17",
        "end_date": "2021-03-14", "initial_category": "PHY", "latest_category": "PHY", "previous_plans": "10"}
    assert table(out, "s47_enquiries").iloc[0].to_dict() == {
        "s47_id": "DfEX0000001-R20201006-S20200202", "child_id": "DfEX0000001", "referral_id": "DfEX0000001-R20201006",
        "strategy_discussion_date": "2020-02-02", "s47_start_date": "2020-02-02", "icpc_requested": "Y",
        "icpc_date": "2020-02-11"}
    assert table(out, "assessment_factors").to_dict("records") == [
        {"child_id": "DfEX0000001", "referral_id": "DfEX0000001-R20201006", "assessment_start_date": "2020-06-03", "factor": "2A"},
        {"child_id": "DfEX0000001", "referral_id": "DfEX0000001-R20201006", "assessment_start_date": "2020-06-03", "factor": "2B"},
    ]


@needs_census_files
@pytest.mark.parametrize("name, empty_factors_line", [("CIN_Census_2024.xml", 95), ("CIN_Census_2026.xml", 107)])
def test_deliberately_invalid_samples_are_refused_with_line_and_element(tmp_path, name, empty_factors_line):
    """Stray text, <Sex>1</Sex>, factor RB and an empty factor list are each refused where they are."""
    out = tmp_path / "la"
    with pytest.raises(DataValidationError) as caught:
        import_census([SAMPLES / name], out)
    assert places(caught.value) == {
        (name, 23, "ChildIdentifiers"), (name, 25, "Sex"), (name, 46, "AssessmentFactors"),
        (name, empty_factors_line, "FactorsIdentifiedAtAssessment"),
    }
    assert f"{name}, line 25, element <Sex>: '1' is not an allowed Sex code (M, F, U)" in str(caught.value)
    assert not out.exists()


@needs_census_files
def test_preproceedings_block_is_skipped_with_a_note():
    """The 2025-26 PreProceedingsandFGDM block is read past and counted."""
    census = read_return(SAMPLES / "CIN_Census_2026.xml")
    assert any("PreProceedingsandFGDM x1" in note for note in census.notes)
    assert any("header Year 2023 differs from ReferenceDate 2024-03-31" in note for note in census.notes)


@needs_census_files
def test_file_that_is_not_well_formed_is_refused_at_its_line(tmp_path):
    """A truncated file and a mismatched closing tag are refused with the line and element the parser stopped at."""
    lines = (SAMPLES / "fake_CIN_data.xml").read_text(encoding="utf-8").splitlines(keepends=True)
    truncated = write(tmp_path / "truncated.xml", "".join(lines[:30]))
    mismatched = write(tmp_path / "mismatched.xml", "".join(lines).replace("</GenderCurrent>", "</Gender>", 1))
    with pytest.raises(DataValidationError) as caught:
        import_census([truncated, mismatched], tmp_path / "la")
    assert places(caught.value) == {("truncated.xml", 31, "CINdetails"), ("mismatched.xml", 23, "GenderCurrent")}
    assert not (tmp_path / "la").exists()


# ---------------------------------------------------------------- formats and mapping


def test_sex_codes_and_yes_no_values_of_every_format_are_mapped(tmp_path):
    """GenderCurrent 1/2/0/9 and Sex M/F/U become M/F/U; true/TRUE/1 and false/0 become Y/N."""
    people = "".join([
        child_xml("G1", "<GenderCurrent>1</GenderCurrent>", episodes=episode_xml("2017-06-01", nfa="true")),
        child_xml("G2", "<GenderCurrent>2</GenderCurrent>", episodes=episode_xml("2017-06-01", nfa="TRUE")),
        child_xml("G0", "<GenderCurrent>0</GenderCurrent>", episodes=episode_xml("2017-06-01", nfa="1")),
        child_xml("G9", "<GenderCurrent>9</GenderCurrent>", episodes=episode_xml("2017-06-01", nfa="0")),
        child_xml("SF", "<Sex>F</Sex>"),
    ])
    out = tmp_path / "la"
    import_census([write(tmp_path / "r.xml", census_xml(people))], out)
    assert dict(zip(table(out, "children")["child_id"], table(out, "children")["sex"])) == {
        "G0": "U", "G1": "M", "G2": "F", "G9": "U", "SF": "F"}
    assert dict(zip(table(out, "referrals")["child_id"], table(out, "referrals")["no_further_action"])) == {
        "G0": "Y", "G1": "Y", "G2": "Y", "G9": "N", "SF": "N"}


def test_unknown_codes_are_refused_at_their_element(tmp_path):
    """A Sex code in GenderCurrent, a yes/no 'yes' and a referral source outside the census list are refused."""
    people = child_xml("A", "<GenderCurrent>M</GenderCurrent>", episodes=episode_xml("2017-06-01", nfa="yes"))
    people = people.replace("<ReferralSource>2A</ReferralSource>", "<ReferralSource>11</ReferralSource>")
    with pytest.raises(DataValidationError) as caught:
        import_census([write(tmp_path / "r.xml", census_xml(people))], tmp_path / "la")
    assert places(caught.value) == {("r.xml", 3, "GenderCurrent"), ("r.xml", 5, "ReferralNFA"), ("r.xml", 5, "ReferralSource")}


def test_missing_required_item_is_named_at_its_block(tmp_path):
    """A plan without its categories is refused at the plan's line, naming the missing element."""
    plan = "<ChildProtectionPlans><CPPstartDate>2017-07-01</CPPstartDate><NumberOfPreviousCPP>0</NumberOfPreviousCPP></ChildProtectionPlans>"
    people = child_xml("A", episodes=episode_xml("2017-06-01", inner=plan))
    with pytest.raises(DataValidationError) as caught:
        import_census([write(tmp_path / "r.xml", census_xml(people))], tmp_path / "la")
    assert places(caught.value) == {("r.xml", 5, "InitialCategoryOfAbuse"), ("r.xml", 5, "LatestCategoryOfAbuse")}


def test_families_csv_groups_siblings(tmp_path):
    """With --families, children share the family given; a child not listed is its own family."""
    people = child_xml("A") + child_xml("B") + child_xml("C")
    families = write(tmp_path / "families.csv", "child_id,family_id\nA,F1\nB,F1\n")
    out = tmp_path / "la"
    import_census([write(tmp_path / "r.xml", census_xml(people))], out, families=families)
    assert dict(zip(table(out, "children")["child_id"], table(out, "children")["family_id"])) == {"A": "F1", "B": "F1", "C": "C"}


def test_existing_la_yaml_is_kept_and_must_match_the_lea(tmp_path):
    """An authority's la.yaml is not overwritten; returns of another LEA are refused."""
    out = tmp_path / "la"
    out.mkdir()
    write(out / "la.yaml", "name: Rutland\nla_code: 857\n")
    return_file = write(tmp_path / "r.xml", census_xml(child_xml("A")))
    import_census([return_file], out)
    assert (out / "la.yaml").read_text(encoding="utf-8") == "name: Rutland\nla_code: 857\n"
    other = write(tmp_path / "other.xml", census_xml(child_xml("A"), lea="201"))
    with pytest.raises(DataValidationError) as caught:
        import_census([other], out)
    assert places(caught.value) == {("la.yaml", None, "la_code")}


def test_new_la_yaml_describes_the_authority_from_the_reference_tables(tmp_path):
    """A new la.yaml names the authority, its region and statistical neighbours as data/reference knows its LEA,
    the extract date (the latest ReferenceDate) and the years covered; every key it writes is documented."""
    from cpstats.data.comparators import neighbours_of
    from cpstats.data.contract import LA_KEYS

    returns = [write(tmp_path / f"r{year}.xml", census_xml(child_xml("A", episodes=episode_xml(f"{year - 1}-06-01")),
                                                           reference_date=f"{year}-03-31")) for year in (2017, 2018)]
    out = tmp_path / "rutland"
    result = import_census(returns, out)
    la = yaml.safe_load((out / "la.yaml").read_text(encoding="utf-8"))
    assert la == {"name": "Rutland", "la_code": 857, "region": "East Midlands",
                  "statistical_neighbours": neighbours_of(857), "extract_date": "2018-03-31",
                  "first_year": "2016-17", "last_year": "2017-18"}
    assert len(la["statistical_neighbours"]) == 10
    assert list(la) == [key for key, _, _ in LA_KEYS if key in la]  # every key documented, in the documented order
    assert ("la.yaml written (name 'Rutland', region East Midlands, 10 statistical neighbours, extract date "
            "2018-03-31; years covered completely: 2016-17 to 2017-18)") in result.report
    ds = load_dataset(out)
    assert ds.name == "Rutland" and ds.coverage.first.label == "2016-17" and ds.coverage.last.label == "2017-18"


def test_a_code_the_reference_tables_do_not_know_gets_a_placeholder_name_and_says_how_to_add_it(tmp_path):
    out = tmp_path / "la"
    result = import_census([write(tmp_path / "r.xml", census_xml(child_xml("A"), lea="975"))], out)
    la = yaml.safe_load((out / "la.yaml").read_text(encoding="utf-8"))
    assert la == {"name": "LA 975", "la_code": 975, "extract_date": "2018-03-31", "first_year": "2017-18",
                  "last_year": "2017-18"}
    assert "LA 975 is not in the reference tables" in result.report and "cpstats reference import" in result.report


def test_a_re_import_reports_the_coverage_la_yaml_declares(tmp_path):
    """Re-importing into a folder whose la.yaml declares its years does not ask for them; one without them is told
    the values to add; one that differs from the returns is told both."""
    out = tmp_path / "la"
    return_file = write(tmp_path / "r.xml", census_xml(child_xml("A")))
    import_census([return_file], out)
    again = import_census([return_file], out).report
    assert "la.yaml kept as it was (years covered completely: 2017-18 to 2017-18)" in again and "add first_year" not in again
    write(out / "la.yaml", "name: Rutland\nla_code: 857\n")
    assert ("la.yaml kept as it was (add first_year: 2017-18 and last_year: 2017-18 to it: the census years the "
            "returns cover)") in import_census([return_file], out).report
    write(out / "la.yaml", "name: Rutland\nla_code: 857\nfirst_year: 2016-17\nlast_year: 2017-18\n")
    assert "it declares 2016-17 to 2017-18; the returns cover 2017-18 to 2017-18" in import_census([return_file], out).report


# ---------------------------------------------------------------- several years


def test_plan_seen_in_two_returns_becomes_one_plan(tmp_path):
    """A plan open at one 31 March and ended in the next return is one plan; its reviews are merged."""
    first = plan_xml("2017-10-01", reviews=("2017-12-20",))
    second = plan_xml("2017-10-01", end="2018-09-30", reviews=("2017-12-20", "2018-06-15"))
    returns = [
        write(tmp_path / "2017-18.xml", census_xml(child_xml("A", episodes=episode_xml("2017-09-01", first)), "2018-03-31")),
        write(tmp_path / "2018-19.xml", census_xml(child_xml("A", episodes=episode_xml("2017-09-01", second)), "2019-03-31")),
    ]
    out = tmp_path / "la"
    result = import_census(returns, out)
    assert table(out, "cp_plans")[["plan_id", "start_date", "end_date"]].to_dict("records") == [
        {"plan_id": "A-P20171001", "start_date": "2017-10-01", "end_date": "2018-09-30"}]
    assert list(table(out, "cp_reviews")["review_date"]) == ["2017-12-20", "2018-06-15"]
    assert len(table(out, "referrals")) == 1
    assert "plans open at one 31 March and ended in a later return: 1" in result.report
    assert "plans (LAchildID + CPPstartDate): 1 from 2 read; 1 in more than one return" in result.report


def test_changed_identifier_is_reported_and_not_merged(tmp_path):
    """A child whose LAchildID changed stays two children, and the report names both identifiers."""
    episode = episode_xml("2017-09-01", plan_xml("2017-10-01"))
    returns = [
        write(tmp_path / "a.xml", census_xml(child_xml("OLD1", upn="A123456789012", episodes=episode), "2018-03-31")),
        write(tmp_path / "b.xml", census_xml(child_xml("NEW1", upn="A123456789012", episodes=episode), "2019-03-31")),
    ]
    out = tmp_path / "la"
    result = import_census(returns, out)
    assert sorted(table(out, "children")["child_id"]) == ["NEW1", "OLD1"]
    assert "LAchildID 'NEW1' (2018-19) and 'OLD1' (2017-18): share UPN A123456789012" in result.report
    assert (out / REPORT_FILE).read_text(encoding="utf-8") == result.report


def test_identifier_that_stops_as_another_starts_is_reported_but_twins_are_not(tmp_path):
    """Same birth date and referral under an identifier that ends and one that begins is listed; twins are not."""
    episode = episode_xml("2017-09-01")
    returns = [
        write(tmp_path / "a.xml", census_xml(child_xml("OLD1", episodes=episode) + child_xml("TWIN1", episodes=episode)
                                             + child_xml("TWIN2", episodes=episode), "2018-03-31")),
        write(tmp_path / "b.xml", census_xml(child_xml("NEW1", episodes=episode) + child_xml("TWIN1", episodes=episode)
                                             + child_xml("TWIN2", episodes=episode), "2019-03-31")),
    ]
    result = import_census(returns, tmp_path / "la")
    listed = [line.strip() for line in result.report.splitlines() if line.strip().startswith("LAchildID")]
    assert listed == ["LAchildID 'OLD1' (2017-18) and 'NEW1' (2018-19): same date of birth 2010-05-05 and "
                      "CINreferralDate 2017-09-01, and the first is in no return once the second appears"]


def test_refused_import_leaves_the_destination_as_it_was(tmp_path):
    """A refused import writes nothing: the folder's existing files are unchanged and no new file appears."""
    out = write_folder(tmp_path / "la", children=[{"child_id": "C1", "family_id": "F1"}])
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    bad = write(tmp_path / "bad.xml", census_xml(child_xml("A", "<GenderCurrent>7</GenderCurrent>")))
    with pytest.raises(DataValidationError):
        import_census([bad], out)
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before


def test_two_returns_for_one_year_are_refused(tmp_path):
    """Two files with the same census year are refused at the second file's ReferenceDate."""
    first = write(tmp_path / "a.xml", census_xml(child_xml("A"), "2018-03-31"))
    second = write(tmp_path / "b.xml", census_xml(child_xml("B"), "2018-03-31"))
    with pytest.raises(DataValidationError) as caught:
        import_census([first, second], tmp_path / "la")
    assert places(caught.value) == {("b.xml", 1, "ReferenceDate")}


# ---------------------------------------------------------------- export


@needs_census_files
@pytest.mark.parametrize("label, schema, why", [
    ("2017-18", "CIN_schema_2023.xsd", "the oldest schema available"),
    ("2023-24", "CIN_schema_2023.xsd", "the newest schema before that year"),
    ("2024-25", "CIN_schema_2025.xsd", "the schema for 2024-25"),
    ("2025-26", "CIN_schema_2026.xsd", "the schema for 2025-26"),
    ("2026-27", "CIN_schema_2026.xsd", "the newest schema before that year"),
])
def test_schema_of_the_year_or_the_nearest_is_chosen(label, schema, why):
    """Each census year is checked against its schema, else the nearest one of the same format."""
    path, note = schema_for_year(ReportingYear.parse(label), XSD)
    assert path.name == schema and why in note


TINY = {
    "children": [
        {"child_id": "A1", "sex": "F", "date_of_birth": "2015-01-01", "disability": "Y"},
        {"child_id": "U1", "sex": "U", "date_of_birth": "2025-06-01", "expected_date_of_birth": "2025-05-20"},
    ],
    "referrals": [
        {"referral_id": "R1", "child_id": "A1", "referral_date": "2024-05-01", "closure_date": "2025-06-30"},
        {"referral_id": "R2", "child_id": "U1", "referral_date": "2025-01-10"},
    ],
    "s47_enquiries": [{"s47_id": "S1", "child_id": "A1", "referral_id": "R1", "strategy_discussion_date": "2024-05-02",
                       "s47_start_date": "2024-05-03", "icpc_date": "2024-05-20"}],
    "cp_plans": [
        {"plan_id": "P1", "child_id": "A1", "start_date": "2024-05-20", "end_date": "2025-06-01"},
        {"plan_id": "P2", "child_id": "U1", "start_date": "2025-02-01"},
    ],
    "cp_reviews": [{"plan_id": "P1", "review_date": "2024-08-01"}, {"plan_id": "P1", "review_date": "2025-02-01"},
                   {"plan_id": "P2", "review_date": "2025-04-20"}],
}


@needs_census_files
def test_export_is_the_return_as_it_stood_at_31_march(tmp_path):
    """Nothing after 31 March: no end or closure date, no later review, an unborn child's expected date only."""
    data = write_folder(tmp_path / "data", **TINY)
    result = export_census(data, "2024-25", tmp_path / "2024-25.xml", xsd_dir=XSD)
    document = etree.parse(str(result.path))
    assert result.schema.name == "CIN_schema_2025.xsd"
    assert document.findtext("Header/CollectionDetails/ReferenceDate") == "2025-03-31"
    assert [e.text for e in document.iter("Sex")] == ["F", "U"]
    assert [e.text for e in document.iter("Disability")] == ["DDA", "NONE"]
    assert document.find(".//CINclosureDate") is None and document.find(".//CPPendDate") is None
    assert [e.text for e in document.iter("CPPreviewDate")] == ["2024-08-01", "2025-02-01"]
    assert document.find(".//PersonBirthDate[.='2025-06-01']") is None
    assert [e.text for e in document.iter("ExpectedPersonBirthDate")] == ["2025-05-20"]
    assert [e.text for e in document.iter("ICPCnotRequired")] == ["0"]


@needs_census_files
@pytest.mark.parametrize("label, schema, item", [
    ("2023-24", "CIN_schema_2023.xsd", "GenderCurrent"),
    ("2024-25", "CIN_schema_2025.xsd", "Sex"),
    ("2025-26", "CIN_schema_2026.xsd", "Sex"),
])
def test_export_of_recent_years_is_valid_against_their_schema(tmp_path, label, schema, item):
    """GenderCurrent up to 2023-24, Sex from 2024-25, each valid against the schema of its format."""
    tiny = {**TINY, "referrals": TINY["referrals"] + [
        {"referral_id": "R0", "child_id": "A1", "referral_date": "2023-06-01", "closure_date": "2023-07-01"}]}
    data = write_folder(tmp_path / "data", **tiny)
    out = export_census(data, label, tmp_path / f"{label}.xml", xsd_dir=XSD).path
    document = etree.parse(str(out))
    assert etree.XMLSchema(etree.parse(str(XSD / schema))).validate(document)
    assert document.find(f".//{item}") is not None


def test_export_of_a_year_without_children_is_refused(tmp_path):
    """A census return needs at least one child; a year with none is refused and no file written."""
    data = write_folder(tmp_path / "data", **TINY)
    with pytest.raises(ValueError, match="no child had a CIN episode open in 2019-20"):
        export_census(data, "2019-20", tmp_path / "empty.xml", xsd_dir=tmp_path)
    assert not (tmp_path / "empty.xml").exists()


# ---------------------------------------------------------------- round trip with the sample


def _sample_years() -> list[str]:
    """Every census year the sample has referrals in (its history starts before the report's years)."""
    if not (SAMPLE / "referrals.csv").exists():
        return []
    dates = pd.read_csv(SAMPLE / "referrals.csv", usecols=["referral_date"], parse_dates=["referral_date"])["referral_date"]
    years = dates.dt.year - (dates.dt.month < 4)
    return [ReportingYear(year).label for year in range(int(years.min()), int(years.max()) + 1)]


SAMPLE_YEARS = _sample_years()
REPORT_YEARS = ["2014-15", "2015-16", "2016-17", "2017-18", "2018-19", "2019-20"]


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    """Every year of the sample exported, then all the returns imported together (families from the sample)."""
    if not SAMPLES.is_dir() or not (SAMPLE / "cp_plans.csv").exists():
        pytest.skip("needs the sample authority and the CIN census schemas")
    folder = tmp_path_factory.mktemp("census")
    exported = {label: export_census(SAMPLE, label, folder / f"cin_{label}.xml", xsd_dir=XSD) for label in SAMPLE_YEARS}
    original = load_dataset(SAMPLE)
    families = folder / "families.csv"
    original.children[["child_id", "family_id"]].to_csv(families, index=False)
    import_census([r.path for r in exported.values()], folder / "imported", families=families)
    return original, load_dataset(folder / "imported"), exported


@needs_census_files
@needs_sample
@pytest.mark.parametrize("label", REPORT_YEARS)
def test_exported_sample_returns_are_valid_against_the_oldest_schema(round_trip, label):
    """No schema exists for these years: each return is valid against CIN_schema_2023.xsd, the oldest."""
    _, _, exported = round_trip
    result = exported[label]
    assert result.schema.name == "CIN_schema_2023.xsd" and "the oldest schema available" in result.schema_note
    assert etree.XMLSchema(etree.parse(str(XSD / "CIN_schema_2023.xsd"))).validate(etree.parse(str(result.path)))


@needs_census_files
@needs_sample
@pytest.mark.parametrize("label", REPORT_YEARS)
def test_round_trip_through_the_census_keeps_every_core_measure(round_trip, label):
    """Export each year, import them all: every measure the census carries is the sample's own."""
    original, imported, _ = round_trip
    before = compute_measures(original, label, 8000)
    after = compute_measures(imported, label, 8000)
    core = [name for name in before if name not in LOCAL_MEASURES]
    assert {name: after[name] for name in core} == {name: before[name] for name in core}
    assert before["plan_starts"] > 0 and before["referrals"] > 0


@needs_census_files
@needs_sample
def test_round_trip_keeps_every_record(round_trip):
    """The imported history holds as many referrals, enquiries, plans and reviews as the sample."""
    original, imported, _ = round_trip
    for name in ("children", "referrals", "s47_enquiries", "cp_plans", "cp_reviews"):
        assert len(getattr(imported, name)) == len(getattr(original, name)), name


# ---------------------------------------------------------------- command line


@needs_census_files
def test_command_line_imports_and_refuses(tmp_path, capsys):
    """`cpstats import cin-census` exits 0 and writes the report; a bad file exits 2 naming line and element."""
    out = tmp_path / "la"
    text = (SAMPLES / "fake_CIN_data.xml").read_text(encoding="utf-8").replace(
        "<ReferenceDate>2022-07-21</ReferenceDate>", "<ReferenceDate>2031-07-21</ReferenceDate>")
    assert main(["import", "cin-census", str(write(tmp_path / "fake.xml", text)), "--out", str(out)]) == 0
    assert "children (LAchildID): 332 from 332 read" in capsys.readouterr().out
    assert (out / REPORT_FILE).exists()
    assert main(["import", "cin-census", str(SAMPLES / "CIN_Census_2024.xml"), "--out", str(tmp_path / "bad")]) == 2
    assert "CIN_Census_2024.xml, line 25, element <Sex>" in capsys.readouterr().err


@needs_census_files
def test_command_line_exports_a_year(tmp_path, capsys):
    """`cpstats export cin-census` writes the year's return and says which schema checked it."""
    data = write_folder(tmp_path / "data", **TINY)
    out = tmp_path / "cin.xml"
    assert main(["export", "cin-census", "--data", str(data), "--year", "2024-25", "--out", str(out),
                 "--xsd-dir", str(XSD)]) == 0
    printed = capsys.readouterr().out
    assert out.exists() and "census return 2024-25, 2 children, 2 referrals, 2 plans" in printed
