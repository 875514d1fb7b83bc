"""The console's incident pages through Django's test client: what a hidden incident answers,
bad filters, map data counted exactly as the API list counts, and persons behind a purpose."""

import pytest
from rest_framework.test import APIClient

from fusion.models import AuditEntry
from fusion.sharing.shares import share_grant
from incidents import map_clusters as incident_clusters
from tests import factories

PERSON = {"role": "victim", "full_name": "Sakina Notezai", "national_id": "54321-7654321-9"}


@pytest.fixture
def seen(world) -> dict:
    """Police incidents: two shared with the fusion centre, one CLEAR, one hidden; levies one
    CLEAR; the fusion centre's own two."""
    make = factories.incident
    shared = [
        make(world.police, world.police_submitter, category="bombing-ied", severity=5),
        make(world.police, world.police_submitter, latitude=28.9, longitude=64.4),
    ]
    for incident in shared:
        share_grant(
            actor=world.police_admin,
            incident=incident,
            agency=world.centre,
            level="view",
            purpose="fusion centre picture",
        )
    centre_user = factories.member(world.centre, "submitter", "centre_submitter")
    return {
        "shared": shared,
        "clear": [
            make(world.police, world.police_submitter, tlp="CLEAR", severity=1),
            make(world.levies, world.levies_submitter, tlp="CLEAR", latitude=25.1, longitude=62.3),
        ],
        "hidden": make(world.police, world.police_submitter, description="hidden raid"),
        "own": [
            make(world.centre, centre_user, category="bombing-ied", tlp="GREEN"),
            make(world.centre, centre_user, tlp="RED", latitude=27.8, longitude=66.6),
        ],
    }


def api_count(user, params: dict) -> int:
    """How many incidents the API list gives the user for these filters (every page)."""
    client = APIClient()
    client.force_authenticate(user)
    total, url, query = 0, "/api/v1/incidents/", {**params, "page_size": 500}
    while url:
        body = client.get(url, query).json()
        total += len(body["results"])
        url, query = body["next"], None
    return total


def test_hidden_incident_is_a_404_page_and_on_no_page(client, world, seen) -> None:
    # given
    client.force_login(world.coordinator)
    hidden = seen["hidden"]
    # when
    detail = client.get(f"/incidents/{hidden.pk}/")
    persons = client.post(f"/incidents/{hidden.pk}/", {"purpose": "checking a lead here"})
    listed = client.get("/incidents/", {"page_size": 500})
    mapped = client.get("/incidents/map.json", {"zoom": 5}).json()
    # then
    assert detail.status_code == persons.status_code == 404
    assert detail["Content-Type"].startswith("text/html")
    assert str(hidden.pk) not in listed.content.decode()
    assert str(hidden.pk) not in {point["id"] for point in mapped["points"]}
    assert mapped["total"] == 6


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/incidents/", {"severity_min": "9"}, "severity_min"),
        ("/incidents/map/", {"category": "no-such-thing"}, "category"),
        ("/incidents/", {"occurred_after": "2026-01-01"}, "occurred_after"),
        ("/incidents/map/", {"bbox": "70,30,60,20"}, "bbox"),
    ],
)
def test_a_bad_filter_is_a_400_page_naming_the_field(client, world, path, query, field) -> None:
    client.force_login(world.coordinator)
    page = client.get(path, query)
    assert page.status_code == 400
    assert f'<span class="field-name">{field}</span>' in page.content.decode()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"district": "Atlantis"}, "district"),
        ({"shared": "maybe"}, "shared"),
        ({"view": "1,2"}, "view"),
        ({"zoom": "99"}, "zoom"),
        ({"zoom": ["3", "4"]}, "zoom"),
        ({"tlp": ["", "RED", "AMBER"]}, "tlp"),
    ],
)
def test_map_data_answers_the_api_400_naming_the_field(client, world, query, field) -> None:
    client.force_login(world.coordinator)
    answer = client.get("/incidents/map.json", query)
    assert answer.status_code == 400
    assert field in answer.json()["errors"]


def test_map_data_of_oversight_is_the_api_refusal(client, world) -> None:
    client.force_login(world.overseer)
    answer = client.get("/incidents/map.json")
    assert answer.status_code == 403
    api = APIClient()
    api.force_authenticate(world.overseer)
    assert answer.json() == api.get("/api/v1/incidents/").json()


FILTERS = [
    {},
    {"category": "bombing-ied"},
    {"tlp": "CLEAR"},
    {"shared": "true"},
    {"shared": "false"},
    {"severity_min": "4"},
    {"district": "quetta"},
    {"agency": "POLICE"},
    {"bbox": "62,24,65,29.5"},
    {"q": "incident number"},
]


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("limit", [incident_clusters.POINT_LIMIT, 0])
def test_map_counts_equal_the_api_list(client, world, seen, monkeypatch, filters, limit) -> None:
    # given: limit 0 makes the map answer grid clusters whatever the count
    monkeypatch.setattr(incident_clusters, "POINT_LIMIT", limit)
    client.force_login(world.coordinator)
    # when
    data = client.get("/incidents/map.json", {**filters, "view": "60,20,72,33", "zoom": 6}).json()
    # then
    expected = api_count(world.coordinator, filters)
    assert data["total"] == expected
    if data["mode"] == "points":
        assert len(data["points"]) == expected
    else:
        assert sum(cell["count"] for cell in data["clusters"]) == expected


def test_a_cluster_shows_only_the_visible_incidents(client, world, seen, monkeypatch) -> None:
    # given: the hidden incident lies where a shared one and a CLEAR one lie (Quetta)
    monkeypatch.setattr(incident_clusters, "POINT_LIMIT", 0)
    factories.incident(world.police, world.police_submitter, tlp="RED", description="red")
    client.force_login(world.coordinator)
    # when
    data = client.get("/incidents/map.json", {"view": "66.9,30.1,67.1,30.3", "zoom": 4}).json()
    # then: one cell; of the four police incidents there only the two visible ones count
    [cell] = data["clusters"]
    assert cell["count"] == 3  # shared bombing, CLEAR police, the centre's GREEN
    assert cell["tlp"] == "AMBER"  # the hidden RED one leaves no trace


def test_list_pages_carry_the_cursor(client, world) -> None:
    centre_user = factories.member(world.centre, "submitter", "centre_submitter")
    for _ in range(55):
        factories.incident(world.centre, centre_user)
    client.force_login(world.coordinator)
    first = client.get("/incidents/")
    next_url = first.context["next_url"]
    assert next_url.startswith("/incidents/?")
    assert "cursor=" in next_url
    second = client.get(next_url)
    assert len(first.context["incidents"]) == 50
    assert len(second.context["incidents"]) == 5
    assert second.context["previous_url"]


def test_missing_purpose_shows_the_api_error(client, world) -> None:
    incident = factories.incident(world.police, world.police_submitter, persons=[PERSON])
    client.force_login(world.police_analyst)
    page = client.post(f"/incidents/{incident.pk}/", {"purpose": "  "})
    assert page.status_code == 400
    text = page.content.decode()
    assert "State the purpose" in text
    assert '<span class="field-name">purpose</span>' in text
    assert "Sakina Notezai" not in text
    assert not AuditEntry.objects.filter(event="incident.persons_read").exists()


def test_a_person_read_through_the_console_is_audited_as_the_api_logs_it(client, world) -> None:
    # given
    incident = factories.incident(world.police, world.police_submitter, persons=[PERSON])
    client.force_login(world.police_analyst)
    # when
    page = client.post(
        f"/incidents/{incident.pk}/",
        {"purpose": "link analysis of case 4", "purpose_code": "other", "case_ref": "FIR-12"},
    )
    # then
    assert page.status_code == 200
    assert "Sakina Notezai" in page.content.decode()
    entry = AuditEntry.objects.get(event="incident.persons_read")
    assert (entry.actor, entry.purpose, entry.object_pk) == (
        world.police_analyst,
        "link analysis of case 4",
        str(incident.pk),
    )
    assert entry.additional_data["persons_returned"] == 1
    assert entry.additional_data["case_ref"] == "FIR-12"


def test_a_reader_without_person_level_sees_the_api_answer(client, world, seen) -> None:
    incident = factories.incident(world.police, world.police_submitter, persons=[PERSON])
    share_grant(
        actor=world.police_admin, incident=incident, agency=world.centre, level="view",
        purpose="fusion centre picture",
    )  # fmt: skip
    client.force_login(world.coordinator)
    page = client.post(f"/incidents/{incident.pk}/", {"purpose": "checking a named victim"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Sakina Notezai" not in text
    assert "Redacted" in text
    assert page.context["tlp"] == "AMBER"


def test_map_data_reads_the_filters_the_api_was_given(client, world) -> None:
    for tlp in ("RED", "AMBER", "AMBER"):
        factories.incident(world.police, world.police_submitter, tlp=tlp)
    client.force_login(world.police_analyst)
    answer = client.get("/incidents/map.json", {"tlp": ["", "RED"]})  # an empty field, then RED
    assert answer.status_code == 200
    assert answer.json()["total"] == 1
