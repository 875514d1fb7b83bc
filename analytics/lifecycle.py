"""Method lifecycle: oversight suspends, reactivates or retires a method version (kill switch).

A method version is active until oversight decides otherwise, always with a rationale; each
decision is a MethodStatusChange row (append-only, audited), and the model card lists them.
While a version is not active nobody may request it (a standing request's refusal is recorded
on it) and none of its results is approved. Its pending results carry a warning saying so:
from the moment of the decision, or, for a run still queued or computing then, from the end of
the run. Reactivating lifts the block; the warnings and the history stay. Retiring is final: a
retired version never runs again, and the next version of the method starts active.

Reports are not concerned: they show approved results, and approving is what is blocked.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.choices import Role
from agencies.models import Agency, User
from agencies.selectors import oversight_agency_ids, roles_of
from analytics.choices import Decision, MethodStatus, Status
from analytics.models import Assessment, MethodStatusChange
from analytics.registry import METHODS, latest_status_change, method_version
from fusion import audit
from fusion.errors import Conflict, Invalid, NotAllowed, NotFound

# The floor of every rationale in analytics (reviews and withdrawals: analytics.services).
MIN_RATIONALE = 10
PENDING = (Status.QUEUED, Status.RUNNING, Status.PENDING_REVIEW)
CONSEQUENCE = {
    MethodStatus.SUSPENDED: "its results are not approved while it is suspended",
    MethodStatus.RETIRED: "its results are never approved",
}


def deciding_body(user: User, code: str | None = None) -> Agency:
    """The oversight body `user` decides for: the one named, or their only one. Raises
    NotAllowed (no oversight role in an oversight body, or not in the one named), Invalid
    naming `agency` (several, none named). A platform admin never decides, even as a member
    of an oversight body: a platform admin adds members to any agency, so the kill switch
    would otherwise be two calls away from whoever runs the platform."""
    if user.is_superuser:
        raise NotAllowed("Platform admins do not change a method's status, whatever their roles.")
    roles = roles_of(user)
    bodies = Agency.objects.filter(
        pk__in=[a for a in oversight_agency_ids(user) if roles.get(a) == Role.OVERSIGHT]
    ).order_by("code")
    if code:
        body = bodies.filter(code=code).first()
        if body is None:
            raise NotAllowed(f"You may not decide on methods for agency {code!r}.")
        return body
    found = list(bodies[:2])
    if not found:
        raise NotAllowed("Only oversight members change a method's status.")
    if len(found) > 1:
        raise Invalid(errors={"agency": ["You belong to several oversight bodies: name one."]})
    return found[0]


def status_warning(change: MethodStatusChange) -> str:
    """The warning a pending result of the version carries after `change` (not active)."""
    return (
        f"method {change.method} {change.version} was {change.status} by oversight on "
        f"{change.at.date().isoformat()} ({change.rationale}): {CONSEQUENCE[change.status]}"
    )


def with_warning(result: dict, warning: str) -> bool:
    """Add `warning` to the result's warnings (once); whether it was added."""
    warnings = result.setdefault("warnings", [])
    if warning in warnings:
        return False
    warnings.append(warning)
    return True


def mark_result(result: dict, *, method: str, version: str) -> dict:
    """A result finished for the version, marked when the version is not active (a run that
    ends after a suspension). The caller holds the assessment's row lock, so a decision
    committed while it waited for it is seen here."""
    change = latest_status_change(method, version)
    if change is not None and change.status != MethodStatus.ACTIVE:
        with_warning(result, status_warning(change))
    return result


def refuse_request(kind: str) -> None:
    """Raises Conflict naming `kind` when its current version is not active."""
    change = latest_status_change(kind, method_version(kind))
    if change is not None and change.status != MethodStatus.ACTIVE:
        raise Conflict(
            f"The method {kind} {change.version} is {change.status}: it takes no requests.",
            errors={"kind": [f"{kind} is {change.status} by oversight: {change.rationale}"]},
        )


def refuse_approval(assessment: Assessment, decision: str) -> None:
    """Raises Conflict when `decision` approves a result of a version that is not active
    (rejecting one is allowed: it is the cautious direction)."""
    if decision != Decision.APPROVE:
        return
    change = latest_status_change(assessment.kind, assessment.method_version)
    if change is not None and change.status != MethodStatus.ACTIVE:
        raise Conflict(
            f"The method {assessment.kind} {assessment.method_version} is {change.status} by "
            f"oversight: {CONSEQUENCE[change.status]}. Reject the result, or wait until "
            "oversight reactivates the method.",
            errors={"decision": [f"{assessment.kind} is {change.status}."]},
        )


def _mark_pending(change: MethodStatusChange) -> int:
    """Mark the version's pending results with the change's warning; how many were marked.
    Queued and running ones are locked too, so a run that finishes meanwhile is either marked
    here (it finished first) or marks itself (mark_result: it waited for this to commit)."""
    warning = status_warning(change)
    pending = Assessment.objects.select_for_update().filter(
        kind=change.method, method_version=change.version, status__in=PENDING
    )
    marked = 0
    for assessment in pending.order_by("pk"):
        if assessment.result is not None and with_warning(assessment.result, warning):
            assessment.save(update_fields=["result"])
            marked += 1
    return marked


def method_status_change(
    *,
    actor: User,
    method: str,
    status: str,
    rationale: str,
    version: str | None = None,
    agency: str | None = None,
) -> MethodStatusChange:
    """Set the status of the method's current version, with a rationale (oversight only).

    `version`, when given, must be the current one (the decision was made about it); `agency`
    names the oversight body when the actor belongs to several. Suspending or retiring marks
    the version's pending results. Raises NotFound (no such method), NotAllowed (not
    oversight), Invalid (status, rationale), Conflict (version not current, status unchanged,
    retired, or another decision on the version taken meanwhile)."""
    if method not in METHODS:
        raise NotFound()
    body = deciding_body(actor, agency)
    if status not in MethodStatus.values:
        raise Invalid(errors={"status": [f"Must be one of: {', '.join(MethodStatus.values)}."]})
    rationale = (rationale or "").strip()
    if len(rationale) < MIN_RATIONALE:
        raise Invalid(errors={"rationale": [f"State a rationale of {MIN_RATIONALE}+ characters."]})
    current = method_version(method)
    if version and version != current:
        raise Conflict(
            f"The current version of {method} is {current}; only its status changes.",
            errors={"version": [f"Not the current version ({current})."]},
        )
    try:
        with audit.acting_for(actor, body.pk), transaction.atomic():
            return _change(actor, body, method, current, status, rationale)
    except IntegrityError as exc:
        raise Conflict(
            f"Another decision on {method} {current} was taken meanwhile; read its card and retry."
        ) from exc


def _change(
    actor: User, body: Agency, method: str, version: str, status: str, rationale: str
) -> MethodStatusChange:
    last = latest_status_change(method, version)
    now = last.status if last is not None else MethodStatus.ACTIVE
    if now == MethodStatus.RETIRED:
        raise Conflict(
            f"The method {method} {version} is retired, which is final; its next version "
            "starts active.",
            errors={"status": ["Retired is final."]},
        )
    if now == status:
        raise Conflict(
            f"The method {method} {version} is already {status}.",
            errors={"status": [f"Already {status}."]},
        )
    change = MethodStatusChange.objects.create(
        method=method,
        version=version,
        number=(last.number if last is not None else 0) + 1,
        status=status,
        rationale=rationale,
        actor=actor,
        agency=body,
        at=timezone.now(),
    )
    if status != MethodStatus.ACTIVE:
        _mark_pending(change)
    return change
