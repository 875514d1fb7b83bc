"""Purpose codes: the managed list, stated with every purpose-bound request, logged beside the
words, stored on shares and access requests, and kept by the platform admin."""

import pytest

from fusion.models import AccessRequest, AuditEntry, PurposeCode, ShareGrant
from tests import factories

pytestmark = pytest.mark.django_db

PURPOSES = "/api/v1/purposes/"
WORDS = "burglary series, suspect check"


@pytest.fixture
def amber(world):
    return factories.incident(world.police, world.police_submitter)


def person_read(client, incident, **params):
    query = {"include": "persons", "purpose": WORDS, **params}
    return client.get(f"/api/v1/incidents/{incident.pk}/", query)


def last_entry(event: str) -> AuditEntry:
    return AuditEntry.objects.filter(event=event).latest("id")


GETS = {
    "persons": lambda client, incident, **p: person_read(client, incident, **p),
    "search": lambda client, incident, **p: client.get(
        "/api/v1/persons/search/", {"national_id": "35202-1234567-1", "purpose": WORDS, **p}
    ),
    "export": lambda client, incident, **p: client.get(
        "/api/v1/export/", {"format": "csv", "purpose": WORDS, **p}
    ),
}
EVENTS = {
    "persons": "incident.persons_read",
    "search": "persons.search",
    "export": "incident.export",
}


def test_the_list_shows_active_codes_to_any_signed_in_user(world, client_for):
    # given
    PurposeCode.objects.filter(code="penalties").update(active=False)
    # when
    response = client_for(world.outsider).get(PURPOSES)
    # then
    assert response.status_code == 200
    codes = {row["code"] for row in response.json()}
    assert {"investigation", "prosecution", "threat_assessment", "other"} <= codes
    assert "penalties" not in codes
    assert client_for(None).get(PURPOSES).status_code == 401


@pytest.mark.parametrize("route", GETS)
def test_code_and_case_reference_are_logged_beside_the_words(world, client_for, amber, route):
    # when
    response = GETS[route](
        client_for(world.police_analyst), amber, purpose_code="investigation", case_ref="CR 17/26"
    )
    # then
    assert response.status_code == 200
    entry = last_entry(EVENTS[route])
    assert entry.purpose == WORDS
    assert entry.additional_data["purpose_code"] == "investigation"
    assert entry.additional_data["case_ref"] == "CR 17/26"


@pytest.mark.parametrize("route", GETS)
def test_words_alone_still_work_and_count_as_other(world, client_for, amber, route):
    # when
    response = GETS[route](client_for(world.police_analyst), amber)
    # then
    assert response.status_code == 200
    entry = last_entry(EVENTS[route])
    assert (entry.purpose, entry.additional_data["purpose_code"]) == (WORDS, "other")
    assert entry.additional_data["case_ref"] == ""


@pytest.mark.parametrize("route", GETS)
@pytest.mark.parametrize("code", ["fishing", "penalties"])
def test_an_unknown_or_inactive_code_is_refused_naming_it(world, client_for, amber, route, code):
    # given
    PurposeCode.objects.filter(code="penalties").update(active=False)
    before = AuditEntry.objects.filter(event=EVENTS[route]).count()
    # when
    response = GETS[route](client_for(world.police_analyst), amber, purpose_code=code)
    # then
    assert response.status_code == 400
    assert "purpose_code" in response.json()["errors"]
    assert AuditEntry.objects.filter(event=EVENTS[route]).count() == before


@pytest.mark.parametrize("ref", ["x" * 101, "CR 17\n26", "CR\x0017"])
def test_a_case_reference_too_long_or_unprintable_is_refused(world, client_for, amber, ref):
    # when
    response = person_read(client_for(world.police_analyst), amber, case_ref=ref)
    # then
    assert response.status_code == 400
    assert "case_ref" in response.json()["errors"]


def test_a_code_does_not_excuse_the_words(world, client_for, amber):
    # when
    response = person_read(
        client_for(world.police_analyst), amber, purpose="inv", purpose_code="investigation"
    )
    # then
    assert response.status_code == 400
    assert "purpose" in response.json()["errors"]


def test_a_share_keeps_its_code_and_reference_and_its_audit_entry_names_them(
    world, client_for, amber
):
    # when
    response = client_for(world.police_admin).post(
        f"/api/v1/incidents/{amber.pk}/shares/",
        {
            "agency": "levies",
            "level": "view",
            "purpose": "joint operation",
            "purpose_code": "prosecution",
            "case_ref": "W-2026-0042",
        },
    )
    # then
    assert response.status_code == 201
    body = response.json()
    assert (body["purpose_code"], body["case_ref"]) == ("prosecution", "W-2026-0042")
    grant = ShareGrant.objects.get(pk=body["id"])
    assert (grant.purpose_code, grant.case_ref) == ("prosecution", "W-2026-0042")
    entry = AuditEntry.objects.filter(
        content_type__model="sharegrant", object_pk=str(grant.pk), action=0
    ).latest("id")
    assert entry.changes["purpose_code"] == ["None", "prosecution"]
    assert entry.changes["case_ref"] == ["None", "W-2026-0042"]


def test_a_share_with_an_unknown_code_is_refused(world, client_for, amber):
    # when
    response = client_for(world.police_admin).post(
        f"/api/v1/incidents/{amber.pk}/shares/",
        {"agency": "levies", "level": "view", "purpose": "joint op", "purpose_code": "nosy"},
    )
    # then
    assert response.status_code == 400
    assert "purpose_code" in response.json()["errors"]
    assert not ShareGrant.objects.exists()


def test_an_approved_request_passes_its_code_and_reference_to_the_share(world, client_for):
    # given
    clear = factories.incident(world.police, world.police_submitter, tlp="CLEAR")
    asked = client_for(world.levies_analyst).post(
        "/api/v1/access-requests/",
        {
            "incident": str(clear.pk),
            "purpose": "same suspect in our case",
            "purpose_code": "deconfliction",
            "case_ref": "LV/88",
        },
    )
    assert asked.status_code == 201
    assert (asked.json()["purpose_code"], asked.json()["case_ref"]) == ("deconfliction", "LV/88")
    # when
    approved = client_for(world.police_admin).post(
        f"/api/v1/access-requests/{asked.json()['id']}/approve/", {}
    )
    # then
    assert approved.status_code == 200
    share = AccessRequest.objects.get(pk=asked.json()["id"]).share
    assert (share.purpose, share.purpose_code, share.case_ref) == (
        "same suspect in our case",
        "deconfliction",
        "LV/88",
    )


def test_the_platform_admin_adds_a_code_attributed_and_cannot_retire_other(world, client):
    # given
    client.force_login(world.platform_admin)
    # when
    added = client.post(
        "/admin/fusion/purposecode/add/",
        {"code": "extradition", "name": "Extradition", "description": "", "active": "on"},
    )
    other = PurposeCode.objects.get(code="other")
    client.post(
        f"/admin/fusion/purposecode/{other.pk}/change/",
        {"name": "Other", "description": "", "active": ""},
    )
    # then
    assert added.status_code == 302
    made = PurposeCode.objects.get(code="extradition")
    entry = AuditEntry.objects.filter(
        content_type__model="purposecode", object_pk=str(made.pk), action=0
    ).latest("id")
    assert entry.actor == world.platform_admin
    assert PurposeCode.objects.get(code="other").active
    assert client.get(f"/admin/fusion/purposecode/{other.pk}/delete/").status_code == 403
