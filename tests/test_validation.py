"""Bad input is refused with every problem named by file, row and column."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpstats.cli import main
from cpstats.data.contract import DataValidationError
from cpstats.data.dataset import load_dataset
from tests.conftest import write_folder

GOOD = {
    "children": [
        {"child_id": "C1", "family_id": "F1"},
        {"child_id": "C2", "family_id": "F1", "sex": "U", "date_of_birth": "", "expected_date_of_birth": "2018-05-01"},
    ],
    "referrals": [{"referral_id": "R1", "child_id": "C1", "referral_date": "2017-05-01"}],
    "s47_enquiries": [{"s47_id": "S1", "child_id": "C1", "referral_id": "R1", "strategy_discussion_date": "2017-05-02",
                       "s47_start_date": "2017-05-03", "icpc_date": "2017-05-20"}],
    "cp_plans": [{"plan_id": "P1", "child_id": "C1", "start_date": "2017-05-20", "end_date": "2017-12-01"}],
    "cp_reviews": [{"plan_id": "P1", "review_date": "2017-08-01"}],
}


def refused(tmp_path, **changes) -> DataValidationError:
    tables = {name: [dict(r) for r in rows] for name, rows in GOOD.items()}
    for name, rows in changes.items():
        tables[name] = rows
    with pytest.raises(DataValidationError) as caught:
        load_dataset(write_folder(tmp_path / "data", **tables))
    return caught.value


def test_good_folder_loads(tmp_path):
    """The reference folder of this file is valid, so each case below fails for its own reason."""
    ds = load_dataset(write_folder(tmp_path / "data", **GOOD))
    assert len(ds.children) == 2 and ds.cp_plans.index[0] == 2


@pytest.mark.parametrize("table, row, column, change, words", [
    ("children", 2, "sex", {"sex": "X"}, "not an allowed code"),
    ("children", 2, "ethnicity", {"ethnicity": "WBR"}, "not an allowed code"),
    ("children", 2, "date_of_birth", {"date_of_birth": "2017-02-30"}, "not a real date"),
    ("children", 2, "date_of_birth", {"date_of_birth": "01/05/2010"}, "not a real date"),
    ("children", 2, "disability", {"disability": "yes"}, "must be Y or N"),
    ("children", 2, "child_id", {"child_id": "=HYPERLINK(\"http://x\")"}, "formula"),
    ("referrals", 2, "referral_source", {"referral_source": "11"}, "not an allowed code"),
    ("referrals", 2, "closure_date", {"closure_date": "2017-04-01"}, "before referral_date"),
    ("cp_plans", 2, "end_date", {"end_date": "2017-05-01"}, "before start_date"),
    ("cp_plans", 2, "previous_plans", {"previous_plans": "-1"}, "whole number"),
    ("cp_plans", 2, "previous_plans", {"previous_plans": "900"}, "outside the allowed range"),
    ("cp_plans", 2, "initial_category", {"initial_category": "ABC"}, "not an allowed code"),
    ("cp_plans", 2, "start_date", {"start_date": ""}, "blank but required"),
    ("s47_enquiries", 2, "s47_start_date", {"s47_start_date": "2017-05-01"}, "before strategy_discussion_date"),
    ("s47_enquiries", 2, "referral_id", {"referral_id": "R9"}, "does not exist in referrals.csv"),
    ("cp_reviews", 2, "review_date", {"review_date": "2018-01-01"}, "outside plan"),
    ("cp_reviews", 2, "plan_id", {"plan_id": "P9"}, "does not exist in cp_plans.csv"),
])
def test_bad_cell_is_named_by_file_row_and_column(tmp_path, table, row, column, change, words):
    """Each broken cell is reported with its file, row and column and what was expected."""
    rows = [dict(r) for r in GOOD[table]]
    rows[row - 2].update(change)
    error = refused(tmp_path, **{table: rows})
    text = str(error)
    assert f"{table}.csv, row {row}, column {column}:" in text, text
    assert words in text, text


def test_orphan_child_in_plans(tmp_path):
    """A plan for a child not in children.csv is refused."""
    rows = GOOD["cp_plans"] + [{"plan_id": "P2", "child_id": "C404", "start_date": "2018-01-01"}]
    assert "cp_plans.csv, row 3, column child_id: 'C404' does not exist in children.csv" in str(refused(tmp_path, cp_plans=rows))


def test_duplicate_identifiers(tmp_path):
    """A repeated plan_id is refused, naming the rows."""
    rows = GOOD["cp_plans"] + [{"plan_id": "P1", "child_id": "C1", "start_date": "2018-01-01"}]
    text = str(refused(tmp_path, cp_plans=rows))
    assert "cp_plans.csv, row 3, column plan_id: 'P1' appears more than once" in text


def test_two_open_plans_for_one_child(tmp_path):
    """A child with overlapping plans is refused: one open plan at a time."""
    rows = GOOD["cp_plans"] + [{"plan_id": "P2", "child_id": "C1", "start_date": "2017-11-01"}]
    assert "cp_plans.csv, row 3, column start_date: child 'C1' already has a plan open" in str(refused(tmp_path, cp_plans=rows))


def test_records_the_census_cannot_tell_apart_are_refused(tmp_path):
    """Two referrals of a child on one day (one CIN episode in the census), two enquiries of a referral starting on
    one day, two plans of a child starting on one day, a plan's review recorded twice: each refused at its row."""
    referrals = GOOD["referrals"] + [{"referral_id": "R2", "child_id": "C1", "referral_date": "2017-05-01"}]
    text = str(refused(tmp_path / "r", referrals=referrals))
    assert ("referrals.csv, row 3, column referral_date: 2017-05-01 is also the referral_date of row 2 for 'C1': "
            "the CIN census holds one referral (CIN episode) of a child a day") in text
    s47 = GOOD["s47_enquiries"] + [dict(GOOD["s47_enquiries"][0], s47_id="S2")]
    assert "s47_enquiries.csv, row 3, column s47_start_date: 2017-05-03 is also the s47_start_date of row 2 for 'R1'" in str(
        refused(tmp_path / "s", s47_enquiries=s47))
    plans = [dict(GOOD["cp_plans"][0], end_date="2017-05-20"), dict(GOOD["cp_plans"][0], plan_id="P2", end_date="")]
    reviews = [{"plan_id": "P2", "review_date": "2017-08-01"}]
    assert "cp_plans.csv, row 3, column start_date: 2017-05-20 is also the start_date of row 2 for 'C1'" in str(
        refused(tmp_path / "p", cp_plans=plans, cp_reviews=reviews))
    reviews = GOOD["cp_reviews"] * 2
    error = refused(tmp_path / "v", cp_reviews=reviews)
    assert [str(p) for p in error.problems] == [
        "cp_reviews.csv, row 3, column review_date: 2017-08-01 is also the review_date of row 2 for 'P1': "
        "the CIN census holds one review of a plan a day; merge the two or correct the date"]


def test_a_plan_may_start_the_day_the_last_one_ended(tmp_path):
    plans = GOOD["cp_plans"] + [{"plan_id": "P2", "child_id": "C1", "start_date": "2017-12-01"}]
    load_dataset(write_folder(tmp_path / "data", **{**GOOD, "cp_plans": plans}))


CONFERENCE = {
    "conferences": [{"conference_id": "K1", "family_id": "F1", "conference_type": "ICPC", "date": "2017-05-20"}],
    "conference_children": [{"conference_id": "K1", "child_id": "C1"}],
}


def test_conference_families_agree_with_the_children(tmp_path):
    """A conference is for a family of children.csv, and each child at it is of that family."""
    load_dataset(write_folder(tmp_path / "good", **GOOD, **CONFERENCE))
    children = GOOD["children"] + [{"child_id": "C3", "family_id": "F2"}]
    conferences = CONFERENCE["conferences"] + [
        {"conference_id": "K2", "family_id": "F9", "conference_type": "ICPC", "date": "2017-06-01"}]
    attending = CONFERENCE["conference_children"] + [{"conference_id": "K1", "child_id": "C3"}]
    error = refused(tmp_path / "bad", children=children, conferences=conferences, conference_children=attending)
    assert sorted(str(p) for p in error.problems) == [
        "conference_children.csv, row 3, column child_id: 'C3' is of family 'F2' in children.csv, but conference "
        "'K1' is of family 'F1' in conferences.csv",
        "conferences.csv, row 3, column family_id: 'F9' is the family_id of no child in children.csv",
    ]


def test_unborn_child_needs_expected_date_of_birth(tmp_path):
    """A blank date of birth without an expected date of birth is refused."""
    rows = [dict(r) for r in GOOD["children"]]
    rows[1]["expected_date_of_birth"] = ""
    assert "children.csv, row 3, column expected_date_of_birth" in str(refused(tmp_path, children=rows))


def test_every_problem_is_listed_at_once(tmp_path):
    """Several problems in several files come back in one message."""
    children = [dict(r) for r in GOOD["children"]]
    children[0]["sex"] = "Q"
    plans = [dict(GOOD["cp_plans"][0], latest_category="ZZZ")]
    error = refused(tmp_path, children=children, cp_plans=plans)
    assert len(error.problems) == 2
    assert "2 problems" in str(error)


def test_missing_file_missing_column_empty_file_and_non_utf8(tmp_path):
    """File-level problems are named too."""
    folder = write_folder(tmp_path / "data", **GOOD)
    (folder / "cp_reviews.csv").unlink()
    (folder / "referrals.csv").write_text("referral_id,child_id,referal_date\n", encoding="utf-8")
    (folder / "s47_enquiries.csv").write_text("", encoding="utf-8")
    (folder / "children.csv").write_bytes((folder / "children.csv").read_bytes().replace(b"F1", b"F\xe91"))
    with pytest.raises(DataValidationError) as caught:
        load_dataset(folder)
    text = str(caught.value)
    assert "cp_reviews.csv: file is missing" in text
    assert "referrals.csv, row 1, column referral_date: column is missing" in text
    assert "s47_enquiries.csv: is empty" in text
    assert "children.csv, row 2, column family_id: is not UTF-8" in text


def test_cli_validate_exits_2_and_prints_the_problems(tmp_path, capsys):
    """`cpstats validate` refuses bad data with exit status 2 and the located message."""
    folder = write_folder(tmp_path / "data", **{**GOOD, "cp_reviews": [{"plan_id": "P1", "review_date": "2019-13-01"}]})
    assert main(["validate", "--data", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "cp_reviews.csv, row 2, column review_date" in err
    good = write_folder(tmp_path / "good", **GOOD)
    assert main(["validate", "--data", str(good)]) == 0


# ----------------------------------------------------------------- the rules over whole columns = the pandera schema

EDGE_CELLS = [
    "", "Y", "N", "y", "x", "2018-02-28", "2016-02-29", "2018-02-29", "1989-12-31", "1990-01-01", "2100-12-31",
    "2101-01-01", "2018-1-05", "2018/01/05", "20180105", "2018-13-01", "\uff12\uff10\uff11\uff18-01-05",
    "\u0662\u0660\u0661\u0668-\u0660\u0661-\u0660\u0665", "0", "5", "30", "31", "50", "51", "007", "-1", "1.5", "1234567",
    "\uff15", "\u0663", "\u0669\u0669", "=1+1", "+x", "-x", "@x", "a\tb", "a\x00b", "a\u2028b", "a\x85b", "a\x7fb",
    "x" * 101, "\u00e9" * 100, "\u00e9" * 101, "y" * 201, "NEG", "M", "F", "WBRI", "ICPC", "NO_PLAN", "PARENT",
    "OUTSTANDING", "1A", "10", "N3", "C1", "C1", "caf\u00e9", "Health Visitor",
    "gnp\u202e.exe", "Pro\u200bbation", "\u2066GP\u2069", "\ufeffPolice", "soft\u00adhyphen", "tag\U000e0041",
    "\u200e", "GP\u2060",
]


def _pandera_problems(table, frame):
    """The problems the pandera schema of ``table`` finds, as the loader reports them."""
    import pandera.pandas as pandera

    from cpstats.data.contract import Problem, schema_for, shorten

    try:
        schema_for(table).validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        found = set()
        for case in exc.failure_cases.itertuples(index=False):
            if case.check == "field_uniqueness":
                message = f"{shorten(case.failure_case)} appears more than once; it must be unique"
            else:
                message = f"{shorten(case.failure_case)} {case.check}" if case.failure_case != "" else str(case.check)
            found.add(Problem(table.filename, int(case.index) + 2, case.column, message))
        return found
    return set()


@pytest.mark.parametrize("name", ["children", "referrals", "s47_enquiries", "cp_plans", "cp_reviews", "conferences",
                                  "conference_children", "conference_agencies", "case_audits", "feedback", "marac",
                                  "19_key_plan"])
def test_column_checks_find_what_the_pandera_schema_finds(name):
    """check_columns (Arrow, whole columns) reports exactly the pandera schema's problems, cell by cell, and its dates and numbers are pandas' own."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from cpstats.data.contract import KEY_PLAN, TABLES, check_columns

    table = KEY_PLAN if name == "19_key_plan" else TABLES[name]
    n = len(EDGE_CELLS)
    frame = pd.DataFrame({f.name: pd.Series([EDGE_CELLS[(i * (k + 1) + k) % n] for i in range(n)], dtype=str)
                          for k, f in enumerate(table.fields)})
    expected = _pandera_problems(table, frame)
    rows = frame.index.to_numpy() + 2
    found, converted = check_columns(table, {c: pa.array(frame[c]) for c in frame.columns}, rows)
    assert expected, "the edge cells break some rule of every table"
    assert set(found) == expected
    for f in table.fields:  # the values kept for typing are pandas' readings of the cells that pass
        if f.kind not in ("date", "int"):
            continue
        refused_rows = {p.row for p in expected if p.column == f.name}
        good = (~pd.Series(rows).isin(refused_rows) & (frame[f.name] != "")).to_numpy()
        assert good.any(), f.name
        if f.kind == "date":
            want = pd.to_datetime(frame.loc[good, f.name], format="%Y-%m-%d").to_numpy("datetime64[ns]")
            assert np.array_equal(converted[f.name][good], want)
        else:
            assert converted[f.name][good].tolist() == frame.loc[good, f.name].astype("int64").tolist()


_FORMAT = st.sampled_from(["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
                           "\u2069", "\u200e", "\u200f", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",
                           "\u00ad", "\u061c", "\U000e0001", "\U000e0041"])
_PLAIN = st.text(st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp")), max_size=30).filter(
    lambda text: not text.startswith(("=", "+", "-", "@")))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_PLAIN, st.one_of(st.none(), _FORMAT), _PLAIN), min_size=1, max_size=12))
def test_format_characters_are_refused_in_published_text_wherever_they_are(cells):
    """Generated text, some cells holding a format character anywhere: Arrow's column checks, the pandera schema
    and la.yaml's check refuse exactly the cells that hold one, each at its row and column."""
    import unicodedata

    import pandas as pd
    import pyarrow as pa

    from cpstats.data.contract import KEY_PLAN, check_columns, text_problem

    values = [before + (mark or "") + after for before, mark, after in cells]
    values = [value if value.strip() else "x" + value for value in values]  # an action is required
    holding = {i + 2 for i, value in enumerate(values) if any(unicodedata.category(c) == "Cf" for c in value)}
    assert holding == {i + 2 for i, (_, mark, _) in enumerate(cells) if mark is not None}
    frame = pd.DataFrame({"action": pd.Series(values, dtype=str), "who": pd.Series(["Board"] * len(values), dtype=str)})
    rows = frame.index.to_numpy() + 2
    found, _ = check_columns(KEY_PLAN, {c: pa.array(frame[c]) for c in frame.columns}, rows)
    assert {p.row for p in found if "format character" in p.message and p.column == "action"} == holding
    assert {p.row for p in _pandera_problems(KEY_PLAN, frame) if "format character" in p.message} == holding
    for row, value in zip(rows, values):
        why = text_problem(value, max_length=10_000)
        assert (why is not None and "format character" in why) == (row in holding), (value, why)
