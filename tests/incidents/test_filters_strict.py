"""Incident filters refuse values they cannot mean (400 naming the parameter) instead of
answering an empty list; district names resolve through the register."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

LIST = "/api/v1/incidents/"
EXPORT = "/api/v1/export/"
PURPOSE = "purpose=weekly+threat+review+for+the+district+board"

BAD_FILTERS = [
    ("category=nonsense", "category"),
    ("category=robbery,nonsense", "category"),
    ("category=robbery&category=kidnapping", "category"),
    ("district=Nowhere", "district"),
    ("district=Quettaa", "district"),
    ("severity_min=0", "severity_min"),
    ("severity_min=9", "severity_min"),
    ("severity_min=6", "severity_min"),
    ("severity_min=two", "severity_min"),
    ("severity_max=0", "severity_max"),
    ("severity_max=6", "severity_max"),
]


@pytest.mark.parametrize(("query", "field"), BAD_FILTERS)
def test_list_refuses_unknown_filter_values(world, client_for, query, field):
    # when
    response = client_for(world.police_analyst).get(f"{LIST}?{query}")
    # then
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


@pytest.mark.parametrize(("query", "field"), BAD_FILTERS)
def test_export_refuses_unknown_filter_values(world, client_for, query, field):
    # when
    response = client_for(world.police_analyst).get(f"{EXPORT}?format=csv&{PURPOSE}&{query}")
    # then
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


def test_unknown_district_filter_suggests_close_names(world, client_for):
    # when
    response = client_for(world.police_analyst).get(f"{LIST}?district=Quettaa")
    # then
    assert "Did you mean Quetta" in response.json()["errors"]["district"][0]


def test_district_filter_takes_aliases_and_any_case(world, client_for):
    # given
    factories.incident(world.police, world.police_submitter)
    factories.incident(world.police, world.police_submitter, district="Bolan",
                       latitude=29.47, longitude=67.65)  # fmt: skip
    client = client_for(world.police_analyst)
    # when
    kachhi = client.get(f"{LIST}?district=bolan").json()["results"]
    quetta = client.get(f"{LIST}?district=QUETTA").json()["results"]
    # then
    assert [i["district"] for i in kachhi] == ["Kachhi"]
    assert [i["district"] for i in quetta] == ["Quetta"]


def test_severity_bounds_and_known_category_filter(world, client_for):
    # given
    for severity in (1, 3, 5):
        factories.incident(world.police, world.police_submitter, severity=severity)
    client = client_for(world.police_analyst)
    # when
    middle = client.get(f"{LIST}?severity_min=2&severity_max=4").json()["results"]
    top = client.get(f"{LIST}?severity_min=5").json()["results"]
    none = client.get(f"{LIST}?category=kidnapping").json()["results"]
    # then
    assert [i["severity"] for i in middle] == [3]
    assert [i["severity"] for i in top] == [5]
    assert none == []  # a known category with no incidents is an empty answer, not a 400


def test_assessment_area_districts_resolve_through_the_register(world, client_for):
    # given
    client = client_for(world.police_analyst)
    body = {"kind": "surges", "params": {}, "categories": []}
    # when
    unknown = client.post("/api/v1/assessments/", {**body, "area": {"districts": ["Nowhere"]}},
                          format="json")  # fmt: skip
    alias = client.post("/api/v1/assessments/", {**body, "area": {"districts": ["bolan"]}},
                        format="json")  # fmt: skip
    # then
    assert unknown.status_code == 400
    assert "area.districts" in unknown.json()["errors"]
    assert alias.status_code == 202, alias.json()
    assert alias.json()["scope"]["area"]["districts"] == ["Kachhi"]


def test_several_categories_in_one_parameter_list_any_of_them(world, client_for):
    # given: a robbery, a kidnapping and an armed assault
    made = {
        slug: factories.incident(world.police, world.police_submitter, category=slug)
        for slug in ("robbery", "kidnapping", "armed-assault")
    }
    # when
    rows = client_for(world.police_analyst).get(LIST, {"category": "robbery,kidnapping"})
    # then
    assert rows.status_code == 200
    listed = {row["id"] for row in rows.json()["results"]}
    assert listed == {str(made["robbery"].pk), str(made["kidnapping"].pk)}
