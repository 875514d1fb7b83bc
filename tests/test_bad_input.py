"""Bad input from outside is a 4xx naming what is wrong, never a 500, and writes nothing:
nesting Python's json cannot follow, UTC offsets its datetime refuses, NUL bytes PostgreSQL
text cannot hold, version tags its int() refuses, ids that are not UUIDs, OPTIONS on document
views, and refusals of a signed-in browser session."""

import base64
import uuid

import pytest
from django.test import Client

from analytics.models import Assessment
from fusion.models import AccessRequest, AuditEntry, Complaint, ShareGrant
from fusion.sharing.access_requests import access_request_create
from fusion.sharing.shares import share_grant
from incidents.models import Incident
from tests import factories

pytestmark = pytest.mark.django_db

DEEP = "[" * 1000 + "]" * 1000
TOO_FAR_EAST = "2026-03-01T10:00:00+24:00"
PURPOSE = "joint operation"


def rows() -> dict[str, int]:
    """What a refused request must leave as it was."""
    return {
        "incidents": Incident.objects.count(),
        "shares": ShareGrant.objects.count(),
        "requests": AccessRequest.objects.count(),
        "complaints": Complaint.objects.count(),
        "assessments": Assessment.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def named(response, field: str | None) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content)
    body = response.json()
    assert body["detail"]
    if field is not None:
        assert field in str(body.get("errors", body)), body


@pytest.mark.parametrize(
    ("url", "who"),
    [("/api/v1/auth/token/", None), ("/api/v1/complaints/", None), ("/api/v1/incidents/", "u")],
)
def test_json_nested_beyond_reason_is_a_400(world, client_for, url, who):
    # given
    client = client_for(world.police_submitter if who else None)
    before = rows()
    # when
    response = client.post(url, DEEP, content_type="application/json")
    # then
    assert response.status_code == 400, response.content
    named(response, "body")
    assert rows() == before


def _create(world, client_for):
    body = factories.payload(occurred_at=TOO_FAR_EAST)
    return lambda: client_for(world.police_submitter).post(
        "/api/v1/incidents/", body, format="json"
    )


def _patch(world, client_for):
    incident = factories.incident(world.police, world.police_submitter)
    return lambda: client_for(world.police_submitter).patch(
        f"/api/v1/incidents/{incident.pk}/", {"occurred_at": TOO_FAR_EAST}, format="json"
    )


def _bulk(world, client_for):
    body = {"incidents": [factories.payload(external_ref="B-1", occurred_at=TOO_FAR_EAST)]}
    return lambda: client_for(world.police_submitter).post(
        "/api/v1/incidents/bulk/", body, format="json"
    )


def _csv(world, client_for):
    row = {k: v for k, v in factories.payload(external_ref="C-1").items() if k != "persons"}
    row["contexts"] = ";".join(row.get("contexts", []))
    row["occurred_at"] = TOO_FAR_EAST
    body = ",".join(row) + "\n" + ",".join(str(v) for v in row.values()) + "\n"
    return lambda: client_for(world.police_submitter).post(
        "/api/v1/import/", body, content_type="text/csv"
    )


def _share(world, client_for):
    incident = factories.incident(world.police, world.police_submitter, tlp="AMBER")
    body = {"agency": "levies", "level": "view", "purpose": PURPOSE, "expires_at": TOO_FAR_EAST}
    return lambda: client_for(world.police_admin).post(
        f"/api/v1/incidents/{incident.pk}/shares/", body, format="json"
    )


def _approve(world, client_for):
    incident = factories.incident(world.police, world.police_submitter, tlp="AMBER")
    share_grant(
        actor=world.police_admin,
        incident=incident,
        agency=world.levies,
        level="view",
        purpose=PURPOSE,
    )
    asked = access_request_create(
        actor=world.levies_analyst, purpose=PURPOSE, incident_id=incident.pk
    )
    return lambda: client_for(world.police_admin).post(
        f"/api/v1/access-requests/{asked.pk}/approve/",
        {"expires_at": TOO_FAR_EAST},
        format="json",
    )


@pytest.mark.parametrize(
    ("send", "field"),
    [
        (_create, "occurred_at"),
        (_patch, "occurred_at"),
        (_bulk, "occurred_at"),
        (_csv, "occurred_at"),
        (_share, "expires_at"),
        (_approve, "expires_at"),
    ],
)
def test_a_utc_offset_of_a_day_or_more_is_a_400_naming_the_field(world, client_for, send, field):
    # given: what the request needs
    request = send(world, client_for)
    before = rows()
    # when
    response = request()
    # then
    assert response.status_code == 400, response.content
    named(response, field)
    assert rows() == before


def _search(world, client_for):
    return lambda: client_for(world.police_analyst).get(
        "/api/v1/persons/search/", {"national_id": "51111-1111111-1", "purpose": "joint\x00op"}
    )


def _read_persons(world, client_for):
    incident = factories.incident(world.police, world.police_submitter)
    return lambda: client_for(world.police_analyst).get(
        f"/api/v1/incidents/{incident.pk}/", {"include": "persons", "purpose": "joint\x00op"}
    )


def _share_purpose(world, client_for):
    incident = factories.incident(world.police, world.police_submitter, tlp="AMBER")
    body = {"agency": "levies", "level": "view", "purpose": "joint\x00operation"}
    return lambda: client_for(world.police_admin).post(
        f"/api/v1/incidents/{incident.pk}/shares/", body, format="json"
    )


def _bulk_description(world, client_for):
    body = {"incidents": [factories.payload(external_ref="N-1", description="a\x00b")]}
    return lambda: client_for(world.police_submitter).post(
        "/api/v1/incidents/bulk/", body, format="json"
    )


def _csv_description(world, client_for):
    row = {k: v for k, v in factories.payload(external_ref="N-2").items() if k != "persons"}
    row["contexts"] = ";".join(row.get("contexts", []))
    row["description"] = "a\x00b"
    body = ",".join(row) + "\n" + ",".join(str(v) for v in row.values()) + "\n"
    return lambda: client_for(world.police_submitter).post(
        "/api/v1/import/", body, content_type="text/csv"
    )


def _complaint(world, client_for):
    return lambda: client_for(world.overseer).get("/api/v1/complaints/C-AB\x00CD/")


def _districts(world, client_for):
    body = {
        "kind": "hotspots",
        "params": {"cell_size_km": 1.0},
        "area": {"districts": ["que\x00tta"]},
        "occurred_after": "2025-03-01T00:00:00+00:00",
        "occurred_before": "2025-06-01T00:00:00+00:00",
    }
    return lambda: client_for(world.police_analyst).post(
        "/api/v1/assessments/", body, format="json"
    )


@pytest.mark.parametrize(
    ("send", "field"),
    [
        (_search, "purpose"),
        (_read_persons, "purpose"),
        (_share_purpose, "purpose"),
        (_bulk_description, "description"),
        (_csv_description, "description"),
        (_complaint, None),
        (_districts, "districts"),
    ],
)
def test_a_nul_byte_is_a_4xx_naming_the_field(world, client_for, send, field):
    # given: what the request needs
    request = send(world, client_for)
    before = rows()
    # when
    response = request()
    # then
    named(response, field)
    assert rows() == before


@pytest.mark.parametrize("tag", ["9" * 5000, "\u00b2"])
def test_an_if_match_int_cannot_read_is_stale(world, client_for, tag):
    # given
    incident = factories.incident(world.police, world.police_submitter, severity=2)
    before = rows()
    # when
    response = client_for(world.police_submitter).patch(
        f"/api/v1/incidents/{incident.pk}/",
        {"severity": 5},
        format="json",
        HTTP_IF_MATCH=f'"{tag}"',
    )
    # then
    assert response.status_code == 412, response.content
    named(response, None)
    incident.refresh_from_db()
    assert (incident.severity, incident.version) == (2, 1)
    assert rows() == before


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": "\u00b2"}, "page_size"),
        ({"page_size": "9" * 5000}, "page_size"),
        ({"cursor": base64.urlsafe_b64encode(DEEP.encode()).decode()}, "cursor"),
    ],
)
def test_a_page_query_int_or_json_cannot_read_is_a_400(world, client_for, params, field):
    # when
    response = client_for(world.police_analyst).get("/api/v1/incidents/", params)
    # then
    assert response.status_code == 400, response.content
    named(response, field)


def test_a_share_list_under_an_id_that_is_not_a_uuid_is_404(world, client_for):
    # when
    response = client_for(world.police_admin).get("/api/v1/incidents/not-a-uuid/shares/")
    # then
    assert response.status_code == 404, response.content
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("url", "params"), [("/api/v1/export/", {}), ("/api/v1/reports/", {"format": "html"})]
)
def test_options_on_document_views_is_answered(world, client_for, url, params):
    # when
    response = client_for(world.police_analyst).options(url, params)
    # then
    assert response.status_code == 200, response.content
    assert response.json()["name"]


@pytest.mark.parametrize(
    "url", ["/api/v1/incidents/", "/api/v1/matches/", "/api/v1/reports/{report}.html"]
)
def test_a_browser_session_refused_is_a_403_and_audited(world, url):
    # given: the platform admin signed in to the admin site, reading what is not theirs
    client = Client()
    client.force_login(world.platform_admin)
    refused_before = AuditEntry.objects.filter(event="access.refused").count()
    # when
    response = client.get(url.format(report=uuid.uuid4()))
    # then
    assert response.status_code == 403, response.content
    assert response.json()["detail"]
    refused = AuditEntry.objects.filter(event="access.refused")
    assert refused.count() == refused_before + 1
    assert refused.latest("pk").actor_id == world.platform_admin.pk
