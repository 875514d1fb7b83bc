"""GET /api/v1/incidents/map/: the visible incidents in a map's view, as points or as grid
clusters, counted as the list counts them, with the list's filters and 400s; and
GET /api/v1/incidents/districts/, the register maps draw."""

import pytest

from fusion.sharing.shares import share_grant
from incidents import map_clusters
from incidents.districts import register
from tests import factories

pytestmark = pytest.mark.django_db

QUETTA = "66.9,30.1,67.1,30.3"


@pytest.fixture
def placed(world) -> dict:
    """In Quetta: a police incident shared with the levies, a hidden police RED one and a
    levies one; in Gwadar, a levies one."""
    make = factories.incident
    shared = make(world.police, world.police_submitter, severity=4)
    share_grant(
        actor=world.police_admin, incident=shared, agency=world.levies, level="view",
        purpose="joint picture",
    )  # fmt: skip
    return {
        "shared": shared,
        "hidden": make(world.police, world.police_submitter, tlp="RED", description="hidden"),
        "own": make(world.levies, world.levies_submitter, tlp="CLEAR", severity=2),
        "far": make(world.levies, world.levies_submitter, latitude=25.12, longitude=62.33),
    }


def listed(api, params: dict) -> set[str]:
    rows = api.get("/api/v1/incidents/", {**params, "page_size": 500}).json()["results"]
    return {row["id"] for row in rows}


@pytest.mark.parametrize("params", [{}, {"severity_min": "3"}, {"shared": "true"}, {"q": "hidden"}])
def test_points_are_the_lists_incidents_in_view(world, placed, client_for, params) -> None:
    api = client_for(world.levies_analyst)
    # when
    answer = api.get("/api/v1/incidents/map/", {**params, "view": QUETTA, "zoom": 11})
    # then: the list's incidents with the same filters, those in Quetta only
    assert answer.status_code == 200, answer.content
    body = answer.json()
    expected = listed(api, {**params, "bbox": QUETTA})
    assert body["mode"] == "points"
    assert {point["id"] for point in body["points"]} == expected
    assert body["total"] == len(expected)
    assert str(placed["hidden"].pk) not in answer.content.decode()


def test_clusters_count_only_what_the_caller_sees(world, placed, client_for, monkeypatch) -> None:
    # given: clusters whatever the number of incidents
    monkeypatch.setattr(map_clusters, "POINT_LIMIT", 0)
    api = client_for(world.levies_analyst)
    # when: the province at zoom 4
    body = api.get("/api/v1/incidents/map/", {"view": "60,24,72,33", "zoom": 4}).json()
    # then: Quetta's cell holds the shared and the own incident, not the hidden RED one
    assert body["mode"] == "clusters"
    assert body["total"] == 3 == sum(cell["count"] for cell in body["clusters"])
    quetta = max(body["clusters"], key=lambda cell: cell["lat"])
    assert (quetta["count"], quetta["tlp"]) == (2, "AMBER")
    assert {"count", "lat", "lon", "tlp"} == set(quetta)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"view": "70,30,60,20"}, "view"),
        ({"view": "a,b,c,d"}, "view"),
        ({"view": [QUETTA, QUETTA]}, "view"),
        ({"zoom": "23"}, "zoom"),
        ({"zoom": "six"}, "zoom"),
        ({"zoom": ["6", "7"]}, "zoom"),
        ({"category": "no-such-category"}, "category"),
        ({"tlp": ["RED", "AMBER"]}, "tlp"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(world, client_for, params, field) -> None:
    answer = client_for(world.levies_analyst).get("/api/v1/incidents/map/", params)
    assert answer.status_code == 400
    assert field in answer.json()["errors"], answer.json()


def test_roles_without_incidents_are_refused(world, placed, client_for) -> None:
    assert client_for(world.overseer).get("/api/v1/incidents/map/").status_code == 403
    assert client_for(None).get("/api/v1/incidents/map/").status_code == 401


def test_the_district_register_is_what_filters_and_records_are_checked_against(
    world, client_for
) -> None:
    # when
    answer = client_for(world.levies_analyst).get("/api/v1/incidents/districts/")
    # then: every district of the register, with its box (west, south, east, north)
    body = answer.json()
    assert answer.status_code == 200
    assert body["register"] == register().label
    assert [row["name"] for row in body["districts"]] == register().names()
    quetta = next(row for row in body["districts"] if row["name"] == "Quetta")
    west, south, east, north = quetta["bbox"]
    lat, lon = quetta["centre"]
    assert west < lon < east
    assert south < lat < north
    assert register().district_at(lat, lon) == "Quetta"


def test_with_the_register_off_there_are_no_districts(world, client_for, settings) -> None:
    settings.FUSION_DISTRICT_REGISTER = "off"
    body = client_for(world.levies_analyst).get("/api/v1/incidents/districts/").json()
    assert (body["register"], body["districts"]) == ("off", [])
