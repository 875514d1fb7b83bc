"""A complainant without an account reads their complaint's status with its reference and the
secret shown once at filing: the status, dates and oversight's public response, never what
oversight keeps internal. A wrong reference and a wrong secret are the same 404."""

import pytest
from django.core.cache import cache
from django.db import connection

from fusion.api.throttling import ScopedRateThrottle
from fusion.models import AuditEntry, Complaint

pytestmark = pytest.mark.django_db

URL = "/api/v1/complaints/"
STATUS = "/api/v1/complaints/status/"
FILED = {"subject": "Shared my number", "details": "My number was shared.", "about": "share"}


def filed(client_for) -> dict:
    response = client_for(None).post(URL, FILED, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def check(client_for, reference, secret):
    return client_for(None).post(STATUS, {"reference": reference, "secret": secret}, format="json")


def test_filing_gives_a_secret_kept_only_as_a_digest(client_for):
    # when
    receipt = filed(client_for)
    # then
    secret = receipt["secret"]
    assert len(secret) >= 32
    complaint = Complaint.objects.get(reference=receipt["reference"])
    assert len(complaint.secret_digest) == 64
    assert secret not in complaint.secret_digest
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Complaint._meta.db_table}")  # noqa: S608
        assert secret not in str(cursor.fetchall())
    # nor is the digest copied into the audit trail
    logged = str(list(AuditEntry.objects.values_list("changes", flat=True)))
    assert "secret_digest" not in logged
    assert complaint.secret_digest not in logged


def test_the_complainant_reads_status_dates_and_the_public_response_only(world, client_for):
    # given: oversight reviews and upholds it, with an internal resolution and a public answer
    receipt = filed(client_for)
    overseer = client_for(world.overseer)
    detail = f"{URL}{receipt['reference']}/"
    overseer.patch(detail, {"status": "under_review"}, format="json")
    decided = overseer.patch(
        detail,
        {
            "status": "upheld",
            "resolution": "INTERNAL: analyst over-shared, disciplinary note",
            "public_response": "We withdrew the share and told the agency.",
        },
        format="json",
    )
    assert decided.status_code == 200, decided.content
    # when
    response = check(client_for, receipt["reference"], receipt["secret"])
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["decision"]) == ("upheld", "upheld")
    assert body["public_response"] == "We withdrew the share and told the agency."
    assert {"received_at", "updated_at", "due_at"} <= set(body)
    assert "INTERNAL" not in str(body)
    assert not {"subject", "details", "contact", "resolution", "handled_by"} & set(body)


def test_oversight_answers_the_complainant_without_changing_the_status(world, client_for):
    # given
    receipt = filed(client_for)
    # when
    answered = client_for(world.overseer).patch(
        f"{URL}{receipt['reference']}/", {"public_response": "Received; we are looking into it."},
        format="json",
    )  # fmt: skip
    # then
    assert answered.status_code == 200, answered.content
    body = check(client_for, receipt["reference"], receipt["secret"]).json()
    assert (body["status"], body["public_response"]) == (
        "received", "Received; we are looking into it.",
    )  # fmt: skip
    assert (
        client_for(world.police_admin)
        .patch(f"{URL}{receipt['reference']}/", {"public_response": "x"}, format="json")
        .status_code
        == 403
    )


def test_before_any_answer_the_public_response_is_null(client_for):
    # given
    receipt = filed(client_for)
    # when
    body = check(client_for, receipt["reference"].lower(), receipt["secret"]).json()
    # then
    assert (body["status"], body["public_response"]) == ("received", None)


def test_a_wrong_secret_and_a_wrong_reference_are_the_same_404(client_for):
    # given
    receipt = filed(client_for)
    other = filed(client_for)
    # when
    wrong_secret = check(client_for, receipt["reference"], other["secret"])
    wrong_reference = check(client_for, "C-ZZZZZZZZZZ", receipt["secret"])
    # then
    assert wrong_secret.status_code == wrong_reference.status_code == 404
    assert wrong_secret.content == wrong_reference.content


def test_a_complaint_filed_without_a_secret_is_not_public(client_for):
    # given: filed before secrets were given
    receipt = filed(client_for)
    Complaint.objects.filter(reference=receipt["reference"]).update(secret_digest="")
    # then
    assert check(client_for, receipt["reference"], "").status_code == 400
    assert check(client_for, receipt["reference"], receipt["secret"]).status_code == 404


def test_a_status_check_without_a_secret_is_a_400_naming_it(client_for):
    response = client_for(None).post(STATUS, {"reference": "C-ABC"}, format="json")
    assert response.status_code == 400
    assert "secret" in response.json()["errors"]


def test_status_checks_are_rate_limited_per_address(client_for, monkeypatch):
    # given
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "complaints", "2/hour")
    cache.clear()
    # when
    codes = [check(client_for, "C-ZZZZZZZZZZ", "guess").status_code for _ in range(3)]
    # then
    assert codes == [404, 404, 429]
