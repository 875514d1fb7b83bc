"""The published OpenAPI schema is the contract agency systems generate clients from.

schemathesis generates requests for every operation of the schema (its examples, coverage and
fuzzing phases; valid and invalid data), deterministically and with few fuzzed examples per
operation, and sends each one as every role: anonymous, submitter, analyst, agency admin,
coordinator and oversight, each with a real knox token. Every answer must be no server error
and conform to the schema: a documented status code, content type and headers, and a body that
fits the documented schema. Some generated ids name seeded objects, so reads and writes of
real incidents, assessments and agreements are exercised too.

A 400 for a request the schema allows is not counted here (schemathesis's
positive_data_acceptance): what the schema cannot state (names that must exist, rules across
fields) it says in descriptions instead.
"""

import itertools
from datetime import UTC, datetime

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from analytics.models import Assessment
from fusion.models import SharingAgreement
from tests import factories

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
ROLES = [
    "anonymous",
    "police_submitter",
    "police_analyst",
    "police_admin",
    "coordinator",
    "overseer",
]

# Invalid requests go to fewer callers: one refused at the door, one writer, one admin.
NEGATIVE_ROLES = ("anonymous", "police_submitter", "police_admin")

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = get_wsgi_application()


@pytest.fixture(autouse=True)
def _connection_kept_across_requests():
    """The WSGI handler closes the database connection after each request, as Django's test
    client prevents: keep it, so requests run inside the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(world) -> dict[str, list]:
    """A few real objects, so that some generated ids name something that exists."""
    incidents = [
        factories.incident(world.police, world.police_submitter, tlp=tlp)
        for tlp in ("CLEAR", "GREEN", "AMBER")
    ]
    incidents.append(factories.incident(world.levies, world.levies_submitter, tlp="GREEN"))
    done = datetime(2025, 6, 2, tzinfo=UTC)
    assessment = Assessment.objects.create(
        kind="hotspots", status="approved", requester=world.police_analyst,
        agency=world.police, scope={}, params={}, scope_key="contract", method_version="1",
        code_version="contract", result={"cells": [], "warnings": []}, tlp="AMBER",
        finished_at=done, reviewed_at=done, reviewed_by=world.police_submitter,
    )  # fmt: skip
    agreement = SharingAgreement.objects.create(owner=world.police, recipient=world.levies)
    return {
        "incident": [str(incident.pk) for incident in incidents],
        "assessment": [str(assessment.pk)],
        "agreement": [str(agreement.pk)],
    }


@pytest.fixture
def tokens(world) -> dict[str, dict[str, str]]:
    """The headers of each role: a real knox token, or none for the anonymous caller."""
    return {
        role: {}
        if role == "anonymous"
        else {"Authorization": f"Token {factories.token(getattr(world, role))}"}
        for role in ROLES
    }


# (path prefix, path parameter, seeded objects it may name)
AIMS = [
    ("/api/v1/incidents/{incident_id}/", "incident_id", "incident"),
    ("/api/v1/incidents/{id}/", "id", "incident"),
    ("/api/v1/assessments/{id}/", "id", "assessment"),
    ("/api/v1/sharing-agreements/{id}/", "id", "agreement"),
]
_turn = itertools.count()


# Body properties that must name something that exists, and a name that does.
NAMES = {"category": "armed-assault", "agency": "police", "recipient": "levies"}


def _name_existing(body: dict) -> None:
    for key, name in NAMES.items():
        if isinstance(body.get(key), str):
            body[key] = name
    if isinstance(body.get("categories"), list):
        body["categories"] = [NAMES["category"]]
    for record in body.get("incidents") or []:
        if isinstance(record, dict) and "category" in record:
            record["category"] = NAMES["category"]


def _aim_at_seeded(case, seeded: dict[str, list]) -> None:
    """Every other example names a seeded object instead of a generated id, and existing
    categories and agencies instead of generated names (so that writes get through)."""
    turn = next(_turn)
    if turn % 2:
        return
    for prefix, name, kind in AIMS:
        if case.operation.path.startswith(prefix) and name in (case.path_parameters or {}):
            pool = seeded[kind]
            case.path_parameters[name] = pool[(turn // 2) % len(pool)]
    if isinstance(case.body, dict) and case.meta and case.meta.generation.mode.is_positive:
        _name_existing(case.body)


@schema.parametrize()
@settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_every_operation_keeps_to_the_schema(case, tokens, seeded) -> None:
    """Each valid request is sent as every role in turn (one generation, six callers); each
    invalid one as NEGATIVE_ROLES (input is checked alike for every caller once it is let in)."""
    _aim_at_seeded(case, seeded)
    negative = case.meta is not None and case.meta.generation.mode.is_negative
    for role, headers in tokens.items():
        if negative and role not in NEGATIVE_ROLES:
            continue
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except BaseException as exc:
            exc.add_note(f"Sent as {role}.")
            raise
