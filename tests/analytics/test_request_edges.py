"""Requests that once got past validation: an empty district list (a 500 from the snapshot
query) and a forecast start given as a number (read as a date)."""

import pytest

pytestmark = pytest.mark.django_db

URL = "/api/v1/assessments/"


@pytest.mark.parametrize("kind", ["hotspots", "surges", "forecast", "links"])
def test_an_empty_district_list_is_a_400_naming_it(world, client_for, kind):
    # when
    response = client_for(world.police_analyst).post(
        URL, {"kind": kind, "area": {"districts": []}}, format="json"
    )
    # then
    assert response.status_code == 400, response.content
    assert response.json()["errors"]["area.districts"] == [
        "Must be a non-empty list of district names."
    ]


@pytest.mark.parametrize("start", [20261201, "20261201", "2026-W48-1"])
def test_a_forecast_start_must_be_written_as_a_date(world, client_for, start):
    # when
    response = client_for(world.police_analyst).post(
        URL, {"kind": "forecast", "params": {"forecast_start": start}}, format="json"
    )
    # then
    assert response.status_code == 400, response.content
    assert response.json()["errors"]["params.forecast_start"] == ["Must be a date, YYYY-MM-DD."]


def test_rationales_and_reasons_have_a_length_limit(world, client_for):
    # when: an essay as the rationale of a status change
    essay = "x" * 2001
    status = client_for(world.overseer).post(
        "/api/v1/models/forecast/status/",
        {"status": "suspended", "rationale": essay},
        format="json",
    )
    # then
    assert status.status_code == 400, status.content[:300]
    assert "rationale" in status.json()["errors"]


@pytest.mark.parametrize(
    "query", ["periods=1&periods=2", "periods=%EF%BC%91", "periods=%20%207", "period=year"]
)
def test_kpi_parameters_are_read_strictly(world, client_for, query):
    # when
    response = client_for(world.police_analyst).get(f"/api/v1/kpis/?{query}")
    # then
    assert response.status_code == 400, response.content[:300]
    assert set(response.json()["errors"]) <= {"period", "periods"}
