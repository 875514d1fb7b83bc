"""Assessments: request (scope and snapshot), run (on a worker), review (four eyes).

The lifecycle is queued → running → pending_review → approved | rejected, or failed with the
reason on the record. A run claims its assessment with a lease its heartbeat renews, so a
re-delivered task neither runs a live assessment twice nor leaves a dead one stuck; it writes
its result only while it still holds the claim (the attempt number), so a stale worker cannot
overwrite a newer one.
"""

import hashlib
import json
import logging
import time
from datetime import datetime
from importlib import metadata
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models import Max, Min, QuerySet
from django.utils import timezone

from agencies.acting import acting_agency
from agencies.models import User
from analytics import lifecycle
from analytics import scope as scopes
from analytics.choices import OPEN_STATUSES, Decision, Kind, Status
from analytics.flags import flags_raise
from analytics.heartbeat import beating, lease_end
from analytics.methods.grid import cells_needed
from analytics.models import Assessment, BacktestRun, StandingAssessment
from analytics.registry import method_version
from analytics.runners import NOTICE, RUNNERS, Job
from analytics.runners.area import AUTO, check_grid
from analytics.selectors import REQUESTER_ROLES, can_review, can_withdraw, previous_flags
from analytics.snapshot import load_inputs, take_snapshot
from fusion import audit, outbox
from fusion.connections import fresh_connection
from fusion.errors import Conflict, Invalid, NotAllowed, TooMany

logger = logging.getLogger(__name__)
MIN_RATIONALE = 10


class Busy(Exception):  # noqa: N818 - a condition to retry, not a failure
    """Another worker holds the assessment right now; the task retries later."""


# Errors worth a retry (a locked row, a dropped connection); anything else ends the run.
TRANSIENT = (Busy, OperationalError, InterfaceError, OSError)
# What the methods raise on data they cannot handle: recorded without a traceback in the log.
METHOD_ERRORS = (ValueError, ArithmeticError, MemoryError)
GRIDDED = {Kind.HOTSPOTS, Kind.FORECAST}


def code_version() -> str:
    try:
        return f"fusion {metadata.version('fusion')}"
    except metadata.PackageNotFoundError:
        return "fusion (source tree)"


def _kind(data: dict) -> str:
    kind = data.get("kind")
    if kind not in Kind.values:
        raise Invalid(errors={"kind": [f"Must be one of: {', '.join(Kind.values)}."]})
    return kind


@audit.attributed
def assessment_request(
    *,
    actor: User,
    data: dict[str, Any],
    after: datetime | None = None,
    before: datetime | None = None,
    standing: StandingAssessment | None = None,
) -> Assessment:
    """Validate the request, snapshot the visible incidents in scope and queue the run.

    `data` holds kind, params, area, categories and optionally agency (code); the window comes
    parsed. A repeat of a request of the actor's that is still open (a retried POST) returns
    that assessment. Raises Invalid (naming the field), NotAllowed (no requester role),
    Conflict naming `kind` (the method is suspended or retired: analytics.lifecycle), TooMany
    (the actor's open assessments are at the cap)."""
    scopes.refuse_person_keys(data)
    kind = _kind(data)
    agency = acting_agency(actor, data.get("agency"), REQUESTER_ROLES, "request assessments")
    lifecycle.refuse_request(kind)
    params = scopes.normalise_params(kind, data.get("params"))
    scope = {
        "area": scopes.normalise_area(data.get("area")),
        "categories": scopes.normalise_categories(data.get("categories")),
    }
    tlp_max = scopes.normalise_tlp_max(data.get("tlp_max"))
    if tlp_max is not None:
        scope["tlp_max"] = tlp_max
    asked = request_key(kind, agency.pk, scope, params, after, before)
    after, before = scopes.normalise_window(kind, params, after, before)
    scope.update(occurred_after=after.isoformat(), occurred_before=before.isoformat())
    with transaction.atomic():
        open_runs = list(
            Assessment.objects.select_for_update().filter(requester=actor, status__in=OPEN_STATUSES)
        )
        same = next((a for a in open_runs if a.request_key == asked), None)
        if same is not None and standing is None:
            return same  # a repeat (a retried POST) of a request still open
        open_now = len(open_runs)
        if open_now >= settings.ASSESSMENT_MAX_OPEN_PER_USER:
            raise TooMany(
                f"You have {open_now} assessments queued or running, the most allowed; "
                "retry when one has finished."
            )
        assessment = Assessment.objects.create(
            kind=kind,
            requester=actor,
            agency=agency,
            standing=standing,
            scope=scope,
            params=params,
            scope_key=scopes.scope_key(kind, agency.pk, scope, params),
            request_key=asked,
            method_version=method_version(kind),
            code_version=code_version(),
        )
        take_snapshot(assessment, actor, after, before)
        _check_grid_size(assessment)
        assessment.save()
        enqueue(assessment.pk)
    return assessment


def request_key(
    kind: str,
    agency_id: int,
    scope: dict,
    params: dict,
    after: datetime | None,
    before: datetime | None,
) -> str:
    """The request as made: window bounds as given (None when left to their defaults), the
    rest normalised, so a retried POST has the same key."""
    window = [t.isoformat() if t else None for t in (after, before)]
    made = json.dumps([kind, agency_id, scope, params, window], sort_keys=True, default=str)
    return hashlib.sha256(made.encode()).hexdigest()


def _check_grid_size(assessment: Assessment) -> None:
    """Refuse, at request time, a grid too fine for its area (the bbox, or else the extent of
    the snapshot): its cost is memory on a worker. The refusal names the incidents far outside
    the rest that stretch the extent; `cell_size_km: "auto"` is resolved here into the size
    stored and run (analytics.runners.area.check_grid)."""
    if assessment.kind not in GRIDDED:
        return
    rows = []
    auto = assessment.params.get("cell_size_km") == AUTO
    if assessment.scope.get("area", {}).get("bbox") is None or auto:
        exact = assessment.inputs.filter(location_precision="exact")  # as the runners grid
        if not auto and _extent_fits(exact, assessment.params["cell_size_km"]):
            return  # the whole extent fits: no outlier needs naming, no row needs reading
        rows = list(exact.values_list("incident_id", "latitude", "longitude"))
    errors = check_grid(rows, assessment.scope, assessment.params, settings.ASSESSMENT_MAX_CELLS)
    if errors:
        raise Invalid(errors=errors)


def _extent_fits(inputs: QuerySet, cell_size_km: float) -> bool:
    """Whether the grid over the whole extent of `inputs` (one aggregate) is within the cap."""
    extent = inputs.aggregate(
        w=Min("longitude"), s=Min("latitude"), e=Max("longitude"), n=Max("latitude")
    )
    if extent["w"] is None:
        return True
    bbox = (extent["w"], extent["s"], extent["e"], extent["n"])
    return cells_needed(bbox, cell_size_km * 1000.0) <= settings.ASSESSMENT_MAX_CELLS


RUN_TASK = "analytics.assessment_run"


def run_key(assessment_id: Any) -> str:
    """The outbox key of an assessment's run: one unsent message per assessment at a time."""
    return f"{RUN_TASK}:{assessment_id}"


def enqueue(assessment_id: Any) -> None:
    """Send the run to a worker through the outbox, once the current transaction commits
    (in-process when no broker is configured)."""
    outbox.enqueue(
        RUN_TASK,
        [str(assessment_id)],
        key=run_key(assessment_id),
        options={
            "soft_time_limit": settings.ASSESSMENT_SOFT_TIME_LIMIT,
            "time_limit": settings.ASSESSMENT_TIME_LIMIT,
        },
    )


def _claim(assessment_id: str) -> Assessment | None:
    """Take the assessment for this attempt, or None when there is nothing to do: finished,
    or running under a live lease. Raises Busy when its row is locked by another worker."""
    now = timezone.now()
    with transaction.atomic():
        try:
            assessment = (
                Assessment.objects.select_for_update(nowait=True).filter(pk=assessment_id).first()
            )
        except DatabaseError as exc:
            raise Busy(str(exc)) from exc
        if assessment is None or assessment.finished:
            return None
        if assessment.status == Status.RUNNING and assessment.lease_until > now:
            return None
        if assessment.attempts >= settings.ASSESSMENT_MAX_ATTEMPTS:
            assessment.status, assessment.finished_at = Status.FAILED, now
            assessment.error = (
                f"gave up after {assessment.attempts} attempts that did not finish (a worker "
                f"lost or killed, e.g. out of memory); last note: {assessment.error or 'none'}"
            )[:2000]
            assessment.save()
            return None
        assessment.status = Status.RUNNING
        assessment.attempts += 1
        assessment.started_at = assessment.started_at or now
        assessment.lease_until = lease_end()
        assessment.progress = 1
        assessment.error = ""
        assessment.save()
    return assessment


def _mine(assessment: Assessment):
    return Assessment.objects.filter(
        pk=assessment.pk, status=Status.RUNNING, attempts=assessment.attempts
    )


def describe(exc: BaseException) -> str:
    """The reason recorded on a failed or retried run."""
    if isinstance(exc, SoftTimeLimitExceeded):
        return "time limit exceeded: narrow the scope or use larger cells"
    return f"{type(exc).__name__}: {exc}".strip()


def assessment_run(assessment_id: str) -> None:
    """Compute the assessment (the body of the worker task). Whatever ends the run is recorded
    on it: a failure with its reason, or, for a transient error (re-raised for the task to
    retry), the note that it is queued again."""
    assessment = _claim(assessment_id)
    if assessment is None:
        return
    try:
        with beating(lambda: _mine(assessment).update(lease_until=lease_end())):
            _compute(assessment)
    except TRANSIENT as exc:
        fresh_connection()  # a dropped connection cannot record the retry
        _mine(assessment).update(
            status=Status.QUEUED, error=f"retrying after: {describe(exc)}"[:2000], lease_until=None
        )
        raise
    except Exception as exc:  # every other error ends the run, recorded on it
        fresh_connection()  # a time limit may have struck mid-query
        if not isinstance(exc, (*METHOD_ERRORS, SoftTimeLimitExceeded)):
            logger.exception("assessment %s: unexpected error", assessment.pk)
        assessment_fail(assessment, describe(exc))


def _compute(assessment: Assessment) -> None:
    began = time.perf_counter()

    def progress(pct: int) -> None:
        _mine(assessment).update(progress=max(1, min(99, pct)), lease_until=lease_end())

    inputs = load_inputs(assessment)
    loaded = time.perf_counter()
    progress(10)
    previous = previous_flags(assessment)
    params = {**assessment.params, "seed": assessment.seed}
    job = Job(inputs, assessment.scope, params, previous.result if previous else None, progress)
    result = RUNNERS[assessment.kind](job)
    computed = time.perf_counter()
    result = {
        **result,
        "notice": NOTICE,
        "method_version": assessment.method_version,
        "input_hash": assessment.input_hash,
    }
    result = json.loads(json.dumps(result, allow_nan=False, sort_keys=True))
    timings = {
        "load_s": round(loaded - began, 3),
        "compute_s": round(computed - loaded, 3),
        "total_s": round(time.perf_counter() - began, 3),
    }
    with transaction.atomic():
        done = _mine(assessment).select_for_update().first()
        if done is None:
            return  # another attempt took over
        # read under the row lock: a suspension that marked pending results meanwhile is seen
        done.result = lifecycle.mark_result(
            result, method=assessment.kind, version=assessment.method_version
        )
        done.timings = timings
        done.compared_with = previous
        done.status = Status.PENDING_REVIEW
        done.progress = 100
        done.finished_at = timezone.now()
        done.save()
        if assessment.kind == Kind.FORECAST and result.get("backtest"):
            BacktestRun.objects.create(
                method=Kind.FORECAST,
                method_version=assessment.method_version,
                assessment=done,
                dataset=f"assessment {done.pk}: {done.input_count} incidents",
                metrics=result["backtest"],
            )


def assessment_fail(assessment: Assessment, reason: str) -> None:
    """End this attempt's run as failed with its reason (a newer attempt is left alone)."""
    logger.warning("assessment %s failed: %s", assessment.pk, reason)
    with transaction.atomic():
        current = _mine(assessment).select_for_update().first()
        if current is None:
            return
        current.status = Status.FAILED
        current.error = reason[:2000]
        current.finished_at = timezone.now()
        current.save()


def assessment_give_up(assessment_id: str, reason: str) -> None:
    """The task's retries are spent: fail the run unless a live attempt holds it."""
    with transaction.atomic():
        current = Assessment.objects.select_for_update().filter(pk=assessment_id).first()
        if current is None or current.finished:
            return
        lease = current.lease_until
        if current.status == Status.RUNNING and lease and lease > timezone.now():
            return
        logger.warning("assessment %s failed: %s", assessment_id, reason)
        current.status = Status.FAILED
        current.error = reason[:2000]
        current.finished_at = timezone.now()
        current.save()


@audit.attributed
def assessment_withdraw(*, actor: User, assessment: Assessment, rationale: str) -> Assessment:
    """Take back an approved result, with a rationale: it leaves reports and everyone's view
    but its requester's. Raises NotAllowed (no reviewer role in its agency), Invalid (no
    rationale), Conflict (not approved)."""
    if not can_withdraw(actor, assessment):
        raise NotAllowed("Only analysts and coordinators of the assessment's agency withdraw it.")
    rationale = (rationale or "").strip()
    if len(rationale) < MIN_RATIONALE:
        raise Invalid(errors={"rationale": [f"State a rationale of {MIN_RATIONALE}+ characters."]})
    with transaction.atomic():
        current = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if current.status != Status.APPROVED:
            raise Conflict(
                f"The assessment is {current.status}; only approved results are withdrawn."
            )
        current.status = Status.WITHDRAWN
        current.withdrawn_by = actor
        current.withdrawn_at = timezone.now()
        current.withdrawal_rationale = rationale
        current.save()
    return current


def assessment_review(
    *,
    actor: User,
    assessment: Assessment,
    decision: str,
    rationale: str,
    acknowledged_warnings: list[str] | None = None,
) -> Assessment:
    """Approve or reject a pending result. Raises NotAllowed (the requester, or no reviewer
    role in its agency), Conflict (not pending; approving a result of a method version that
    oversight suspended or retired), Invalid (rationale, unacknowledged warnings)."""
    if assessment.requester_id == actor.pk:
        raise NotAllowed("The requester may not review their own assessment (four eyes).")
    if not can_review(actor, assessment):
        raise NotAllowed("Only analysts and coordinators of the assessment's agency review it.")
    if decision not in Decision.values:
        raise Invalid(errors={"decision": ["Must be approve or reject."]})
    rationale = (rationale or "").strip()
    if len(rationale) < MIN_RATIONALE:
        raise Invalid(errors={"rationale": [f"State a rationale of {MIN_RATIONALE}+ characters."]})
    acknowledged = list(acknowledged_warnings or [])
    with transaction.atomic():
        current = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if current.status != Status.PENDING_REVIEW:
            raise Conflict(f"The assessment is {current.status}, not pending review.")
        lifecycle.refuse_approval(current, decision)
        warnings = (current.result or {}).get("warnings", [])
        missing = [w for w in warnings if w not in acknowledged]
        if decision == Decision.APPROVE and missing:
            raise Invalid(
                "Approving requires acknowledging every warning of the result.",
                errors={"acknowledged_warnings": [f"Not acknowledged: {w}" for w in missing]},
            )
        current.status = Status.APPROVED if decision == Decision.APPROVE else Status.REJECTED
        current.decision = decision
        current.rationale = rationale
        current.acknowledged_warnings = acknowledged
        current.reviewed_by = actor
        current.reviewed_at = timezone.now()
        current.save()
        flags_raise(current)
    return current
