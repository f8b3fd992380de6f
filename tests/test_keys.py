"""Identifiers as integer keys: equal exactly when the text is, in the text's order, in every table alike."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpstats.data.dataset import is_in, load_dataset, positions_in
from cpstats.data.keys import _plan, identifier_keys, member_of, pack_identifiers, positions_of
from cpstats.figures.measures import compute_measures
from tests.conftest import SAMPLE

# identifiers of one width (packed from their bytes) and of any shape (ranked among the distinct values)
_ONE_WIDTH = st.lists(st.text(alphabet="C0123456789", min_size=6, max_size=6), min_size=0, max_size=40)
_ANY = st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=5), min_size=0, max_size=40)


def _check(columns: list[list[str]]) -> None:
    keys = pack_identifiers([pa.array(c, pa.large_string()) for c in columns])
    texts = [t for c in columns for t in c]
    flat = np.concatenate(keys) if keys else np.zeros(0)
    assert [len(k) for k in keys] == [len(c) for c in columns]
    for i, a in enumerate(texts):
        for j, b in enumerate(texts):
            assert (flat[i] == flat[j]) == (a == b), (a, b)
            assert (flat[i] < flat[j]) == (a < b), (a, b)


@settings(max_examples=60, deadline=None)
@given(st.lists(_ONE_WIDTH, min_size=1, max_size=3))
def test_packed_keys_are_equal_and_ordered_as_the_text(columns):
    _check(columns)


@settings(max_examples=60, deadline=None)
@given(st.lists(_ANY, min_size=1, max_size=3))
def test_keys_of_any_text_are_equal_and_ordered_as_the_text(columns):
    _check(columns)


def test_the_two_ways_of_keying():
    same_width = [pa.array(["C001", "C010", "C002"], pa.large_string()), pa.array(["C010"], pa.large_string())]
    assert _plan([(4, np.array([67, 48, 48, 49]), np.array([67, 48, 49, 50]))]) is not None
    assert pack_identifiers(same_width)[0].tolist() == [1, 3, 2]  # the last two bytes vary: "0" to "1" and "0" to "2"
    widths = [pa.array(["C1", "C10", ""], pa.large_string())]
    assert pack_identifiers(widths)[0].tolist() == [1, 2, 0]  # ranks: "" < "C1" < "C10"
    long_ids = [pa.array(["9" * 20, "0" * 20, "5" * 20], pa.large_string())]
    assert pack_identifiers(long_ids)[0].tolist() == [2, 0, 1]  # 20 digits from 0 to 9: more than 64 bits, so ranked


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(-50, 10 ** 6), max_size=60), st.lists(st.integers(-50, 10 ** 6), max_size=60, unique=True),
       st.sampled_from([np.int32, np.int64]))
def test_lookups_agree_with_pandas(values, keys, dtype):
    values, keys = np.array(values, dtype=dtype), np.array(keys, dtype=dtype)
    assert positions_of(values, keys).tolist() == pd.Index(keys).get_indexer(values).tolist()
    assert member_of(values, keys).tolist() == pd.Series(values).isin(keys).tolist()


def test_lookups_far_apart_use_binary_search():
    keys = np.array([10 ** 15, 3, 7 * 10 ** 12, -4], dtype=np.int64)
    values = np.array([3, 10 ** 15, 5, -4, 7 * 10 ** 12, 10 ** 16], dtype=np.int64)
    assert positions_of(values, keys).tolist() == [1, 0, -1, 3, 2, -1]
    assert member_of(values, np.r_[keys, keys]).tolist() == [True, True, False, True, True, False]


def test_text_membership_still_answers_for_text():
    values = pd.Series(["a", "bb", "c"], dtype=pd.StringDtype("pyarrow", na_value=np.nan))
    allowed = pd.Series(["bb", "zz"], dtype=values.dtype)
    assert is_in(values, allowed).tolist() == [False, True, False]
    assert positions_in(values, allowed).tolist() == [-1, 0, -1]


def test_a_child_has_one_key_in_every_table():
    ds = load_dataset(SAMPLE)
    text = {(table, column): getattr(ds, table)[column].tolist() for table, columns in ds.keys.items() for column in columns}
    by_text: dict[tuple[str, str], int] = {}
    for (table, column), cells in text.items():
        for cell, key in zip(cells, ds.keys[table][column].tolist()):
            assert by_text.setdefault((column, cell), key) == key
    assert len({k for (c, _), k in by_text.items() if c == "child_id"}) == ds.children["child_id"].nunique()
    again = identifier_keys({t: {c: pa.array(getattr(ds, t)[c]) for c in cols} for t, cols in ds.keys.items()})
    assert all(np.array_equal(again[t][c], ds.keys[t][c]) for t in again for c in again[t])


@pytest.mark.parametrize("year", ["2016-17", "2017-18"])
def test_measures_on_keys_are_the_measures_on_text(year, monkeypatch):
    """The measures computed on the keyed dataset equal those computed on the text identifiers."""
    ds = load_dataset(SAMPLE)
    on_keys = compute_measures(ds, year, 100_000)
    from cpstats.data.dataset import Dataset

    monkeypatch.setattr(Dataset, "keyed", lambda self: self)  # the same measures, joining on text
    assert compute_measures(ds, year, 100_000) == on_keys


def test_a_table_replaced_after_loading_gets_keys_of_its_own():
    import dataclasses

    ds = load_dataset(SAMPLE)
    assert compute_measures(ds, "2018-19", None)["children_with_plan_during_year"] == 58
    kept = ds.cp_plans[ds.cp_plans["initial_category"] != "NEG"]
    ds.cp_plans = kept
    assert compute_measures(ds, "2018-19", None)["children_with_plan_during_year"] == 41
    other = dataclasses.replace(load_dataset(SAMPLE), cp_plans=kept)
    assert compute_measures(other, "2018-19", None)["children_with_plan_during_year"] == 41


def _copy(tmp_path):
    import shutil

    folder = tmp_path / "data"
    shutil.copytree(SAMPLE, folder)
    return folder


def _problems(folder) -> list[str]:
    from cpstats.data.contract import DataValidationError

    with pytest.raises(DataValidationError) as caught:
        load_dataset(folder)
    return [f"{p.file}|{p.row}|{p.column}|{p.message}" for p in caught.value.problems]


def test_rows_longer_than_the_header_are_one_problem_naming_the_first(tmp_path):
    folder = _copy(tmp_path)
    lines = (folder / "marac.csv").read_text().splitlines()
    (folder / "marac.csv").write_text("\n".join(lines[:1] + [line + "," for line in lines[1:]]) + "\n")
    assert _problems(folder) == ["marac.csv|2|None|has 5 fields but the header has 4; remove the extra commas "
                                 "(a comma at the end of each row?)"]


def test_a_column_twice_in_the_header_is_refused(tmp_path):
    folder = _copy(tmp_path)
    lines = (folder / "children.csv").read_text().splitlines()
    (folder / "children.csv").write_text("\n".join([lines[0] + ", sex"] + [line + ",X" for line in lines[1:]]) + "\n")
    assert _problems(folder) == ["children.csv|1|sex|appears more than once in the header; give each column once"]


def test_problems_and_notes_keep_the_contracts_order_of_tables(tmp_path):
    folder = _copy(tmp_path)
    for name in ("children.csv", "feedback.csv"):
        lines = (folder / name).read_text().splitlines()
        (folder / name).write_text("\n".join([lines[0] + ",extra"] + [line + ",1" for line in lines[1:]]) + "\n")
    (folder / "case_audits.csv").unlink()
    (folder / "marac.csv").unlink()
    with pytest.warns(UserWarning):
        notes = load_dataset(folder).warnings
    assert [n.split(":")[0] for n in notes] == ["children.csv", "case_audits.csv", "feedback.csv", "marac.csv"]
