"""Bias checks: hand-computed figures, and each warning raised exactly past its threshold."""

import json

import numpy as np
import pytest

from analytics.methods.bias import (
    bias_checks,
    bias_warnings,
    district_disparity,
    flag_persistence,
    reporting_density,
)

NAMES = ["North", "Central", "South", "West"]
# North 4 incidents (1 flagged), Central 5 (2 flagged), South 1 (1 flagged), West none.
DISTRICT = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 2])
FLAGGED = np.array([1, 0, 0, 0, 1, 1, 0, 0, 0, 1], dtype=bool)


def by_name(rows, key):
    return {row[key]: row for row in rows}


def test_district_disparity_hand_computed():
    rows = district_disparity(DISTRICT, FLAGGED, NAMES)
    assert [row["district"] for row in rows] == ["Central", "North", "South", "West"]
    got = by_name(rows, "district")
    expected = {  # (incidents, incident_share, flagged, flag_share, disparity)
        "North": (4, 4 / 10, 1, 1 / 4, (1 / 4) / (4 / 10)),
        "Central": (5, 5 / 10, 2, 2 / 4, 1.0),
        "South": (1, 1 / 10, 1, 1 / 4, 2.5),
    }
    for name, (n, share, f, fshare, disp) in expected.items():
        row = got[name]
        assert (row["incidents"], row["flagged"]) == (n, f)
        assert row["incident_share"] == pytest.approx(share)
        assert row["flag_share"] == pytest.approx(fshare)
        assert row["disparity"] == pytest.approx(disp)
        assert row["above_ratio"] is (disp > 2.0)
    assert got["West"] == {
        "district": "West",
        "incidents": 0,
        "incident_share": 0.0,
        "flagged": 0,
        "flag_share": 0.0,
        "disparity": None,
        "above_ratio": False,
    }
    json.dumps(rows, allow_nan=False)


def test_district_disparity_without_flags_or_incidents():
    rows = district_disparity(DISTRICT, np.zeros(10, dtype=bool), NAMES)
    assert all(row["flag_share"] is None and row["disparity"] is None for row in rows)
    empty = district_disparity(np.array([], dtype=int), np.array([], dtype=bool), NAMES)
    assert [row["incidents"] for row in empty] == [0, 0, 0, 0]
    assert all(row["incident_share"] is None and row["disparity"] is None for row in empty)
    assert district_disparity(np.array([], dtype=int), np.array([], dtype=bool), []) == []


@pytest.mark.parametrize(
    ("district", "flagged", "names", "match"),
    [
        (np.array([0, 4]), np.array([True, False]), NAMES, "district"),
        (np.array([0, 1]), np.array([True]), NAMES, "flagged"),
        (np.array([0, 1]), np.array([1, 0]), NAMES, "flagged"),
        (np.array([0.0, 1.0]), np.array([True, False]), NAMES, "district"),
        (np.array([0, 1]), np.array([True, False]), ["A", "A"], "names"),
    ],
)
def test_district_disparity_validation(district, flagged, names, match):
    with pytest.raises(ValueError, match=match):
        district_disparity(district, flagged, names)


def test_flag_persistence_hand_computed():
    assert flag_persistence({1, 2, 3, 4}, {3, 4, 5}) == {
        "current": 4,
        "previous": 3,
        "repeated": 2,
        "share_repeated": 0.5,
    }
    # Arrays of ids and boolean masks over units are accepted too.
    ids = flag_persistence(np.array([7, 9, 11]), np.array([9, 11, 13]))
    assert ids["repeated"] == 2
    assert ids["share_repeated"] == pytest.approx(2 / 3)
    mask = flag_persistence(np.array([True, False, True]), {2})
    assert (mask["current"], mask["repeated"], mask["share_repeated"]) == (2, 1, 0.5)


def test_flag_persistence_empty():
    assert flag_persistence(set(), {1, 2}) == {
        "current": 0,
        "previous": 2,
        "repeated": 0,
        "share_repeated": None,
    }
    assert flag_persistence(np.array([], dtype=int), set())["share_repeated"] is None
    with pytest.raises(ValueError, match="current"):
        flag_persistence({1.5}, set())


def test_reporting_density_hand_computed():
    agency = np.array([0, 0, 0, 1, 0])
    district = np.array([0, 1, 0, 1, 1])
    rows = reporting_density(agency, district, ["Police", "Levies", "Customs"], ["North", "Centre"])
    assert [row["agency"] for row in rows] == ["Customs", "Levies", "Police"]
    got = by_name(rows, "agency")
    assert got["Police"]["incidents"] == 4
    assert got["Police"]["share"] == pytest.approx(4 / 5)
    assert got["Police"]["districts"] == {"Centre": 2, "North": 2}
    assert list(got["Police"]["districts"]) == ["Centre", "North"]
    assert got["Levies"]["share"] == pytest.approx(1 / 5)
    assert got["Levies"]["districts"] == {"Centre": 1}
    assert got["Customs"] == {"agency": "Customs", "incidents": 0, "share": 0.0, "districts": {}}


def test_reporting_density_empty_and_validation():
    rows = reporting_density(np.array([], dtype=int), np.array([], dtype=int), ["A"], ["N"])
    assert rows == [{"agency": "A", "incidents": 0, "share": None, "districts": {}}]
    with pytest.raises(ValueError, match="agency and district"):
        reporting_density(np.array([0]), np.array([0, 0]), ["A"], ["N"])
    with pytest.raises(ValueError, match="agency"):
        reporting_density(np.array([1]), np.array([0]), ["A"], ["N"])


def disparity_row(disparity):
    return {
        "district": "Harbour",
        "incidents": 10,
        "incident_share": 0.1,
        "flagged": 3,
        "flag_share": None if disparity is None else 0.1 * disparity,
        "disparity": disparity,
    }


def persistence(share):
    return {"current": 10, "previous": 10, "repeated": 0, "share_repeated": share}


def density_row(share):
    return {"agency": "Police", "incidents": 100, "share": share, "districts": {}}


BASE = {"n_incidents": 500, "min_incidents": 50}


def test_no_warning_when_nothing_crosses_a_threshold():
    assert bias_warnings([disparity_row(1.0)], persistence(0.5), [density_row(0.5)], **BASE) == []
    assert bias_warnings([], None, [], **BASE) == []
    undefined = ([disparity_row(None)], persistence(None), [density_row(None)])
    assert bias_warnings(*undefined, **BASE) == []


@pytest.mark.parametrize(("value", "warns"), [(2.0, False), (2.0 + 1e-9, True), (3.5, True)])
def test_disparity_warning_exactly_above_ratio(value, warns):
    out = bias_warnings([disparity_row(value)], None, [], **BASE)
    assert len(out) == int(warns)
    if warns:
        assert "District Harbour" in out[0]
        assert "10.0% of the incidents" in out[0]
        assert f"{value:.2f} times its share" in out[0]


def test_disparity_warning_follows_custom_ratio():
    assert bias_warnings([disparity_row(2.5)], None, [], ratio_warn=3.0, **BASE) == []
    assert len(bias_warnings([disparity_row(3.5)], None, [], ratio_warn=3.0, **BASE)) == 1


@pytest.mark.parametrize(("value", "warns"), [(0.8, False), (0.8 + 1e-9, True), (1.0, True)])
def test_persistence_warning_exactly_above_threshold(value, warns):
    out = bias_warnings([], persistence(value), [], **BASE)
    assert len(out) == int(warns)
    if warns:
        assert "previous period" in out[0]
        assert "feedback loop" in out[0]
        assert "80% limit" in out[0]


@pytest.mark.parametrize(("value", "warns"), [(0.8, False), (0.8 + 1e-9, True), (1.0, True)])
def test_dominance_warning_exactly_above_threshold(value, warns):
    out = bias_warnings([], None, [density_row(value)], **BASE)
    assert len(out) == int(warns)
    if warns:
        assert out[0].startswith("Agency Police supplied")


@pytest.mark.parametrize(("n", "warns"), [(49, True), (50, False), (51, False), (0, True)])
def test_sparse_warning_exactly_below_minimum(n, warns):
    out = bias_warnings([], None, [], n_incidents=n, min_incidents=50)
    assert len(out) == int(warns)
    if warns:
        assert "too sparse for this method" in out[0]
        assert f"Only {n} incidents" in out[0]


def test_bias_checks_end_to_end():
    district = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 2])
    agency = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 1])  # police 9 of 10 incidents
    out = bias_checks(
        district,
        FLAGGED,
        agency,
        NAMES,
        ["Police", "Levies"],
        min_incidents=20,
        current_flags={1, 2, 3, 4, 5},
        previous_flags={1, 2, 3, 4, 5, 6},
    )
    assert set(out) == {
        "district_disparity",
        "persistence",
        "reporting_density",
        "thresholds",
        "warnings",
    }
    assert out["persistence"]["share_repeated"] == 1.0
    assert out["thresholds"] == {
        "min_incidents": 20,
        "ratio_warn": 2.0,
        "persistence_warn": 0.8,
        "dominance_warn": 0.8,
    }
    # Sparse (10 < 20), South 2.5x, persistence 100%, police 90%: four warnings.
    assert len(out["warnings"]) == 4
    assert "too sparse for this method" in out["warnings"][0]
    assert "District South" in out["warnings"][1]
    assert "previous period" in out["warnings"][2]
    assert "Agency Police" in out["warnings"][3]
    json.dumps(out, allow_nan=False)


def test_bias_checks_at_thresholds_and_without_history():
    district = np.array([0, 1, 2, 3, 0])
    flagged = np.array([True, True, False, False, False])
    agency = np.array([0, 0, 0, 0, 1])  # police exactly 4/5 = 80%
    out = bias_checks(
        district, flagged, agency, NAMES, ["Police", "Levies"], min_incidents=5
    )  # Central: 20% of incidents, 50% of flags = 2.5x
    assert out["persistence"] is None
    assert len(out["warnings"]) == 1
    assert "District Central" in out["warnings"][0]
    calm = bias_checks(
        district, flagged, agency, NAMES, ["Police", "Levies"], min_incidents=5, ratio_warn=2.5
    )
    assert calm["warnings"] == []
