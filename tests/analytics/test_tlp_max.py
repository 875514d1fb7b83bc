"""`tlp_max`: one TLP:RED incident in scope no longer makes every result RED when the
requester leaves the stricter labels out."""

import pytest

from tests.analytics.conftest import HOT, hotspot_request, ingest, records

pytestmark = pytest.mark.django_db
URL = "/api/v1/assessments/"


@pytest.fixture
def mixed(world):
    amber = ingest(world.police, world.police_submitter, records(40, seed=1, centre=HOT))
    red = ingest(world.police, world.police_submitter, records(1, seed=2, tlp="RED"))
    strict = ingest(world.police, world.police_submitter, records(2, seed=3, tlp="AMBER+STRICT"))
    return amber, red, strict


def test_one_red_input_makes_the_result_red(world, mixed, client_for):
    body = client_for(world.police_analyst).post(URL, hotspot_request(), format="json").json()
    assert body["input_count"] == 43
    assert body["tlp"] == "RED"


@pytest.mark.parametrize(
    ("tlp_max", "count", "tlp"), [("AMBER", 40, "AMBER"), ("AMBER+STRICT", 42, "AMBER+STRICT")]
)
def test_tlp_max_leaves_stricter_incidents_out(world, mixed, client_for, tlp_max, count, tlp):
    api = client_for(world.police_analyst)
    body = api.post(URL, hotspot_request(tlp_max=tlp_max), format="json").json()
    assert body["input_count"] == count
    assert body["tlp"] == tlp
    assert body["scope"]["tlp_max"] == tlp_max


def test_an_unknown_label_is_a_400_naming_tlp_max(world, mixed, client_for):
    response = client_for(world.police_analyst).post(
        URL, hotspot_request(tlp_max="PURPLE"), format="json"
    )
    assert response.status_code == 400
    assert "tlp_max" in response.json()["errors"]
