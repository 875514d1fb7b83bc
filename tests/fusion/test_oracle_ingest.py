"""Properties of ingest in the random worlds of the visibility oracle
(tests/fusion/test_visibility_oracle.py, whose builders and checks this module reuses):

- a re-post that leaves out any subset of the optional fields changes none of them, never
  lowers a TLP, keeps the persons, and so leaves what everyone sees as the oracle says;
- a copy is refused on every route, so it makes nothing visible to anyone, exactly when it
  is the same event as an incident of another agency that the writer sees through a share
  (not TLP:CLEAR, which anyone may republish) with the same text: at most two minutes and
  50 m apart, categories of one group, descriptions sharing at least 80% of their words
  (case aside). A copy of one the writer does not see is stored like any new record (no
  probe of hidden incidents), and the oracle, told of it, still holds.
"""

import math
from datetime import timedelta

import pytest
from django.db import transaction
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from agencies.models import Membership
from fusion.errors import Conflict
from incidents.bulk import incident_upsert_batch
from incidents.models import Category, Incident
from incidents.services import incident_upsert
from tests import factories
from tests.fusion.test_visibility_oracle import CHECK_AT, NONE, NOW, TLPS, build, check_user, worlds
from tests.incidents.test_ingest_merge import stix_body

pytestmark = pytest.mark.django_db

OPTIONAL = ["killed", "injured", "district", "description", "tlp", "contexts", "status"]
WRITERS = {"submitter", "agency_admin"}
SETTINGS = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def submitter_of(incident: Incident):
    return Membership.objects.filter(agency_id=incident.agency_id, role="submitter").first().user


def repost(incident: Incident, left_out: set[str], n: int) -> dict:
    """The incident as stored, without `left_out`; a sent description is new text."""
    record = {
        "external_ref": incident.external_ref, "occurred_at": incident.occurred_at,
        "reported_at": incident.reported_at, "category": incident.category_id,
        "severity": incident.severity, "latitude": incident.latitude,
        "longitude": incident.longitude,
        **{name: getattr(incident, name) for name in OPTIONAL if name not in left_out},
    }  # fmt: skip
    if "description" in record:
        record["description"] = f"re-posted {n}"
    return record


def write(route: str, actor, agency, record: dict) -> None:
    if route == "single":
        incident_upsert(actor=actor, agency=agency, record=record)
    else:
        incident_upsert_batch(actor=actor, agency=agency, records=[record])


@SETTINGS
@given(
    spec=worlds(),
    reposts=st.lists(
        st.tuples(
            st.integers(0, 6),
            st.sets(st.sampled_from(OPTIONAL), min_size=1),
            st.sampled_from(["single", "bulk"]),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_reposts_leaving_fields_out_change_none_of_them(spec, reposts, db):
    with transaction.atomic():
        with freeze_time(NOW):
            oracle, users = build(spec)
            ids = list(oracle.incidents)
            for n, (index, left_out, route) in enumerate(reposts):
                if index >= len(ids):
                    continue
                before = Incident.objects.get(pk=ids[index])
                persons = set(before.persons.values_list("pk", flat=True))
                # when
                write(route, submitter_of(before), before.agency, repost(before, left_out, n))
                # then
                after = Incident.objects.get(pk=ids[index])
                for name in left_out:
                    assert getattr(after, name) == getattr(before, name), (name, route)
                assert after.tlp == before.tlp
                assert set(after.persons.values_list("pk", flat=True)) == persons
        with freeze_time(CHECK_AT):
            for user in users:
                check_user(user, oracle)
        transaction.set_rollback(True)


def writer_agency(oracle, user):
    return next((code for code, role in oracle.roles[user].items() if role in WRITERS), None)


def copy_of(incident: Incident, n: int, tlp: str) -> dict:
    return {
        "external_ref": f"COPY-{n}", "occurred_at": incident.occurred_at,
        "category": incident.category_id, "severity": incident.severity,
        "latitude": incident.latitude, "longitude": incident.longitude,
        "description": incident.description, "tlp": tlp,
    }  # fmt: skip


def same_text(a: str, b: str) -> bool:
    """Descriptions sharing at least 80% of their words, case aside (this world's texts are
    short ASCII words, so this is the copy rule's whole test of them)."""
    words_a, words_b = set(a.casefold().split()), set(b.casefold().split())
    return not words_a or len(words_a & words_b) / len(words_a | words_b) >= 0.8


def copies_seen(spec: dict, copy: dict, groups: dict[str, str]) -> bool:
    """Whether `copy` is the event of the incident `spec` (two minutes, 50 m, one category
    group) with its text."""
    metres = 111_195 * math.hypot(
        spec["lat"] - copy["latitude"],
        (spec["lon"] - copy["longitude"]) * math.cos(math.radians(copy["latitude"])),
    )
    return (
        abs(spec["at"] - copy["occurred_at"]) <= timedelta(minutes=2)
        and metres <= 50
        and groups[spec["category"]] == groups[copy["category"]]
        and same_text(copy["description"], spec["description"])
    )


def attempt(route: str, user, agency, record: dict) -> bool:
    """Whether the copy was stored (False: refused as a copy)."""
    if route == "stix":
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(user)}")
        body = stix_body({**record, "occurred_at": record["occurred_at"].isoformat()})
        response = client.post(f"/api/v1/import/?agency={agency.code}", body, format="json")
        assert response.status_code in (200, 409), response.content[:300]
        return response.status_code == 200
    try:
        write(route, user, agency, record)
    except Conflict:
        return False
    return True


@SETTINGS
@given(
    spec=worlds(),
    copies=st.lists(
        st.tuples(
            st.integers(0, 6),
            st.integers(0, 5),
            st.sampled_from(TLPS),
            st.sampled_from(["single", "bulk", "stix"]),
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_copies_of_others_incidents_make_nothing_visible(spec, copies, db):
    with transaction.atomic():
        with freeze_time(NOW):
            oracle, users = build(spec)
        ids = list(oracle.incidents)
        groups = dict(Category.objects.values_list("slug", "group"))
        for pk, text in Incident.objects.values_list("pk", "description"):
            oracle.incidents[pk]["description"] = text
        with freeze_time(CHECK_AT):
            for n, (index, who, tlp, route) in enumerate(copies):
                user = users[who % len(users)]
                code = writer_agency(oracle, user)
                if index >= len(ids) or code is None:
                    continue
                source = Incident.objects.select_related("agency").get(pk=ids[index])
                agency = source.agency if source.agency.code == code else None
                agency = agency or Membership.objects.get(user=user, agency__code=code).agency
                copy = copy_of(source, n, tlp)
                seen = any(
                    oracle.level(user, pk) > NONE
                    and spec["owner"] != code
                    and spec["tlp"] != "CLEAR"  # anyone may republish CLEAR
                    and copies_seen(spec, copy, groups)
                    for pk, spec in oracle.incidents.items()
                )
                # when
                stored = attempt(route, user, agency, copy)
                # then: refused exactly when it copies another agency's incident the user sees
                assert stored == (not seen), (route, tlp)
                if stored:
                    made = Incident.objects.get(agency=agency, external_ref=f"COPY-{n}")
                    oracle.incidents[made.pk] = {
                        "owner": code, "tlp": made.tlp, "category": made.category_id,
                        "severity": made.severity, "persons": [], "lat": made.latitude,
                        "lon": made.longitude, "at": made.occurred_at,
                        "description": made.description,
                    }  # fmt: skip
            for user in users:
                check_user(user, oracle)
        transaction.set_rollback(True)
