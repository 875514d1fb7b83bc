"""What the demo world has already done when it opens: agencies share with the fusion centre
under agreements, duplicate reports are matched, a request for access waits for a decision,
assessments were requested and reviewed by a second analyst, and last week's report is out.

Every step goes through the same services as the API, with the acting user of the role that
would do it, so the demo's audit trail reads as a real one would.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from agencies.models import Agency, User
from analytics.choices import Status
from analytics.models import Assessment, Report
from analytics.reports import report_generate
from analytics.services import assessment_request, assessment_review, assessment_run
from fusion.models import AccessRequest, Match, ShareGrant, SharingAgreement
from fusion.sharing.access_requests import access_request_create
from fusion.sharing.agreements import agreement_apply, agreement_submit
from fusion.sharing.matching import matches_find
from fusion.sharing.visibility import visible_incidents
from incidents.models import Incident

FUSION_CENTRE = "bfc"
# Agreements to the fusion centre: (owner, categories (empty: all), lowest severity).
AGREEMENTS = [
    ("bpol", [], 1),
    ("levies", [], 1),
    ("ctd", [], 1),
    ("civdef", [], 2),
    ("sb", ["extortion", "kidnapping", "targeted-killing"], 3),
]
PURPOSE = "Provincial threat picture at the Balochistan Fusion Centre (standing agreement)"
# Results shared beyond the analysts leave out TLP:RED and AMBER+STRICT inputs.
SHAREABLE = "AMBER"


def user(username: str) -> User:
    return User.objects.get(username=username)


def share_with_fusion_centre(agencies: dict[str, Agency]) -> list[SharingAgreement]:
    """Each agency's admin agrees to share with the fusion centre; applied at once."""
    made = []
    for code, categories, severity_min in AGREEMENTS:
        with transaction.atomic():
            agreement, _ = agreement_submit(
                actor=user(f"{code}.admin"),
                owner=agencies[code],
                data={
                    "recipient": agencies[FUSION_CENTRE],
                    "categories": categories,
                    "severity_min": severity_min,
                    "districts": [],
                    "level": "view",
                    "purpose": PURPOSE,
                },
            )
        agreement_apply(agreement_id=agreement.pk)  # a no-op when the commit hook applied it
        made.append(agreement)
    # The agreements date from a year ago; each share from when its incident was recorded.
    SharingAgreement.objects.filter(pk__in=[a.pk for a in made]).update(
        created_at=timezone.now() - timedelta(days=366)
    )
    recorded = Incident.objects.filter(pk=OuterRef("incident_id")).values("created_at")
    ShareGrant.objects.filter(agreement__in=made).update(created_at=Subquery(recorded[:1]))
    return made


def find_matches(agency_codes: list[str]) -> int:
    """Deconfliction hints between the agencies' records of the same events."""
    incidents = Incident.objects.filter(agency__code__in=agency_codes).order_by("pk")
    with transaction.atomic():
        return matches_find(incidents)


def open_access_request(requester: User) -> AccessRequest | None:
    """The requester's agency asks to see the other side of one of its event matches (one it
    cannot see yet); left pending for the owner's admin to decide."""
    agency_ids = set(requester.memberships.values_list("agency_id", flat=True))
    others = {}  # match → the other side's incident, for the requester's side
    for match in Match.objects.filter(kind="event").order_by("pk"):
        if match.agency_a_id in agency_ids:
            others[match] = match.incident_b_id
        elif match.agency_b_id in agency_ids:
            others[match] = match.incident_a_id
    seen = set(
        visible_incidents(requester)
        .filter(pk__in=list(others.values()))
        .values_list("pk", flat=True)
    )
    match = next((m for m, other in others.items() if other not in seen), None)
    if match is None:
        return None
    return access_request_create(
        actor=requester,
        match=match,
        purpose="Same IED attack reported by both agencies: compare the casualty counts",
    )


@dataclass(frozen=True)
class Asked:
    """An assessment the demo requests: kind, parameters, window end, and who reviews it."""

    kind: str
    params: dict[str, Any]
    before: datetime | None
    reviewer: str | None  # None: left pending review


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _at(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def run_and_review(requester: User, asked: Asked) -> Assessment:
    """Request (a snapshot of what the requester sees), compute in this process, review."""
    data = {"kind": asked.kind, "params": asked.params, "tlp_max": SHAREABLE}
    assessment = assessment_request(actor=requester, data=data, before=asked.before)
    assessment_run(str(assessment.pk))  # a no-op when the commit hook ran it already
    assessment.refresh_from_db()
    if asked.reviewer is None or assessment.status != Status.PENDING_REVIEW:
        return assessment
    return assessment_review(
        actor=user(asked.reviewer),
        assessment=assessment,
        decision="approve",
        rationale="Checked against the incidents behind it and the bias checks; fit to share.",
        acknowledged_warnings=(assessment.result or {}).get("warnings", []),
    )


def last_weeks_report(agency: Agency, requester: User, reviewer: str) -> Report | None:
    """Last week's assessments (over the data to last Monday), reviewed last week, and the
    weekly report of that week. Their timestamps are set within that week, as they would be
    had the demo been running then."""
    this_monday = monday(timezone.now().date())
    start = this_monday - timedelta(days=7)
    end_of_data = _at(this_monday)
    asked = [
        Asked("hotspots", {"cell_size_km": 5.0}, end_of_data, reviewer),
        Asked("surges", {}, end_of_data, reviewer),
        Asked(
            "forecast",
            {"cell_size_km": 10.0, "forecast_start": this_monday.isoformat()},
            None,
            reviewer,
        ),
    ]
    done = [run_and_review(requester, a) for a in asked]
    approved = [a.pk for a in done if a.status == Status.APPROVED]
    sunday = _at(start) + timedelta(days=6, hours=10)
    Assessment.objects.filter(pk__in=approved).update(
        created_at=sunday - timedelta(hours=2),
        started_at=sunday - timedelta(hours=2) + timedelta(minutes=1),
        finished_at=sunday - timedelta(hours=2) + timedelta(minutes=3),
        reviewed_at=sunday,
    )
    return report_generate(agency=agency, start=start, end=this_monday)


def this_weeks_assessments(requester: User, reviewer: str) -> list[Assessment]:
    """The current picture: surges at default settings (approved), links between agencies'
    records (approved) and hotspots at 5 km left pending for a second analyst."""
    return [
        run_and_review(requester, Asked("surges", {}, None, reviewer)),
        run_and_review(requester, Asked("links", {}, None, reviewer)),
        run_and_review(requester, Asked("hotspots", {"cell_size_km": 5.0}, None, None)),
    ]
