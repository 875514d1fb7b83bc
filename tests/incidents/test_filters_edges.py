"""Incident filters at their edges: bounds given the wrong way round, a parameter given twice,
a boolean or agency code they cannot mean and a time without its offset are 400s naming the
parameter (on the list and on export); agency codes and district names match as written in
any case or width."""

from urllib.parse import quote

import pytest

from incidents.districts import name_key, register
from tests import factories

pytestmark = pytest.mark.django_db

LIST = "/api/v1/incidents/"
EXPORT = "/api/v1/export/"
PURPOSE = "purpose=weekly+threat+review+for+the+district+board"


def full_width(text: str) -> str:
    """`text` in full-width forms (U+FF01..U+FF5E), as East Asian input methods type it."""
    return "".join(chr(ord(ch) + 0xFEE0) for ch in text)


BAD_QUERIES = [
    ("severity_min=4&severity_max=2", "severity_min"),
    (
        f"occurred_after={quote('2027-01-01T00:00:00+00:00')}"
        f"&occurred_before={quote('2026-01-01T00:00:00+00:00')}",
        "occurred_after",
    ),
    ("district=Quetta&district=Kech", "district"),
    ("severity_min=3&severity_min=5", "severity_min"),
    ("tlp=AMBER&tlp=RED", "tlp"),
    ("shared=maybe", "shared"),
    ("agency=nosuch", "agency"),
    ("occurred_after=2026-01-01T00:00:00", "occurred_after"),
    ("occurred_before=2026-01-01", "occurred_before"),
]


@pytest.mark.parametrize(("query", "field"), BAD_QUERIES)
def test_list_refuses_filters_it_cannot_mean(world, client_for, query, field):
    # when
    response = client_for(world.police_analyst).get(f"{LIST}?{query}")
    # then
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


@pytest.mark.parametrize(("query", "field"), BAD_QUERIES)
def test_export_refuses_filters_it_cannot_mean(world, client_for, query, field):
    # when
    response = client_for(world.police_analyst).get(f"{EXPORT}?format=csv&{PURPOSE}&{query}")
    # then
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


def test_a_repeated_parameter_is_asked_for_once(world, client_for):
    # when
    response = client_for(world.police_analyst).get(f"{LIST}?district=Quetta&district=Kech")
    # then
    assert "once" in response.json()["errors"]["district"][0]


@pytest.mark.parametrize(("value", "mine"), [("true", False), ("1", False), ("false", True),
                                             ("0", True)])  # fmt: skip
def test_shared_takes_boolean_words_and_digits(world, client_for, value, mine):
    # given
    factories.incident(world.police, world.police_submitter)
    factories.incident(world.levies, world.levies_submitter, tlp="CLEAR")
    # when
    response = client_for(world.police_analyst).get(f"{LIST}?shared={value}")
    # then
    assert response.status_code == 200, response.content
    agencies = [i["agency"] for i in response.json()["results"]]
    assert agencies == (["police"] if mine else ["levies"])


def test_equal_bounds_are_not_refused(world, client_for):
    # given
    factories.incident(world.police, world.police_submitter, severity=3)
    # when
    response = client_for(world.police_analyst).get(f"{LIST}?severity_min=3&severity_max=3")
    # then
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


def test_agency_filter_matches_codes_in_any_case(world, client_for):
    # given
    factories.incident(world.police, world.police_submitter)
    factories.incident(world.levies, world.levies_submitter, tlp="CLEAR")
    # when
    response = client_for(world.police_analyst).get(f"{LIST}?agency=LEVIES")
    # then
    assert response.status_code == 200, response.content
    assert [i["agency"] for i in response.json()["results"]] == ["levies"]


def test_an_unknown_agency_is_named_in_the_error(world, client_for):
    # when
    response = client_for(world.police_analyst).get(f"{LIST}?agency=nosuch")
    # then
    assert "nosuch" in response.json()["errors"]["agency"][0]


def test_a_time_without_offset_asks_for_one(world, client_for):
    # when
    response = client_for(world.police_analyst).get(f"{LIST}?occurred_after=2026-01-01T00:00:00")
    # then
    assert "offset" in response.json()["errors"]["occurred_after"][0]


def test_full_width_district_names_match(world, client_for):
    # given
    factories.incident(world.police, world.police_submitter)
    # when
    response = client_for(world.police_analyst).get(f"{LIST}?district={full_width('quetta')}")
    # then
    assert response.status_code == 200, response.content
    assert [i["district"] for i in response.json()["results"]] == ["Quetta"]


def test_name_keys_are_compatibility_normalised():
    # then
    assert name_key(full_width("Quetta")) == name_key("quetta")
    assert register().canonical(full_width("KECH")) == "Kech"
