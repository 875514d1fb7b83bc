"""The oversight pages through Django's test client: each answers what the API answers for the
user (a refusal as a page, with no data), a bad filter is the API's 400 naming the field, the
pages' reads are logged as the API logs them, complaints move on only as the API allows, and
the kill switch takes oversight's decision with its rationale."""

import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from analytics.models import Assessment
from fusion import audit
from fusion.models import AuditEntry, Complaint
from fusion.oversight.complaints import complaint_receive
from tests import factories

pytestmark = pytest.mark.django_db

AUDIT = "/oversight/audit/"
VERIFY = "/oversight/audit/verify/"
COMPLAINTS = "/oversight/complaints/"
RECORDS = "/oversight/assessments/"
TRANSPARENCY = "/oversight/transparency/"
SUBJECT = "Search of my brother's record"


@pytest.fixture
def complaint(db) -> Complaint:
    return complaint_receive(
        subject=SUBJECT, details="Nobody told us why.", contact="by post", about="access"
    )


@pytest.fixture
def record(world) -> Assessment:
    """A pending hotspots record with nothing computed."""
    return Assessment.objects.create(
        kind="hotspots", status="pending_review", requester=world.police_analyst,
        agency=world.police, scope={}, params={}, scope_key="o", method_version="1",
        code_version="t", result={"cells": [], "warnings": []},
    )  # fmt: skip


def signed_in(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


@pytest.mark.parametrize(
    ("path", "words"),
    [
        (AUDIT, "Only oversight members, platform admins and agency admins read the audit"),
        (VERIFY, "Only oversight members and platform admins read the audit trail."),
        (COMPLAINTS, "Only oversight members and platform admins handle complaints."),
        (RECORDS, "Only oversight members and platform admins read the audit trail."),
    ],
)
def test_each_page_refuses_an_analyst_as_the_api_does(world, client, complaint, path, words):
    # given
    factories.incident(world.levies, world.levies_submitter, external_ref="LEV-SECRET")
    # when
    response = signed_in(client, world.police_analyst).get(path)
    # then
    assert response.status_code == 403
    page = text(response)
    assert "Not allowed" in page
    assert words in page
    assert "LEV-SECRET" not in page
    assert SUBJECT not in page


def test_one_complaint_and_one_record_are_refused_to_an_analyst_too(
    world, client, complaint, record
):
    signed_in(client, world.police_analyst)
    for path in (f"{COMPLAINTS}{complaint.reference}/", f"{RECORDS}{record.pk}/"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert SUBJECT not in text(response)
    decided = client.post(
        "/oversight/models/hotspots/status/",
        {"status": "suspended", "rationale": "An analyst should not decide this."},
    )
    assert decided.status_code == 403
    assert "Only oversight members may do this." in text(decided)


def test_an_agency_admin_reads_only_its_own_agencys_entries_and_cannot_verify(world, client):
    # given
    factories.incident(world.police, world.police_submitter, external_ref="POL-OWN")
    factories.incident(world.levies, world.levies_submitter, external_ref="LEV-OTHER")
    signed_in(client, world.police_admin)
    # when
    own = client.get(AUDIT, {"object_type": "incidents.incident"})
    verify = client.get(VERIFY)
    # then
    assert own.status_code == 200
    rows = BeautifulSoup(own.content, "html.parser").select("table.audit-table tbody tr")
    assert rows
    assert all("of police" in row.get_text() for row in rows)
    assert "levies" not in text(own).lower()
    assert verify.status_code == 403


def test_oversight_reads_every_agencys_entries_with_actions_in_words(world, client):
    # given
    factories.incident(world.police, world.police_submitter, external_ref="POL-1")
    factories.incident(world.levies, world.levies_submitter, external_ref="LEV-1")
    # when
    response = signed_in(client, world.overseer).get(
        AUDIT, {"action": "create", "object_type": "incidents.incident"}
    )
    # then
    assert response.status_code == 200
    rows = BeautifulSoup(response.content, "html.parser").select("table.audit-table tbody tr")
    assert {r.select("td")[3].get_text().split("of ")[-1].strip() for r in rows} == {
        "police",
        "levies",
    }
    assert all("Created" in r.select("td")[2].get_text() for r in rows)


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        (AUDIT, {"since": "yesterday"}, "since"),
        (AUDIT, {"until": "2026-01-01"}, "until"),
        (AUDIT, {"action": "erase"}, "action"),
        (RECORDS, {"kind": "crystal-ball"}, "kind"),
        (RECORDS, {"since": "soon"}, "since"),
    ],
)
def test_a_bad_filter_value_is_the_apis_400_naming_the_field(world, client, path, query, field):
    # when
    response = signed_in(client, world.overseer).get(path, query)
    # then
    assert response.status_code == 400
    summary = BeautifulSoup(response.content, "html.parser").select_one(".error-summary")
    assert summary is not None
    assert field in [name.get_text() for name in summary.select(".field-name")]
    assert not BeautifulSoup(response.content, "html.parser").select("table.audit-table")


def test_a_time_from_the_form_without_offset_is_read_as_utc(world, client, settings):
    # a server time zone other than UTC, where the API would read a time without offset
    settings.TIME_ZONE = "Asia/Karachi"
    factories.incident(world.police, world.police_submitter, external_ref="POL-T")
    signed_in(client, world.overseer)
    later = (timezone.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    assert re.search(r"\b0 entries", text(client.get(AUDIT, {"since": later})))
    assert not re.search(r"\b0 entries", text(client.get(AUDIT, {"until": later})))


def test_the_pages_of_the_log_stay_in_the_console_with_their_filters(world, client):
    # given
    with audit.acting(world.overseer):
        for n in range(55):
            audit.log_event(event="test.read", model=AuditEntry, object_repr=f"r{n}")
    # when
    first = signed_in(client, world.overseer).get(AUDIT, {"actor": "overseer"})
    link = BeautifulSoup(first.content, "html.parser").select_one("a[rel=next]")["href"]
    second = client.get(link)
    # then
    assert link.startswith(AUDIT)
    assert "actor=overseer" in link
    assert "page=2" in link
    back = BeautifulSoup(second.content, "html.parser").select_one("a[rel=prev]")["href"]
    assert back == f"{AUDIT}?actor=overseer"
    assert client.get(AUDIT, {"page": "99"}).status_code == 404


@pytest.mark.parametrize(
    ("path", "event"),
    [
        (AUDIT, "audit.read"),
        (VERIFY, "audit.verify"),
        (COMPLAINTS, "complaints.read"),
        (RECORDS, "assessments.oversight_read"),
    ],
)
def test_reading_a_page_is_logged_as_the_api_logs_it(world, client, complaint, path, event):
    # when
    signed_in(client, world.overseer).get(path)
    # then
    logged = AuditEntry.objects.filter(event=event)
    assert logged.count() == 1
    assert logged.get().actor == world.overseer


def test_reading_one_complaint_and_one_record_is_logged(world, client, complaint, record):
    signed_in(client, world.overseer)
    assert client.get(f"{COMPLAINTS}{complaint.reference}/").status_code == 200
    assert client.get(f"{RECORDS}{record.pk}/").status_code == 200
    assert AuditEntry.objects.get(event="complaint.read").object_pk == str(complaint.pk)
    assert AuditEntry.objects.get(event="assessment.oversight_read").object_pk == str(record.pk)


def test_a_missing_complaint_or_record_is_not_found(world, client):
    signed_in(client, world.overseer)
    assert client.get(f"{COMPLAINTS}C-NOSUCHREF1/").status_code == 404
    missing = client.get(f"{RECORDS}00000000-0000-0000-0000-000000000000/")
    assert missing.status_code == 404
    assert "Not found" in text(missing)


def test_oversight_moves_a_complaint_on_only_as_the_api_allows(world, client, complaint):
    # given
    page = f"{COMPLAINTS}{complaint.reference}/"
    signed_in(client, world.overseer)
    listed = client.get(COMPLAINTS)
    assert complaint.reference in text(listed)
    assert SUBJECT in text(listed)
    # when: a step, then a decision without its resolution, then a step not allowed
    moved = client.post(page, {"status": "under_review", "public_response_was": ""})
    no_resolution = client.post(page, {"status": "upheld", "public_response_was": ""})
    skipped = client.post(page, {"status": "closed", "public_response_was": ""})
    nothing = client.post(page, {"public_response_was": ""})
    answered = client.post(
        page, {"public_response": "We are looking into it.", "public_response_was": ""}
    )
    # then
    assert moved.status_code == 302
    assert no_resolution.status_code == 400
    assert "resolution" in text(no_resolution)
    assert skipped.status_code == 409
    assert "Allowed next: rejected, upheld." in text(skipped)
    assert nothing.status_code == 400
    assert answered.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.public_response) == (
        "under_review",
        "We are looking into it.",
    )
    assert complaint.handled_by == world.overseer
    shown = client.get(page)
    assert "Under review" in text(shown)
    options = BeautifulSoup(shown.content, "html.parser").select("#c-status option")
    assert [o["value"] for o in options] == ["", "upheld", "rejected"]


def test_oversight_suspends_a_method_with_a_rationale(world, client):
    # given
    signed_in(client, world.overseer)
    form = BeautifulSoup(client.get(RECORDS).content, "html.parser").select_one(
        "form[action='/oversight/models/hotspots/status/']"
    )
    version = form.select_one("input[name=version]")["value"]
    # when
    short = client.post(
        "/oversight/models/hotspots/status/",
        {"status": "suspended", "rationale": "too few", "version": version},
    )
    done = client.post(
        "/oversight/models/hotspots/status/",
        {"status": "suspended", "rationale": "Bias drift in two districts.", "version": version},
    )
    # then
    assert short.status_code == 400
    assert "rationale" in text(short)
    assert done.status_code == 302
    card = BeautifulSoup(client.get(RECORDS).content, "html.parser").select_one("#card-hotspots")
    assert "suspended" in card.find_parent("article").get_text()
    assert "Bias drift in two districts." in card.find_parent("article").get_text()


def test_transparency_shows_a_small_count_as_suppressed(world, client):
    # given: three complaints in the last complete month (fewer than the smallest cell)
    last_month = timezone.now().replace(day=1) - timedelta(days=3)
    for n in range(3):
        complaint_receive(subject=f"s{n}", details="d", about="other")
    Complaint.objects.update(received_at=last_month)
    # when
    response = signed_in(client, world.overseer).get(TRANSPARENCY)
    # then
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    row = next(
        tr for tr in soup.select("table.figures tr") if "Complaints received" in tr.get_text()
    )
    cells = [td.get_text(strip=True) for td in row.select("td")]
    assert cells[-2] == "Suppressed"  # the last complete month
    assert cells[-1] == "withheld"  # the total would give it away
    assert "3" not in cells
