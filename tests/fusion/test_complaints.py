"""Complaints: filed by anyone, kept encrypted, handled by oversight through an enforced
lifecycle with a deadline, every step audited without the complainant's words."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from fusion.api.throttling import ScopedRateThrottle
from fusion.models import AuditEntry, Complaint
from tests.incidents.test_crypto import BOTH, NEW_ONLY, OLD_ONLY

pytestmark = pytest.mark.django_db

URL = "/api/v1/complaints/"
FILED = {
    "subject": "My cousin's phone number was shared",
    "details": "Farida Baloch, 0300-5551234, was named in an incident shared with levies.",
    "contact": "farida@example.org",
    "about": "share",
}


def file(client_for, body=None):
    return client_for(None).post(URL, body or FILED, format="json")


def test_anyone_files_a_complaint_and_gets_a_reference_and_a_deadline(client_for, settings):
    # when
    response = file(client_for)
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"].startswith("C-")
    assert body["status"] == "received"
    complaint = Complaint.objects.get(reference=body["reference"])
    assert complaint.due_at - complaint.received_at == timedelta(
        days=settings.FUSION_COMPLAINT_DAYS
    )
    assert "details" not in body


def test_what_the_complainant_wrote_is_encrypted_and_kept_out_of_the_audit_trail(client_for):
    # when
    reference = file(client_for).json()["reference"]
    # then
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT subject, details, contact FROM fusion_complaint WHERE reference = %s",
            [reference],
        )
        stored = " ".join(cursor.fetchone())
        cursor.execute("SELECT coalesce(changes::text, '') FROM fusion_auditentry")
        trail = " ".join(row[0] for row in cursor.fetchall())
    for secret in ("Farida", "0300-555", "farida@example", "cousin"):
        assert secret not in stored
        assert secret not in trail
    assert Complaint.objects.get(reference=reference).contact == "farida@example.org"


@pytest.mark.parametrize(
    ("body", "field"),
    [({**FILED, "details": ""}, "details"), ({**FILED, "about": "x"}, "about"),
     ({**FILED, "status": "upheld"}, "status")],
)  # fmt: skip
def test_a_bad_complaint_is_a_400_naming_the_field(client_for, body, field):
    # when
    response = file(client_for, body)
    # then
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Complaint.objects.exists()


def test_oversight_lists_and_reads_complaints_and_the_reads_are_logged(world, client_for):
    # given
    reference = file(client_for).json()["reference"]
    api = client_for(world.overseer)
    # when
    listed = api.get(URL)
    read = api.get(f"{URL}{reference}/")
    # then
    assert [c["reference"] for c in listed.json()["results"]] == [reference]
    assert read.json()["details"] == FILED["details"]
    assert read.json()["overdue"] is False
    events = set(AuditEntry.objects.filter(actor=world.overseer).values_list("event", flat=True))
    assert {"complaints.read", "complaint.read"} <= events


@pytest.mark.parametrize("role", ["police_admin", "police_analyst", "levies_admin", "outsider"])
def test_no_one_else_reads_complaints(world, client_for, role):
    # given
    reference = file(client_for).json()["reference"]
    api = client_for(getattr(world, role))
    # then
    assert api.get(URL).status_code == 403
    assert api.get(f"{URL}{reference}/").status_code == 403
    assert api.patch(f"{URL}{reference}/", {"status": "under_review"}).status_code == 403
    assert client_for(None).get(URL).status_code == 401


def advance(api, reference, status, resolution=None):
    body = {"status": status, **({"resolution": resolution} if resolution is not None else {})}
    return api.patch(f"{URL}{reference}/", body, format="json")


def test_the_lifecycle_is_enforced_and_the_decision_kept(world, client_for):
    # given
    reference = file(client_for).json()["reference"]
    api = client_for(world.overseer)
    # then: no decision before review, none without a resolution
    assert advance(api, reference, "upheld", "yes").status_code == 409
    assert advance(api, reference, "under_review").status_code == 200
    assert advance(api, reference, "rejected").status_code == 400
    decided = advance(api, reference, "upheld", "The share broke the agreement; withdrawn.")
    assert decided.status_code == 200
    assert advance(api, reference, "rejected", "changed my mind").status_code == 409
    closed = advance(api, reference, "closed")
    assert closed.json()["status"] == "closed"
    assert closed.json()["decision"] == "upheld"
    assert closed.json()["handled_by"] == "overseer"
    assert advance(api, reference, "received").status_code == 409
    changes = AuditEntry.objects.filter(object_repr=reference, action=1).count()
    assert changes == 3


def test_a_complaint_past_its_deadline_is_overdue_until_decided(world, client_for):
    # given: filed 31 days ago
    reference = file(client_for).json()["reference"]
    filed = timezone.now() - timedelta(days=31)
    Complaint.objects.filter(reference=reference).update(
        received_at=filed, due_at=filed + timedelta(days=30)
    )
    api = client_for(world.overseer)
    # when
    overdue = api.get(f"{URL}{reference}/").json()["overdue"]
    advance(api, reference, "under_review")
    advance(api, reference, "rejected", "Nothing was shared.")
    after = api.get(f"{URL}{reference}/").json()["overdue"]
    # then
    assert (overdue, after) == (True, False)


def test_filing_is_rate_limited_per_address(client_for, monkeypatch):
    # given
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "complaints", "2/hour")
    cache.clear()
    client = client_for(None)
    # when: each request claims another forwarding address (no proxy is trusted)
    codes = [
        client.post(URL, FILED, format="json", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(3)
    ]
    # then
    assert codes == [201, 201, 429]
    assert Complaint.objects.count() == 2


def test_key_rotation_reencrypts_complaints(client_for, settings):
    # given
    settings.FIELD_ENCRYPTION_KEYS = OLD_ONLY
    reference = file(client_for).json()["reference"]
    # when
    settings.FIELD_ENCRYPTION_KEYS = BOTH
    out = StringIO()
    call_command("rotate_field_keys", stdout=out)
    settings.FIELD_ENCRYPTION_KEYS = NEW_ONLY
    # then
    assert Complaint.objects.get(reference=reference).details == FILED["details"]
    assert "re-encrypted 1 of 1 complaints" in out.getvalue()
