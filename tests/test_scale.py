"""The England-sized benchmark dataset is valid under the contract and has England's volumes."""

from __future__ import annotations

from cpstats.cli import main
from cpstats.data.dataset import load_dataset
from cpstats.figures.measures import compute_measures
from cpstats.data.scale import ENGLAND_VOLUMES


def test_scaled_dataset_validates_and_has_the_volumes(tmp_path):
    """A 1/500 scale dataset loads without problems, with about 1/500 of England's yearly volumes."""
    assert main(["synth", "--scale", "england", "--fraction", "0.002", "--out", str(tmp_path / "eng")]) == 0
    ds = load_dataset(tmp_path / "eng")
    measures = compute_measures(ds, "2017-18", population=11_700_000)
    assert abs(measures["referrals"] - ENGLAND_VOLUMES["referrals"] * 0.002) < 0.1 * ENGLAND_VOLUMES["referrals"] * 0.002
    assert abs(measures["s47_enquiries"] - ENGLAND_VOLUMES["s47_enquiries"] * 0.002) < 0.15 * ENGLAND_VOLUMES["s47_enquiries"] * 0.002
    assert 0.5 * 140 < measures["plan_starts"] < 1.5 * 140
    assert measures["conferences_held"]["total"] > measures["plan_starts"]


def test_scale_refuses_to_overwrite_the_sample(capsys):
    """Without --out, --scale would write over data/sample: refused."""
    assert main(["synth", "--scale", "england"]) == 1
    assert "--out" in capsys.readouterr().err
