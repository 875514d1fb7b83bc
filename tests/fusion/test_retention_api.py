"""Retention periods and legal holds through the API: the agency's admins set them, others
are refused, bad input is a 400 naming the field, and every change is audited."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType

from fusion.models import AuditEntry, LegalHold, RetentionPolicy
from fusion.retention.runs import retention_apply, retention_dry_run
from tests import factories

pytestmark = pytest.mark.django_db

PERIODS = "/api/v1/agencies/police/retention/"
HOLDS = "/api/v1/agencies/police/legal-holds/"
RUNS = "/api/v1/agencies/police/retention-runs/"


def entries(model):
    return AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(model))


def test_periods_list_every_category_with_the_default(world, client_for, settings):
    # given
    settings.FUSION_RETENTION_DEFAULT_DAYS = 1000
    # when
    body = client_for(world.police_admin).get(PERIODS, {"page_size": 500}).json()
    # then
    rows = {row["category"]: row for row in body["results"]}
    assert rows["robbery"] == {
        "category": "robbery", "name": rows["robbery"]["name"], "days": 1000, "default": True,
        "updated_at": None, "updated_by": None,
    }  # fmt: skip
    assert all(row["default"] for row in rows.values())


def test_an_admin_sets_a_period_audited_with_before_and_after(world, client_for):
    # given
    api = client_for(world.police_admin)
    # when
    first = api.put(f"{PERIODS}robbery/", {"days": 730}, format="json")
    second = api.put(f"{PERIODS}robbery/", {"days": 365}, format="json")
    reset = api.delete(f"{PERIODS}robbery/")
    # then
    assert (first.status_code, second.status_code, reset.status_code) == (200, 200, 204)
    assert second.json()["days"] == 365
    assert second.json()["updated_by"] == "police_admin"
    assert api.get(f"{PERIODS}robbery/").json()["default"] is True
    trail = list(entries(RetentionPolicy).order_by("id"))
    assert [e.action for e in trail] == [0, 1, 2]
    assert trail[1].changes["days"] == ["730", "365"]
    assert {(e.actor, e.object_agency) for e in trail} == {(world.police_admin, world.police)}


@pytest.mark.parametrize(
    ("body", "field"),
    [({"days": 0}, "days"), ({"days": 36501}, "days"), ({"days": "ten"}, "days"), ({}, "days"),
     ({"days": 10, "agency": "levies"}, "agency")],
)  # fmt: skip
def test_a_bad_period_is_a_400_naming_the_field(world, client_for, body, field):
    response = client_for(world.police_admin).put(f"{PERIODS}robbery/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not RetentionPolicy.objects.exists()


def test_only_the_agencys_admins_set_its_periods(world, client_for):
    for user in (world.levies_admin, world.police_analyst, world.police_submitter,
                 world.overseer, world.coordinator):  # fmt: skip
        response = client_for(user).put(f"{PERIODS}robbery/", {"days": 30}, format="json")
        assert response.status_code == 403, user
    assert (
        client_for(world.platform_admin)
        .put(f"{PERIODS}robbery/", {"days": 30}, format="json")
        .status_code
        == 200
    )
    api = client_for(world.police_admin)
    assert api.put(f"{PERIODS}no-such-category/", {"days": 30}, format="json").status_code == 404
    assert api.get("/api/v1/agencies/nowhere/retention/").status_code == 404
    assert RetentionPolicy.objects.count() == 1


def test_an_admin_places_and_lifts_a_hold_audited(world, client_for):
    # given
    incident = factories.incident(world.police, world.police_submitter)
    api = client_for(world.police_admin)
    # when
    placed = api.post(HOLDS, {"incident": str(incident.pk), "reason": "case 7/2026"}, format="json")
    again = api.post(HOLDS, {"incident": str(incident.pk), "reason": "case 7/2026"}, format="json")
    hold_id = placed.json()["id"]
    lifted = api.post(f"{HOLDS}{hold_id}/lift/", {"reason": "case closed"}, format="json")
    twice = api.post(f"{HOLDS}{hold_id}/lift/", {"reason": "case closed"}, format="json")
    # then
    assert (placed.status_code, again.status_code, lifted.status_code, twice.status_code) == (
        201, 409, 200, 409,
    )  # fmt: skip
    assert placed.json()["live"] is True
    assert lifted.json()["live"] is False
    assert lifted.json()["lift_reason"] == "case closed"
    assert api.get(HOLDS, {"live": "true"}).json()["results"] == []
    assert len(api.get(HOLDS).json()["results"]) == 1
    trail = list(entries(LegalHold).order_by("id"))
    assert [e.action for e in trail] == [0, 1]
    assert trail[1].changes["lift_reason"] == ["", "case closed"]
    assert {e.actor for e in trail} == {world.police_admin}


def test_a_hold_is_refused_on_another_agencys_incident_or_without_a_reason(world, client_for):
    # given
    theirs = factories.incident(world.levies, world.levies_submitter, tlp="CLEAR")
    ours = factories.incident(world.police, world.police_submitter)
    api = client_for(world.police_admin)
    # when
    other = api.post(HOLDS, {"incident": str(theirs.pk), "reason": "case 8/2026"}, format="json")
    short = api.post(HOLDS, {"incident": str(ours.pk), "reason": " x "}, format="json")
    by_levies = client_for(world.levies_admin).post(
        HOLDS, {"incident": str(ours.pk), "reason": "case 8/2026"}, format="json"
    )
    # then
    assert (other.status_code, "incident" in other.json()["errors"]) == (400, True)
    assert (short.status_code, "reason" in short.json()["errors"]) == (400, True)
    assert by_levies.status_code == 403
    assert not LegalHold.objects.exists()


def test_an_admin_reads_its_own_agencys_counts_of_each_run(world, client_for):
    # given: old incidents with persons at police and at levies
    when = datetime(2020, 1, 5, tzinfo=UTC)
    for agency, by in (
        (world.police, world.police_submitter),
        (world.levies, world.levies_submitter),
    ):
        factories.incident(
            agency, by, occurred_at=when, reported_at=when + timedelta(hours=1),
            persons=[{"role": "victim", "full_name": "Run Count"}],
        )  # fmt: skip
    dry_run = retention_dry_run()
    retention_apply(dry_run=dry_run)
    # when
    runs = client_for(world.police_admin).get(RUNS).json()["results"]
    # then: police's counts only
    assert [(r["dry_run"], r["persons"], r["incidents"]) for r in runs] == [
        (False, 1, 1), (True, 1, 1),
    ]  # fmt: skip
    assert runs[0]["applies"] == dry_run.pk
    assert [c["category"] for c in runs[0]["counts"]] == ["armed-assault"]
    assert client_for(world.levies_admin).get(RUNS).status_code == 403


def test_a_held_incident_is_not_deleted_until_its_hold_is_lifted(world, client_for):
    # given: an incident with a person, under a live hold
    person = {"role": "suspect", "full_name": "Gul Bibi", "national_id": "54400-1111111-2"}
    incident = factories.incident(world.police, world.police_submitter, persons=[person])
    admin = client_for(world.police_admin)
    body = {"incident": str(incident.pk), "reason": "case 9/2026"}
    placed = admin.post(HOLDS, body, format="json")
    url = f"/api/v1/incidents/{incident.pk}/"
    # when
    refused = client_for(world.police_submitter).delete(url, HTTP_IF_MATCH='"1"')
    # then: nothing is deleted, the person neither
    assert refused.status_code == 409, refused.content
    assert "legal hold" in refused.json()["errors"]["incident"][0]
    incident.refresh_from_db()
    assert incident.persons.count() == 1
    # when the hold is lifted
    admin.post(f"{HOLDS}{placed.json()['id']}/lift/", {"reason": "case closed"}, format="json")
    deleted = client_for(world.police_submitter).delete(url, HTTP_IF_MATCH='"1"')
    # then
    assert deleted.status_code == 204, deleted.content
