"""Method lifecycle: oversight suspends, reactivates or retires a method version with a
rationale; a version that is not active takes no requests and none of its results is approved;
its pending results are marked; the model card shows the history."""

import pytest

from analytics import services, standing
from analytics.models import Assessment, MethodStatusChange, StandingAssessment
from analytics.registry import METHODS
from fusion.models import AuditEntry
from tests import factories
from tests.analytics.conftest import AFTER, BBOX, BEFORE, HOT, ingest, records

pytestmark = pytest.mark.django_db

HOTSPOTS = "/api/v1/models/hotspots/status/"
VERSION = METHODS["hotspots"]["version"]
WHY = "Flags follow patrol routes; under review by the board."
SCOPE = {"area": {"bbox": BBOX}, "categories": [], "occurred_after": AFTER.isoformat(),
         "occurred_before": BEFORE.isoformat()}  # fmt: skip
REQUEST = {"kind": "hotspots", "area": {"bbox": BBOX}, "params": {"cell_size_km": 1.0}}


def decide(api, status: str, rationale: str = WHY, url: str = HOTSPOTS, **extra):
    return api.post(url, {"status": status, "rationale": rationale, **extra}, format="json")


def pending(world, **fields) -> Assessment:
    """A hotspots result of the current version awaiting review, with one warning."""
    return Assessment.objects.create(
        kind="hotspots", status="pending_review", requester=world.police_analyst,
        agency=world.police, scope=SCOPE, params={}, scope_key="lifecycle",
        method_version=VERSION, code_version="test",
        result={"cells": [], "warnings": ["sparse data"]}, **fields,
    )  # fmt: skip


def review(api, assessment, decision: str, warnings: list[str]):
    body = {"decision": decision, "rationale": "checked against the patrol log"}
    return api.post(
        f"/api/v1/assessments/{assessment.pk}/review/",
        {**body, "acknowledged_warnings": warnings},
        format="json",
    )


def card(api, method: str = "hotspots") -> dict:
    cards = api.get("/api/v1/models/").json()["results"]
    return next(c for c in cards if c["method"] == method)


def test_a_suspended_method_refuses_requests_naming_kind(world, client_for):
    # given
    oversight, analyst = client_for(world.overseer), client_for(world.police_analyst)
    # when
    response = decide(oversight, "suspended")
    # then
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "suspended"
    refused = analyst.post("/api/v1/assessments/", REQUEST, format="json")
    assert refused.status_code == 409, refused.content
    assert "suspended" in refused.json()["errors"]["kind"][0]
    assert WHY in refused.json()["errors"]["kind"][0]
    assert not Assessment.objects.exists()
    # and another method is not concerned
    other = {"kind": "links", "area": {"bbox": BBOX}}
    assert analyst.post("/api/v1/assessments/", other, format="json").status_code == 202


def test_reactivating_allows_requests_again_and_keeps_the_history(world, client_for):
    # given
    oversight, analyst = client_for(world.overseer), client_for(world.police_analyst)
    decide(oversight, "suspended")
    # when
    response = decide(oversight, "active", "Reviewed: the flags hold after reweighting.")
    # then
    assert response.status_code == 200, response.content
    assert analyst.post("/api/v1/assessments/", REQUEST, format="json").status_code == 202
    shown = card(analyst)
    assert shown["status"] == "active"
    assert [(h["status"], h["version"], h["by"]) for h in shown["status_history"]] == [
        ("suspended", VERSION, "watch"),
        ("active", VERSION, "watch"),
    ]
    assert shown["status_history"][0]["rationale"] == WHY
    assert "overseer" not in str(shown["status_history"])  # the member is in the audit trail
    assert card(analyst, "surges")["status_history"] == []


def test_a_pending_result_is_marked_and_not_approved_while_suspended(world, client_for):
    # given
    assessment = pending(world)
    oversight = client_for(world.overseer)
    reviewer = client_for(factories.member(world.police, "analyst"))
    # when
    decide(oversight, "suspended")
    # then: the result carries a warning naming the decision, and cannot be approved
    assessment.refresh_from_db()
    marked = [w for w in assessment.result["warnings"] if "suspended by oversight" in w]
    assert len(marked) == 1, assessment.result["warnings"]
    assert WHY in marked[0]
    acknowledged = assessment.result["warnings"]
    detail = reviewer.get(f"/api/v1/assessments/{assessment.pk}/").json()
    assert detail["method_status"] == "suspended"
    refused = review(reviewer, assessment, "approve", acknowledged)
    assert refused.status_code == 409, refused.content
    assert Assessment.objects.get(pk=assessment.pk).status == "pending_review"
    # when oversight reactivates the method, the block is lifted (the warning stays)
    decide(oversight, "active", "Reviewed: the flags hold after reweighting.")
    assert review(reviewer, assessment, "approve", ["sparse data"]).status_code == 400
    approved = review(reviewer, assessment, "approve", acknowledged)
    assert approved.status_code == 200, approved.content
    assert approved.json()["method_status"] == "active"


def test_a_suspended_methods_result_may_be_rejected(world, client_for):
    # given
    assessment = pending(world)
    reviewer = client_for(factories.member(world.police, "analyst"))
    decide(client_for(world.overseer), "suspended")
    assessment.refresh_from_db()
    # when
    response = review(reviewer, assessment, "reject", assessment.result["warnings"])
    # then
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "rejected"


def test_a_run_that_ends_after_the_suspension_is_marked(
    world, client_for, django_capture_on_commit_callbacks
):
    # given: a run queued before the suspension, not yet computed
    ingest(world.police, world.police_submitter, records(40, seed=1, centre=HOT))
    with django_capture_on_commit_callbacks(execute=False):
        response = client_for(world.police_analyst).post(
            "/api/v1/assessments/", REQUEST, format="json"
        )
    queued = Assessment.objects.get(pk=response.json()["id"])
    assert queued.status == "queued"
    decide(client_for(world.overseer), "suspended")
    # when
    services.assessment_run(str(queued.pk))
    # then
    queued.refresh_from_db()
    assert queued.status == "pending_review", queued.error
    assert any("suspended by oversight" in w for w in queued.result["warnings"])


@pytest.mark.parametrize(
    "role", ["coordinator", "police_admin", "police_analyst", "platform_admin", "outsider"]
)
def test_only_oversight_changes_a_status(world, client_for, role):
    # when
    response = decide(client_for(getattr(world, role)), "suspended")
    # then
    assert response.status_code == 403, response.content
    assert not MethodStatusChange.objects.exists()


@pytest.mark.parametrize("rationale", [None, "", "too short"])
def test_a_status_change_needs_a_rationale(world, client_for, rationale):
    # given
    body = {"status": "suspended"} | ({"rationale": rationale} if rationale is not None else {})
    # when
    response = client_for(world.overseer).post(HOTSPOTS, body, format="json")
    # then
    assert response.status_code == 400, response.content
    assert "rationale" in response.json()["errors"]
    assert not MethodStatusChange.objects.exists()


def test_retired_is_final(world, client_for):
    # given
    oversight = client_for(world.overseer)
    assert decide(oversight, "retired").status_code == 200
    # when
    again = [decide(oversight, status) for status in ("active", "suspended", "retired")]
    # then
    assert [r.status_code for r in again] == [409, 409, 409]
    assert "final" in again[0].json()["detail"]
    refused = client_for(world.police_analyst).post("/api/v1/assessments/", REQUEST)
    assert refused.status_code == 409
    assert "retired" in refused.json()["errors"]["kind"][0]
    assert MethodStatusChange.objects.count() == 1


def test_the_same_status_again_or_another_version_is_a_conflict(world, client_for):
    # given
    oversight = client_for(world.overseer)
    # when
    same = decide(oversight, "active")
    stale = decide(oversight, "suspended", version="0.9.0")
    unknown = decide(oversight, "suspended", url="/api/v1/models/palmistry/status/")
    # then
    assert (same.status_code, stale.status_code, unknown.status_code) == (409, 409, 404)
    assert "version" in stale.json()["errors"]
    assert decide(oversight, "suspended", version=VERSION).status_code == 200
    assert decide(oversight, "suspended").status_code == 409


def test_a_status_change_is_audited_with_its_actor(world, client_for):
    # when
    decide(client_for(world.overseer), "suspended")
    # then
    change = MethodStatusChange.objects.get()
    entry = AuditEntry.objects.get(
        content_type__model="methodstatuschange", object_pk=str(change.pk)
    )
    assert (entry.actor, entry.acting_agency) == (world.overseer, world.watchdog)
    assert (change.number, change.agency, change.actor) == (1, world.watchdog, world.overseer)


def test_a_standing_assessment_due_while_suspended_records_the_refusal(world, client_for):
    # given
    weekly = StandingAssessment.objects.create(
        name="weekly hotspots", kind="hotspots", owner=world.coordinator, agency=world.centre,
        request={"params": {"cell_size_km": 1.0}, "area": {"bbox": BBOX}},
    )  # fmt: skip
    oversight = client_for(world.overseer)
    decide(oversight, "suspended")
    # when
    made = standing.run_due()
    # then: recorded on it, due again at the next beat
    weekly.refresh_from_db()
    assert made == []
    assert "suspended" in weekly.last_error
    assert weekly.last_run_at is None
    # and once the method is reactivated it runs
    decide(oversight, "active", "Reviewed: the flags hold after reweighting.")
    assert [a.standing_id for a in standing.run_due()] == [weekly.pk]


def test_report_requests_and_transparency_while_suspended(world, client_for):
    # given
    decide(client_for(world.overseer), "suspended")
    # when
    report = client_for(world.police_analyst).post(
        "/api/v1/reports/", {"period_start": "2026-11-02", "period_end": "2026-11-09"}
    )
    public = client_for(None).get("/api/v1/transparency/").json()
    # then
    assert report.status_code == 202, report.content
    statuses = {m["method"]: m["status"] for m in public["models"]}
    assert statuses == {"hotspots": "suspended", "surges": "active", "forecast": "active",
                        "links": "active"}  # fmt: skip


def test_a_platform_admin_who_makes_itself_an_oversight_member_still_may_not(world, client_for):
    # given: the platform admin adds itself to the oversight body, in the oversight role
    admin = client_for(world.platform_admin)
    joined = admin.post(
        f"/api/v1/agencies/{world.watchdog.code}/members/",
        {"username": world.platform_admin.username, "role": "oversight"},
        format="json",
    )
    assert joined.status_code == 201, joined.content
    # when
    response = decide(admin, "suspended")
    # then
    assert response.status_code == 403, response.content
    assert not MethodStatusChange.objects.exists()
