"""Service accounts: scopes chosen at creation (least privilege by default), enforced on every
route, named in the audit entries of their calls; token rotation with two live tokens."""

import pytest

from fusion.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db

ACCOUNTS = "/api/v1/agencies/police/service-accounts/"


def _system(world, client_for, name: str, scopes: list[str] | None = None):
    body = {"name": name, **({"scopes": scopes} if scopes is not None else {})}
    created = client_for(world.police_admin).post(ACCOUNTS, body, format="json")
    assert created.status_code == 201, created.content
    system = client_for(None)
    system.credentials(HTTP_AUTHORIZATION=f"Token {created.json()['token']}")
    return created.json(), system


def test_default_scope_submits_but_reads_searches_and_deletes_nothing(world, client_for):
    # given
    account, system = _system(world, client_for, "ingest")
    incident = factories.incident(world.police, world.police_submitter)
    # when
    submitted = system.post("/api/v1/incidents/", factories.payload(), format="json")
    listed = system.get("/api/v1/incidents/")
    detail = system.get(f"/api/v1/incidents/{incident.pk}/")
    persons = system.get("/api/v1/persons/search/", {"national_id": "1", "purpose": "probe"})
    deleted = system.delete(f"/api/v1/incidents/{incident.pk}/")
    # then
    assert account["scopes"] == ["incidents:write"]
    assert submitted.status_code == 201
    assert (listed.status_code, detail.status_code) == (403, 403)
    assert persons.status_code == 403
    assert deleted.status_code == 403
    incident.refresh_from_db()


def test_granted_scopes_work_and_persons_need_their_own(world, client_for):
    # given
    _, reader = _system(world, client_for, "reader", ["incidents:read"])
    _, full = _system(world, client_for, "full", ["incidents:read", "persons:read"])
    incident = factories.incident(
        world.police, world.police_submitter, persons=[{"role": "witness", "full_name": "W"}]
    )
    url = f"/api/v1/incidents/{incident.pk}/"
    with_persons = {"include": "persons", "purpose": "probe"}
    # when / then
    assert reader.get("/api/v1/incidents/").status_code == 200
    assert reader.get(url).status_code == 200
    assert reader.get(url, with_persons).status_code == 403
    assert reader.post("/api/v1/incidents/", factories.payload(), format="json").status_code == 403
    assert full.get(url, with_persons).status_code == 200
    search = {"national_id": "1", "purpose": "probe"}
    assert full.get("/api/v1/persons/search/", search).status_code == 200


def test_service_account_routes_outside_its_scopes_are_closed(world, client_for):
    _, system = _system(world, client_for, "all", ["incidents:read", "persons:read"])
    assert system.get("/api/v1/agencies/").status_code == 403
    assert system.get("/api/v1/assessments/").status_code == 403
    assert system.get("/api/v1/incidents/categories/").status_code == 200


def test_scopes_are_named_in_the_audit_entries_of_its_calls(world, client_for):
    # given
    _, system = _system(world, client_for, "ingest")
    # when
    one = system.post("/api/v1/incidents/", factories.payload(), format="json")
    bulk = system.post(
        "/api/v1/incidents/bulk/", {"incidents": [factories.payload()]}, format="json"
    )
    # then
    assert (one.status_code, bulk.status_code) == (201, 200)
    entries = AuditEntry.objects.filter(actor__username="svc.police.ingest")
    assert entries.count() >= 2
    assert all(e.additional_data.get("scopes") == ["incidents:write"] for e in entries)
    people = AuditEntry.objects.filter(actor=world.police_admin)
    assert all("scopes" not in e.additional_data for e in people)


def test_rotation_keeps_two_live_tokens_then_revokes_the_old(world, client_for):
    # given
    account, old = _system(world, client_for, "rotating")
    admin = client_for(world.police_admin)
    tokens_url = f"{ACCOUNTS}{account['id']}/tokens/"
    # when
    issued = admin.post(tokens_url, format="json")
    new = client_for(None)
    new.credentials(HTTP_AUTHORIZATION=f"Token {issued.json()['token']}")
    third = admin.post(tokens_url, format="json")
    listed = admin.get(tokens_url)
    # then: both work during the changeover, a third is refused, no secret is listed
    assert issued.status_code == 201
    assert old.post("/api/v1/incidents/", factories.payload(), format="json").status_code == 201
    assert new.post("/api/v1/incidents/", factories.payload(), format="json").status_code == 201
    assert third.status_code == 409
    rows = admin.get(tokens_url).json() if listed.status_code == 200 else []
    assert len(rows) == 2
    assert all(set(row) == {"prefix", "created", "expiry", "last_used"} for row in rows)
    assert all(row["last_used"] for row in rows)
    assert issued.json()["token"] not in listed.content.decode()
    # when the old one is revoked
    old_prefix = next(r["prefix"] for r in rows if r["prefix"] != issued.json()["prefix"])
    revoked = admin.delete(f"{tokens_url}{old_prefix}/")
    # then
    assert revoked.status_code == 204
    assert old.get("/api/v1/incidents/categories/").status_code == 401
    assert new.get("/api/v1/incidents/categories/").status_code == 200


def test_other_agency_admin_cannot_rotate(world, client_for):
    account, _ = _system(world, client_for, "guarded")
    response = client_for(world.levies_admin).post(f"{ACCOUNTS}{account['id']}/tokens/")
    assert response.status_code == 403
