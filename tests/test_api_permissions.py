"""Authorization matrix: every API route by every role by every sharing relationship.

The expected outcome of each cell comes from a plain statement of the rules below (`level`),
not from the code under test. A route missing from the matrix fails the build.
"""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from django.http import HttpResponse
from django.urls import get_resolver

from agencies.models import Agency, Membership
from analytics.flags import flags_raise
from analytics.models import Assessment
from analytics.reports import report_generate
from fusion.models import AccessRequest, ShareGrant, SharingAgreement
from fusion.oversight.complaints import complaint_receive
from fusion.sharing.shares import share_grant, share_revoke
from incidents import stix
from incidents.models import IncidentGroupObjectPermission
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "outsider",
    "platform_admin",
    "overseer",
    "police_admin",
    "police_submitter",
    "police_analyst",
    "levies_admin",
    "levies_submitter",
    "levies_analyst",
    "coordinator",
    "svc_write",
    "svc_read",
    "svc_read_persons",
]
# Police service accounts (submitters) by their scopes: a call their scopes allow has the
# outcome a police submitter's would have; any other call is 403.
W, R, D, P = "incidents:write", "incidents:read", "incidents:delete", "persons:read"
SVC_SCOPES = {"svc_write": {W}, "svc_read": {R}, "svc_read_persons": {R, P}}
NO_CONTENT = {"outsider", "platform_admin", "overseer"}
POLICE_MEMBERS = ("police_admin", "police_submitter", "police_analyst")
POLICE_WRITERS = {"police_admin", "police_submitter"}
RELATIONS = ["unshared", "view", "view_persons", "revoked", "expired", "clear", "red_user"]
PERSONS = [
    {"role": "victim", "full_name": "Matrix Victim"},
    {"role": "witness", "full_name": "Matrix Witness"},
]
NONE, VIEW, VIEW_PERSONS, OWNER = 0, 1, 2, 3
FACIAL_RECOGNITION_PERSON = {
    "role": "suspect",
    "full_name": "Matrix Camera",
    "source": "facial_recognition",
    "authorisation_ref": "matrix authorisation",
}


def level(role: str, relation: str) -> int | str:
    """The rules, stated plainly: police owns every incident here; levies may be a recipient."""
    if role == "anonymous":
        return "anonymous"
    if role in NO_CONTENT:
        return "no_content"
    if role.startswith("police"):
        return OWNER
    if relation == "clear":
        return VIEW
    if role.startswith("levies"):
        if relation == "view":
            return VIEW
        if relation == "view_persons":
            return VIEW_PERSONS
        if relation == "red_user" and role == "levies_analyst":
            return VIEW
    return NONE


def status_for(role: str, relation: str, *, ok: int, owner_only: set[str] | None = None) -> int:
    found = level(role, relation)
    if found == "anonymous":
        return 401
    if found == "no_content":
        return 403
    if found == NONE:
        return 404
    if owner_only is not None and role not in owner_only:
        return 403
    return ok


@pytest.fixture
def extra(world):
    """A third agency, target of the shares that the revoke cells remove."""
    agency = factories.agency("extra", "police")
    return agency, factories.member(agency, "analyst", "extra_analyst")


def make_incident(world, extra, relation: str):
    tlp = {"clear": "CLEAR", "red_user": "RED"}.get(relation, "AMBER")
    incident = factories.incident(world.police, world.police_submitter, tlp=tlp, persons=PERSONS)
    admin = world.police_admin
    target = {"user": extra[1]} if tlp == "RED" else {"agency": extra[0]}
    extra_share = share_grant(
        actor=admin, incident=incident, level="view", purpose="matrix extra", **target
    )
    if relation in ("view", "view_persons", "revoked", "expired"):
        level_name = "view_persons" if relation == "view_persons" else "view"
        expires = datetime.now(UTC) + timedelta(days=1) if relation == "expired" else None
        grant = share_grant(
            actor=admin,
            incident=incident,
            agency=world.levies,
            level=level_name,
            purpose="matrix share",
            expires_at=expires,
        )
        if relation == "revoked":
            share_revoke(actor=admin, share=grant)
        if relation == "expired":  # time passes; the expiry task has not run
            past = datetime.now(UTC) - timedelta(minutes=1)
            ShareGrant.objects.filter(pk=grant.pk).update(expires_at=past)
            IncidentGroupObjectPermission.objects.filter(
                content_object=incident, group=world.levies.group
            ).update(expires_at=past)
    if relation == "red_user":
        share_grant(
            actor=admin,
            incident=incident,
            user=world.levies_analyst,
            level="view",
            purpose="matrix share",
        )
    return incident, extra_share


@pytest.fixture
def svc(world):
    """A token of each police service account, by role."""
    from agencies.services import service_account_create

    tokens = {}
    for role, scopes in SVC_SCOPES.items():
        _, tokens[role] = service_account_create(
            actor=world.police_admin, agency=world.police, name=role, scopes=sorted(scopes)
        )
    return tokens


def client(world, client_for, role, svc):
    if role in SVC_SCOPES:
        api = client_for(None)
        api.credentials(HTTP_AUTHORIZATION=f"Token {svc[role]}")
        return api
    return client_for(None if role == "anonymous" else getattr(world, role))


def as_person(role: str) -> str:
    """The person whose outcome a service account shares when its scopes allow the call."""
    return "police_submitter" if role in SVC_SCOPES else role


INCIDENT_ACTIONS = [
    "detail",
    "persons",
    "list",
    "geojson",
    "patch",
    "delete",
    "shares_list",
    "share_create",
    "share_revoke",
    "access_request",
    "export",
    "match_hint",
    "repost_partial",
    "import_copy",
]
LEVIES_WRITERS = {"levies_admin", "levies_submitter"}
# The scopes each incident action needs from a service account (None: no scope allows it).
INCIDENT_NEEDS = {
    "detail": {R}, "persons": {R, P}, "list": {R}, "geojson": {R}, "export": {R},
    "match_hint": {R}, "patch": {W, R}, "delete": {D}, "repost_partial": {W},
    "import_copy": {W}, "shares_list": None, "share_create": None, "share_revoke": None,
    "access_request": None,
}  # fmt: skip


def run_incident_action(api, action, incident, extra_share, extra):
    base = f"/api/v1/incidents/{incident.pk}/"
    if action == "detail":
        return api.get(base)
    if action == "persons":
        return api.get(base, {"include": "persons", "purpose": "matrix check"})
    if action == "list":
        return api.get("/api/v1/incidents/", {"page_size": 500})
    if action == "geojson":
        return api.get("/api/v1/incidents/", {"format": "geojson", "page_size": 500})
    if action == "patch":
        return api.patch(base, {"severity": 5}, format="json")
    if action == "delete":
        return api.delete(base)
    if action == "shares_list":
        return api.get(f"{base}shares/")
    if action == "share_create":
        # a recipient with no live share yet (a second live share with one is a 409)
        target = (
            {"agency": None, "user": "coordinator"} if incident.tlp == "RED" else {"agency": "bfc"}
        )
        return api.post(
            f"{base}shares/", {"level": "view", "purpose": "matrix", **target}, format="json"
        )
    if action == "share_revoke":
        return api.delete(f"{base}shares/{extra_share.pk}/")
    if action == "access_request":
        return api.post(
            "/api/v1/access-requests/",
            {"incident": str(incident.pk), "purpose": "matrix"},
            format="json",
        )
    if action == "repost_partial":
        # the incident's reference without tlp, description or contexts: an owner's re-post
        # merges (nothing lowered, nothing wiped); anyone else's creates an incident of theirs
        record = {k: v for k, v in factories.payload().items() if k not in OPTIONAL}
        return api.post(
            "/api/v1/incidents/", {**record, "external_ref": incident.external_ref}, format="json"
        )
    if action == "import_copy":
        return api.post("/api/v1/import/", csv_copy(incident), content_type="text/csv")
    if action == "match_hint":
        probe = probe_of(incident)
        response = api.get("/api/v1/matches/", {"page_size": 500})
        response.probe = probe
        return response
    if action == "export":
        response = api.get("/api/v1/export/", {"format": "stix", "purpose": "matrix check"})
        if not response.streaming:
            return response
        body = b"".join(response.streaming_content)
        return HttpResponse(body, status=response.status_code, headers=response.headers)
    raise AssertionError(action)


OPTIONAL = ("tlp", "description", "contexts", "killed", "injured", "district", "status")


def csv_copy(incident) -> str:
    """The incident as a CSV line under a new reference, relabelled TLP:CLEAR."""
    columns = ["external_ref", "occurred_at", "category", "severity", "latitude", "longitude"]
    values = [
        f"COPY-{incident.pk}", incident.occurred_at.isoformat(), incident.category_id,
        str(incident.severity), repr(incident.latitude), repr(incident.longitude),
    ]  # fmt: skip
    return (
        ",".join([*columns, "description", "tlp"])
        + "\n"
        + ",".join([*values, incident.description, "CLEAR"])
    )


def probe_of(incident):
    """A levies report of the same event as `incident` (match hints across every TLP)."""
    fields = {name: getattr(incident, name) for name in ("latitude", "longitude", "occurred_at")}
    levies = Agency.objects.get(code="levies")
    by = Membership.objects.get(agency=levies, role="submitter").user
    return factories.incident(levies, by, category=incident.category_id, **fields)


def expected(action, role, relation):
    if role in SVC_SCOPES:
        needs = INCIDENT_NEEDS[action]
        if needs is None or not needs <= SVC_SCOPES[role]:
            return 403
        role = as_person(role)
    if action in ("repost_partial", "import_copy"):
        found = level(role, relation)
        if found in ("anonymous", "no_content"):
            return {"anonymous": 401, "no_content": 403}[found]
        if role in POLICE_WRITERS:
            return 200  # a re-post updates; a copy of one's own incident is one's own
        if role not in LEVIES_WRITERS:
            return 403
        # a copy of an incident shared with levies (not CLEAR) is refused, by reference on a
        # re-post and by content on an import; an unseen or CLEAR one is stored as levies' own
        seen_shared = found in (VIEW, VIEW_PERSONS) and relation != "clear"
        return 409 if seen_shared else (201 if action == "repost_partial" else 200)
    if action == "match_hint":
        found = level(role, relation)
        return {"anonymous": 401, "no_content": 403}.get(found, 200)
    if action in ("detail", "persons"):
        return status_for(role, relation, ok=200)
    if action in ("list", "geojson", "export"):
        found = level(role, relation)
        return {"anonymous": 401, "no_content": 403}.get(found, 200)
    if action == "patch":
        return status_for(role, relation, ok=200, owner_only=POLICE_WRITERS)
    if action == "delete":
        return status_for(role, relation, ok=204, owner_only=POLICE_WRITERS)
    if action in ("shares_list", "share_create", "share_revoke"):
        ok = {"shares_list": 200, "share_create": 201, "share_revoke": 204}[action]
        return status_for(role, relation, ok=ok, owner_only={"police_admin"})
    if action == "access_request":
        found = status_for(role, relation, ok=201)
        return 400 if found == 201 and role.startswith("police") else found
    raise AssertionError(action)


def check_fields(action, role, relation, response, incident):
    """What a 200 carries: the right persons, never witnesses outside police, list presence."""
    found = level(role, relation)
    body = response.content.decode()
    if action in ("list", "geojson", "export"):
        return (str(incident.pk) in body) == (found in (VIEW, VIEW_PERSONS, OWNER))
    if action in ("repost_partial", "import_copy"):
        # the police incident keeps its label and content whoever posted
        before = incident.tlp, incident.description
        incident.refresh_from_db()
        return (incident.tlp, incident.description) == before
    if action == "match_hint":
        # a hint exists unless the police incident is TLP:RED; it never names the other side
        own = str(incident.pk) if role.startswith("police") else str(response.probe.pk)
        mine = [h for h in response.json()["results"] if h["own_incident"] == own]
        other = str(response.probe.pk) if role.startswith("police") else str(incident.pk)
        if role == "coordinator":
            return not mine and other not in body
        return bool(mine) == (incident.tlp != "RED") and other not in body
    if action == "detail":
        return "persons" not in response.json() and response.json()["redacted"] == (found != OWNER)
    if action == "persons":
        names = {p["full_name"] for p in response.json()["persons"]}
        want = {OWNER: {"Matrix Victim", "Matrix Witness"}, VIEW_PERSONS: {"Matrix Victim"}}.get(
            found, set()
        )
        return names == want
    return "Matrix Witness" not in body or role.startswith("police")


@pytest.mark.parametrize("relation", RELATIONS)
@pytest.mark.parametrize("action", INCIDENT_ACTIONS)
def test_incident_matrix(world, client_for, extra, svc, action, relation):
    wrong = []
    for role in ROLES:
        incident, extra_share = make_incident(world, extra, relation)
        response = run_incident_action(
            client(world, client_for, role, svc), action, incident, extra_share, extra
        )
        want = expected(action, role, relation)
        if response.status_code != want:
            wrong.append((role, want, response.status_code, response.content[:120]))
        elif response.status_code == 200 and not check_fields(
            action, as_person(role), relation, response, incident
        ):
            wrong.append((role, "fields", response.content[:200]))
    assert not wrong, wrong


# Routes other than the incident ones: role → expected status of a representative call.
CONTENT_OK = {r: 200 for r in ROLES if r not in NO_CONTENT and r != "anonymous"}


def table(default: int, *layers: dict[str, int], **overrides: int) -> dict[str, int]:
    """Every role → `default`, then each layer and the keyword overrides applied in order."""
    people = [r for r in ROLES if r != "anonymous" and r not in SVC_SCOPES]
    result = {"anonymous": 401, **dict.fromkeys(people, default)}
    for layer in (*layers, overrides):
        result.update(layer)
    return result


ROUTES = {
    "user-list": ("get", "/api/v1/users/", None, table(403, platform_admin=200)),
    "user-detail": (
        "get",
        "/api/v1/users/{police_analyst_id}/",
        None,
        table(403, platform_admin=200),
    ),
    "agency-list": ("get", "/api/v1/agencies/", None, table(200)),
    "agency-detail": ("get", "/api/v1/agencies/police/", None, table(200)),
    "member-list": (
        "get",
        "/api/v1/agencies/police/members/",
        None,
        table(403, platform_admin=200, police_admin=200),
    ),
    "member-detail": (
        "delete",
        "/api/v1/agencies/police/members/{fresh_member}/",
        None,
        table(403, platform_admin=204, police_admin=204),
    ),
    "service-account-list": (
        "get",
        "/api/v1/agencies/police/service-accounts/",
        None,
        table(403, platform_admin=200, police_admin=200),
    ),
    "service-account-detail": (
        "delete",
        "/api/v1/agencies/police/service-accounts/{fresh_account}/",
        None,
        table(403, platform_admin=204, police_admin=204),
    ),
    "service-account-tokens": (
        "get",
        "/api/v1/agencies/police/service-accounts/{fresh_account}/tokens/",
        None,
        table(403, platform_admin=200, police_admin=200),
    ),
    "service-account-token": (
        "delete",
        "/api/v1/agencies/police/service-accounts/{fresh_account_token}/",
        None,
        table(403, platform_admin=204, police_admin=204),
    ),
    "incident-categories": ("get", "/api/v1/incidents/categories/", None, table(403, CONTENT_OK)),
    "incident-map": ("get", "/api/v1/incidents/map/", None, table(403, CONTENT_OK)),
    "incident-districts": ("get", "/api/v1/incidents/districts/", None, table(403, CONTENT_OK)),
    "persons-search": (
        "get",
        "/api/v1/persons/search/?national_id=1&purpose=matrix",
        None,
        table(403, CONTENT_OK),
    ),
    # a second writer of the owner confirms a person from facial recognition: its recorder
    # and analysts may not (403); everyone else does not see the unconfirmed person (404)
    "incident-person-confirm": (
        "post",
        "/api/v1/incidents/{fresh_fr_person}/confirm/",
        {},
        table(
            403,
            dict.fromkeys(CONTENT_OK, 404),
            police_admin=200,
            police_submitter=403,
            police_analyst=403,
        ),
    ),
    "audit-list": (
        "get",
        "/api/v1/audit/",
        None,
        table(403, platform_admin=200, overseer=200, police_admin=200, levies_admin=200),
    ),
    "audit-verify": (
        "get",
        "/api/v1/audit/verify/",
        None,
        table(403, platform_admin=200, overseer=200),
    ),
    # assessment records as counts, never content: oversight and platform admins only
    "oversight-assessment-list": (
        "get",
        "/api/v1/oversight/assessments/",
        None,
        table(403, platform_admin=200, overseer=200),
    ),
    "oversight-assessment-detail": (
        "get",
        "/api/v1/oversight/assessments/{fresh_assessment}/",
        None,
        table(403, platform_admin=200, overseer=200),
    ),
    "sharing-agreement-list": ("get", "/api/v1/sharing-agreements/", None, table(403, CONTENT_OK)),
    "sharing-agreement-detail": (
        "get",
        "/api/v1/sharing-agreements/{agreement}/",
        None,
        table(403, dict.fromkeys(CONTENT_OK, 404), police_admin=200),
    ),
    "match-list": ("get", "/api/v1/matches/", None, table(403, CONTENT_OK)),
    "access-request-list": ("get", "/api/v1/access-requests/", None, table(403, CONTENT_OK)),
    "access-request-approve": (
        "post",
        "/api/v1/access-requests/{fresh_request}/approve/",
        {},
        table(403, coordinator=404, police_admin=200),
    ),
    "access-request-deny": (
        "post",
        "/api/v1/access-requests/{fresh_request}/deny/",
        {"reason": "no"},
        table(403, coordinator=404, police_admin=200),
    ),
    "incident-bulk": (
        "post",
        "/api/v1/incidents/bulk/",
        lambda: {"incidents": [factories.payload()]},
        table(403, police_admin=200, police_submitter=200, levies_admin=200, levies_submitter=200),
    ),
    "import": (
        "post",
        "/api/v1/import/",
        lambda: import_bundle(),
        table(403, police_admin=200, police_submitter=200, levies_admin=200, levies_submitter=200),
    ),
    "assessment-list": ("get", "/api/v1/assessments/", None, table(403, CONTENT_OK)),
    "assessment-detail": (
        "get",
        "/api/v1/assessments/{fresh_assessment}/",
        None,
        table(403, dict.fromkeys(CONTENT_OK, 404), police_analyst=200),
    ),
    "assessment-withdraw": (
        "post",
        "/api/v1/assessments/{approved_assessment}/withdraw/",
        {"rationale": "matrix withdrawal rationale"},
        table(
            403,
            dict.fromkeys(CONTENT_OK, 404),
            police_admin=403,
            police_submitter=403,
            police_analyst=200,
        ),
    ),
    "assessment-review": (
        "post",
        "/api/v1/assessments/{fresh_assessment}/review/",
        {"decision": "approve", "rationale": "matrix review rationale"},
        table(403, dict.fromkeys(CONTENT_OK, 404), police_analyst=403),
    ),
    # flags: seen with their assessment, acted on by its agency's analysts and admins
    "assessment-flag-list": (
        "get",
        "/api/v1/assessments/{flagged_assessment}/flags/",
        None,
        table(403, dict.fromkeys(CONTENT_OK, 404), **dict.fromkeys(POLICE_MEMBERS, 200)),
    ),
    "assessment-flag-acknowledge": (
        "post",
        "/api/v1/assessments/{flag}/acknowledge/",
        {"action": "patrol"},
        table(
            403,
            dict.fromkeys(CONTENT_OK, 404),
            police_admin=200,
            police_submitter=403,
            police_analyst=200,
        ),
    ),
    "assessment-flag-outcome": (
        "post",
        "/api/v1/assessments/{flag}/outcome/",
        {"occurred": True},
        table(
            403,
            dict.fromkeys(CONTENT_OK, 404),
            police_admin=200,
            police_submitter=403,
            police_analyst=200,
        ),
    ),
    "flag-kpis": (
        "get",
        "/api/v1/kpis/",
        None,
        table(
            403,
            police_admin=200,
            police_analyst=200,
            levies_admin=200,
            levies_analyst=200,
            coordinator=200,
        ),
    ),
    "model-cards": ("get", "/api/v1/models/", None, table(200)),
    # the kill switch: only oversight members change a method's status
    "model-status": (
        "post",
        "/api/v1/models/links/status/",
        {"status": "suspended", "rationale": "matrix suspension rationale"},
        table(403, overseer=200),
    ),
    "report-list": ("get", "/api/v1/reports/", None, table(403, CONTENT_OK)),
    "report-detail": (
        "get",
        "/api/v1/reports/{fresh_report}/",
        None,
        table(403, dict.fromkeys(CONTENT_OK, 404), **dict.fromkeys(POLICE_MEMBERS, 200)),
    ),
    "report-document": (
        "get",
        "/api/v1/reports/{fresh_report}.html",
        None,
        table(403, dict.fromkeys(CONTENT_OK, 404), **dict.fromkeys(POLICE_MEMBERS, 200)),
    ),
    # retention periods, legal holds and retention runs: the agency's admins (and platform admins)
    "retention-list": (
        "get",
        "/api/v1/agencies/police/retention/",
        None,
        table(403, platform_admin=200, police_admin=200),
    ),
    "retention-detail": (
        "put",
        "/api/v1/agencies/police/retention/robbery/",
        {"days": 400},
        table(403, platform_admin=200, police_admin=200),
    ),
    "retention-run-list": (
        "get",
        "/api/v1/agencies/police/retention-runs/",
        None,
        table(403, platform_admin=200, police_admin=200),
    ),
    "legal-hold-list": (
        "get",
        "/api/v1/agencies/police/legal-holds/",
        None,
        table(403, platform_admin=200, police_admin=200),
    ),
    "legal-hold-lift": (
        "post",
        "/api/v1/agencies/police/legal-holds/{fresh_hold}/lift/",
        {"reason": "matrix lift"},
        table(403, platform_admin=200, police_admin=200),
    ),
    "purposes": ("get", "/api/v1/purposes/", None, table(200)),
    "transparency": ("get", "/api/v1/transparency/", None, table(200, anonymous=200)),
    # agency admins get their agencies' notifications; every member who reads incidents, those
    # addressed to them (the decisions on their access requests); oversight and platform
    # admins, the misuse monitor's findings
    "notifications": (
        "get",
        "/api/v1/notifications/",
        None,
        table(403, CONTENT_OK, overseer=200, platform_admin=200),
    ),
    "complaint-list": (
        "get",
        "/api/v1/complaints/",
        None,
        table(403, platform_admin=200, overseer=200),
    ),
    # anyone, no account: a wrong reference or secret is a 404 for all alike
    "complaint-status": (
        "post",
        "/api/v1/complaints/status/",
        {"reference": "C-MATRIX", "secret": "not-the-secret"},
        table(404, anonymous=404),
    ),
    "complaint-detail": (
        "patch",
        "/api/v1/complaints/{fresh_complaint}/",
        {"status": "under_review"},
        table(403, platform_admin=200, overseer=200),
    ),
    "auth-token": ("post", "/api/v1/auth/token/", {"username": "x", "password": "y"}, table(401)),
    # Everyone's own second factor: any person may enrol one; nothing is pending or enrolled.
    "auth-otp": ("post", "/api/v1/auth/otp/", {}, table(201)),
    "auth-otp-confirm": ("post", "/api/v1/auth/otp/confirm/", {"code": "000000"}, table(400)),
    "auth-otp-recovery-codes": (
        "post",
        "/api/v1/auth/otp/recovery-codes/",
        {"code": "000000"},
        table(400),
    ),
    "schema": ("get", "/api/v1/schema/", None, table(200, anonymous=200)),
    "docs": ("get", "/api/v1/docs/", None, table(200, anonymous=200)),
    "healthz": ("get", "/healthz", None, table(200, anonymous=200)),
    "readyz": ("get", "/readyz", None, table(200, anonymous=200)),
}
INCIDENT_ROUTES = {"incident-list", "incident-detail", "share-list", "share-detail", "export"}
# Other methods of routes above: (route name, method) → path, body, outcomes by role.
METHOD_ROUTES = {
    ("retention-detail", "get"): (
        "/api/v1/agencies/police/retention/robbery/",
        None,
        table(403, platform_admin=200, police_admin=200),
    ),
    ("retention-detail", "delete"): (
        "/api/v1/agencies/police/retention/robbery/",
        None,
        table(403, platform_admin=204, police_admin=204),
    ),
    ("legal-hold-list", "post"): (
        "/api/v1/agencies/police/legal-holds/",
        {"incident": "00000000-0000-4000-8000-000000000000", "reason": "matrix hold"},
        table(403, platform_admin=400, police_admin=400),
    ),
    # analysts and coordinators ask for their own agency's report of a period
    ("report-list", "post"): (
        "/api/v1/reports/",
        {"period_start": "2026-11-02", "period_end": "2026-11-09"},
        table(403, police_analyst=202, levies_analyst=202, coordinator=202),
    ),
}
# The scopes a service account needs on these routes (a police submitter's outcome then);
# every other route is closed to service accounts (403). Public routes need none.
ROUTE_NEEDS = {
    "incident-categories": set(), "incident-districts": set(), "incident-map": {R},
    "persons-search": {P}, "match-list": {R},
    "incident-bulk": {W}, "import": {W}, "transparency": set(), "auth-token": set(),
    "schema": set(), "docs": set(), "healthz": set(), "readyz": set(),
}  # fmt: skip


def route_expected(name: str, role: str, want: dict[str, int]) -> int:
    if role not in SVC_SCOPES:
        return want[role]
    needs = ROUTE_NEEDS.get(name)
    return want["police_submitter"] if needs is not None and needs <= SVC_SCOPES[role] else 403


def import_bundle() -> dict:
    """A STIX 2.1 bundle of one incident with its location, as an agency system sends it."""
    when = {"spec_version": "2.1", "created": "2026-01-01T00:00:00Z"}
    when["modified"] = when["created"]
    fields = {"category": "robbery", "severity": 2, "occurred_at": "2026-01-01T00:00:00Z"}
    incident = {
        "type": "incident", "id": "incident--5d0f0a59-45a1-4bb5-8a0e-3f0e8e1b2c01", **when,
        "name": "matrix", "extensions": {
            stix.EXTENSION_ID: {"extension_type": "property-extension", **fields}
        },
    }  # fmt: skip
    location = {
        "type": "location", "id": "location--5d0f0a59-45a1-4bb5-8a0e-3f0e8e1b2c02", **when,
        "latitude": 30.2, "longitude": 67.0,
    }  # fmt: skip
    located = {
        "type": "relationship", "id": "relationship--5d0f0a59-45a1-4bb5-8a0e-3f0e8e1b2c03",
        **when, "relationship_type": "located-at", "source_ref": incident["id"],
        "target_ref": location["id"],
    }  # fmt: skip
    return {
        "type": "bundle",
        "id": "bundle--5d0f0a59-45a1-4bb5-8a0e-3f0e8e1b2c04",
        "objects": [incident, location, located],
    }


def fill(path: str, world) -> str:
    values = {"police_analyst_id": world.police_analyst.pk}
    if "{fresh_member}" in path:
        values["fresh_member"] = Membership.objects.get(
            user=factories.member(world.police, "analyst")
        ).pk
    if "{fresh_account}" in path:
        from agencies.services import service_account_create

        account, _ = service_account_create(
            actor=world.police_admin, agency=world.police, name=f"gw{factories.next_number()}"
        )
        values["fresh_account"] = account.pk
    if "{fresh_account_token}" in path:
        from agencies.services import service_account_create

        account, token = service_account_create(
            actor=world.police_admin, agency=world.police, name=f"gw{factories.next_number()}"
        )
        values["fresh_account_token"] = f"{account.pk}/tokens/{token[:15]}"
    if "{fresh_hold}" in path:
        from fusion.retention.holds import legal_hold_place

        incident = factories.incident(world.police, world.police_submitter)
        values["fresh_hold"] = legal_hold_place(
            actor=world.police_admin, agency=world.police, incident_id=incident.pk, reason="matrix"
        ).pk
    if "{agreement}" in path:
        values["agreement"] = SharingAgreement.objects.create(
            owner=world.police, recipient=world.levies
        ).pk
    if "{fresh_fr_person}" in path:
        incident = factories.incident(
            world.police, world.police_submitter, persons=[FACIAL_RECOGNITION_PERSON]
        )
        values["fresh_fr_person"] = f"{incident.pk}/persons/{incident.persons.get().pk}"
    if "{fresh_request}" in path:
        incident = factories.incident(world.police, world.police_submitter, tlp="CLEAR")
        values["fresh_request"] = AccessRequest.objects.create(
            requester=world.levies_analyst,
            requester_agency=world.levies,
            incident=incident,
            purpose="matrix",
        ).pk
    if "{fresh_complaint}" in path:
        values["fresh_complaint"] = complaint_receive(
            subject="matrix", details="matrix complaint", about="other"
        ).reference
    if "{fresh_report}" in path:
        reviewed = datetime(2026, 11, 24, 12, tzinfo=UTC)
        Assessment.objects.create(
            kind="hotspots", status="approved", requester=world.police_analyst,
            agency=world.police, scope={}, params={}, scope_key="matrix", method_version="1",
            code_version="matrix", result={"cells": [], "warnings": []}, tlp="AMBER",
            finished_at=reviewed, reviewed_at=reviewed, reviewed_by=world.police_submitter,
        )  # fmt: skip
        week = date(2026, 11, 23)
        values["fresh_report"] = report_generate(
            agency=world.police, start=week, end=week + timedelta(days=7)
        ).pk
    if "{approved_assessment}" in path:
        values["approved_assessment"] = Assessment.objects.create(
            kind="hotspots", status="approved", requester=world.police_analyst,
            agency=world.police, scope={}, params={}, scope_key="matrix", method_version="1",
            code_version="matrix", result={"warnings": []}, tlp="AMBER",
        ).pk  # fmt: skip
    if "{flagged_assessment}" in path or "{flag}" in path:
        flag = flagged(world)
        values["flagged_assessment"] = flag.assessment_id
        values["flag"] = f"{flag.assessment_id}/flags/{flag.pk}"
    if "{fresh_assessment}" in path:
        values["fresh_assessment"] = Assessment.objects.create(
            kind="hotspots",
            status="pending_review",
            requester=world.police_analyst,
            agency=world.police,
            scope={},
            params={},
            scope_key="matrix",
            method_version="1",
            code_version="matrix",
            result={"warnings": []},
        ).pk
    return path.format(**values)


def flagged(world):
    """A flag (a proposed link, whose outcome a person records) of an approved police
    assessment."""
    reviewed = datetime(2026, 11, 24, 12, tzinfo=UTC)
    pair = [str(uuid.uuid4()), str(uuid.uuid4())]
    assessment = Assessment.objects.create(
        kind="links", status="approved", requester=world.police_analyst, agency=world.police,
        scope={}, params={}, scope_key="matrix", method_version="1", code_version="matrix",
        result={"links": [{"incidents": pair, "agencies": ["police", "police"]}],
                "warnings": []},
        tlp="AMBER", finished_at=reviewed, reviewed_at=reviewed, reviewed_by=world.police_admin,
    )  # fmt: skip
    flags_raise(assessment)
    return assessment.flags.get()


def api_route_names() -> set[str]:
    def walk(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                # the admin's, and the console's (tests/console/test_console_matrix.py)
                if getattr(pattern, "app_name", None) not in {"admin", "console"}:
                    yield from walk(pattern.url_patterns)
            elif pattern.name:
                yield pattern.name

    return set(walk(get_resolver().url_patterns))


def test_every_route_is_in_the_matrix():
    assert api_route_names() == set(ROUTES) | INCIDENT_ROUTES
    assert {name for name, _ in METHOD_ROUTES} <= api_route_names()


@pytest.mark.parametrize(("name", "method"), sorted(METHOD_ROUTES))
def test_method_matrix(world, client_for, svc, name, method):
    path, body, want = METHOD_ROUTES[(name, method)]
    wrong = []
    for role in ROLES:
        response = getattr(client(world, client_for, role, svc), method)(
            fill(path, world), body, format="json"
        )
        if response.status_code != route_expected(name, role, want):
            wrong.append((role, want.get(role), response.status_code, response.content[:120]))
    assert not wrong, wrong


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_route_matrix(world, client_for, svc, name):
    method, path, body, want = ROUTES[name]
    wrong = []
    for role in ROLES:
        api = client(world, client_for, role, svc)
        data = body() if callable(body) else body
        call, url = getattr(api, method), fill(path, world)
        response = call(url, data, format="json") if data is not None else call(url)
        status = route_expected(name, role, want)
        if response.status_code != status:
            wrong.append((role, status, response.status_code, response.content[:120]))
    assert not wrong, wrong
