"""Standing sharing agreements: which incidents they cover, applying them, and previews.

An agreement shares every incident of its owner that matches it (category, minimum
severity, district; TLP CLEAR, GREEN or AMBER only) with its recipient. It is applied to each
incident at ingest, and to all existing incidents by a worker when it is created or changed.
Losing access is immediate (in the request's transaction); gaining it follows from the worker.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import OuterRef, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from agencies.choices import AgencyKind, Role
from agencies.models import Agency, User
from agencies.selectors import roles_of
from fusion import audit, outbox
from fusion.choices import EndReason, ShareLevel, ShareOrigin
from fusion.errors import Conflict, Invalid, NotAllowed
from fusion.models import ShareGrant, SharingAgreement
from fusion.plan_shapes import ProbeExists, id_array, in_array
from fusion.sharing import permission_store
from fusion.sharing.shares import end_grants
from fusion.sharing.tlp import AGREEMENT_TLPS
from fusion.sharing.visibility import agency_keeps_without, agency_sees
from incidents.access import Level
from incidents.models import Incident

CHUNK = 2000
DEFINITION = ("recipient", "categories", "severity_min", "districts", "level", "active")


def covered(agreement: SharingAgreement) -> QuerySet[Incident]:
    """The owner's incidents this agreement shares (none when inactive)."""
    if not agreement.active:
        return Incident.objects.none()
    rows = Incident.objects.filter(
        agency_id=agreement.owner_id, tlp__in=AGREEMENT_TLPS, severity__gte=agreement.severity_min
    )
    if agreement.categories:
        rows = rows.filter(category_id__in=agreement.categories)
    if agreement.districts:
        rows = rows.annotate(_district=Lower("district")).filter(
            _district__in=[d.lower() for d in agreement.districts]
        )
    return rows


def covers(agreement: SharingAgreement, incident: Incident) -> bool:
    """The same test as `covered`, on one incident in memory."""
    return (
        agreement.active
        and incident.agency_id == agreement.owner_id
        and incident.tlp in AGREEMENT_TLPS
        and incident.severity >= agreement.severity_min
        and (not agreement.categories or incident.category_id in agreement.categories)
        and (
            not agreement.districts
            or incident.district.lower() in {d.lower() for d in agreement.districts}
        )
    )


def _grant_all(agreement: SharingAgreement, incident_ids: Sequence[Any]) -> int:
    grants = [
        ShareGrant(
            incident_id=incident_id,
            agency_id=agreement.recipient_id,
            level=agreement.level,
            purpose=agreement.purpose,
            origin=ShareOrigin.AGREEMENT,
            agreement=agreement,
            granted_by_id=agreement.created_by_id,
        )
        for incident_id in incident_ids
    ]
    ShareGrant.objects.bulk_create(grants, batch_size=CHUNK)
    audit.log_created_bulk(grants, event="agreement.share", object_agency_id=agreement.owner_id)
    permission_store.rebuild(incident_ids)
    return len(grants)


def _withdraw_unmatched(agreement: SharingAgreement) -> int:
    keep = set(covered(agreement).values_list("pk", flat=True))
    stale = [
        g
        for g in permission_store.live_grants().filter(agreement=agreement)
        if g.incident_id not in keep
    ]
    return end_grants(stale, EndReason.AGREEMENT_WITHDRAWN)


def agreement_apply(*, agreement_id: int) -> dict[str, int]:
    """Reconcile an agreement's shares with what it covers now (idempotent; a worker task)."""
    with transaction.atomic():
        # Read under the lock: a change committed while this run waited (switched off,
        # narrowed) is what this run applies, never the copy from before the wait.
        agreement = SharingAgreement.objects.select_for_update().filter(pk=agreement_id).first()
        if agreement is None:
            return {"granted": 0, "withdrawn": 0}
        with audit.acting(agreement.created_by, component="worker"):
            return _apply_locked(agreement)


def agreement_apply_failed(agreement_id: int, reason: str) -> None:
    """Record why applying the agreement failed (shown as its apply_state `failed`)."""
    SharingAgreement.objects.filter(pk=agreement_id).update(apply_error=reason[:2000])


def _apply_locked(agreement: SharingAgreement) -> dict[str, int]:
    withdrawn = _withdraw_unmatched(agreement)
    have = set(
        permission_store.live_grants()
        .filter(agreement=agreement)
        .values_list("incident_id", flat=True)
    )
    missing = [pk for pk in covered(agreement).values_list("pk", flat=True) if pk not in have]
    granted = sum(
        _grant_all(agreement, missing[start : start + CHUNK])
        for start in range(0, len(missing), CHUNK)
    )
    agreement.applied_at, agreement.apply_error = timezone.now(), ""
    agreement.save(update_fields=["applied_at", "apply_error"])
    return {"granted": granted, "withdrawn": withdrawn}


def agreements_apply_to(incidents: Iterable[Incident]) -> None:
    """At ingest: grant what matching agreements owe these incidents; withdraw what they no
    longer owe (the incident changed). One query for agreements, one for existing grants."""
    incidents = list(incidents)
    agreements, existing = agreements_withdraw_stale(incidents)
    for agreement in agreements:
        due = [
            i.pk for i in incidents if covers(agreement, i) and (agreement.pk, i.pk) not in existing
        ]
        if due:
            _grant_all(agreement, due)


def active_agreements_of(owners: set[int]) -> list[SharingAgreement]:
    return list(SharingAgreement.objects.filter(owner_id__in=owners, active=True))


def agreements_withdraw_stale(
    incidents: list[Incident],
) -> tuple[list[SharingAgreement], dict[tuple[int, Any], ShareGrant]]:
    """End the agreement shares of these (changed) incidents that no agreement owes any more;
    returns the owners' active agreements and the live agreement grants, by (agreement id,
    incident id)."""
    agreements = active_agreements_of({i.agency_id for i in incidents})
    if not agreements:
        return [], {}
    live = permission_store.live_grants().filter(
        incident__in=incidents, origin=ShareOrigin.AGREEMENT
    )
    existing = {(g.agreement_id, g.incident_id): g for g in live}
    by_incident = {i.pk: i for i in incidents}
    by_agreement = {a.pk: a for a in agreements}
    stale = [
        grant
        for (agreement_id, incident_id), grant in existing.items()
        if agreement_id not in by_agreement
        or not covers(by_agreement[agreement_id], by_incident[incident_id])
    ]
    if stale:
        end_grants(stale, EndReason.INCIDENT_CHANGED)
    return agreements, existing


def agreements_grant_new(
    owner_id: int, agreements: Sequence[SharingAgreement], incident_ids: Sequence[Any]
) -> int:
    """PostgreSQL, at bulk ingest: each of the owner's active `agreements` grants what it
    covers among these incidents and has not granted yet. Which incidents an agreement covers
    is `covered`'s query, the one the worker applies; the grants, their audit entries and their
    permission rows take one statement each, whatever the number. Returns how many grants
    were made."""
    if not agreements:
        return 0
    q = connection.ops.quote_name
    grants = q(ShareGrant._meta.db_table)
    columns = (
        "incident_id, agency_id, level, purpose, origin, agreement_id, granted_by_id, "
        "created_at, end_reason"
    )
    now = timezone.now()
    made: list[tuple[int, Any]] = []
    with connection.cursor() as cursor:
        for agreement in agreements:
            sql, params = _owed(agreement, incident_ids, now).query.sql_with_params()
            cursor.execute(
                f"INSERT INTO {grants} ({columns}) "  # noqa: S608
                f"SELECT owed.id, %s, %s, %s, %s, %s, %s, %s, '' FROM ({sql}) AS owed(id) "
                "RETURNING id, incident_id",
                [
                    agreement.recipient_id,
                    agreement.level,
                    agreement.purpose,
                    ShareOrigin.AGREEMENT,
                    agreement.pk,
                    agreement.created_by_id,
                    now,
                    *params,
                ],
            )
            made.extend(cursor.fetchall())
    if made:
        audit.log_bulk_sql(
            audit.SqlRows(
                model=ShareGrant,
                source=f"{grants} g WHERE g.id = ANY(%s::bigint[])",
                params=(id_array(pk for pk, _ in made),),
                new="g",
                object_repr="'share ' || g.id || ' of ' || g.incident_id || ' (' || g.level || ')'",
                object_agency=str(int(owner_id)),
                order_by="g.id",
            ),
            event="agreement.share",
        )
        permission_store.rebuild([incident_id for _, incident_id in made])
    return len(made)


def _owed(agreement: SharingAgreement, incident_ids: Sequence[Any], now: Any) -> QuerySet:
    """Which of these incidents the agreement covers and has not granted yet."""
    granted = permission_store.live_grants(now).filter(agreement=agreement, incident=OuterRef("pk"))
    return (
        covered(agreement)
        .filter(in_array(Incident, "id", incident_ids))
        .exclude(ProbeExists(granted))
        .order_by()
        .values("pk")
    )


def _check_definition(owner: Agency, data: dict[str, Any]) -> None:
    recipient = data.get("recipient")
    if recipient is not None and recipient.pk == owner.pk:
        raise Invalid(errors={"recipient": ["An agency does not share with itself."]})
    if recipient is not None and recipient.kind == AgencyKind.OVERSIGHT:
        raise Invalid(errors={"recipient": ["Oversight bodies read no incident content."]})


def _require_owner_admin(actor: User, owner: Agency) -> None:
    if roles_of(actor).get(owner.pk) != Role.AGENCY_ADMIN:
        raise NotAllowed("Only the owning agency's admins manage its sharing agreements.")


def _enqueue_apply(agreement: SharingAgreement) -> None:
    outbox.enqueue(
        "fusion.agreement_apply", [agreement.pk], key=f"fusion.agreement_apply:{agreement.pk}"
    )


# What makes two agreements the same: a POST repeating these finds the agreement it made.
NATURAL_KEY = ("recipient", "categories", "severity_min", "districts", "level")


def _district_key(districts: Iterable[str]) -> list[str]:
    """Districts as coverage compares them: case and order do not matter."""
    return sorted({d.strip().lower() for d in districts})


def agreement_create(*, actor: User, owner: Agency, data: dict[str, Any]) -> SharingAgreement:
    """Create an agreement (or find the same one made before); a worker then shares what it
    covers. Actor: owner's admin."""
    return agreement_submit(actor=actor, owner=owner, data=data)[0]


def _check_new(actor: User, owner: Agency, data: dict[str, Any]) -> None:
    """The checks of a new agreement. Raises NotAllowed, Invalid naming the field."""
    _require_owner_admin(actor, owner)
    _check_definition(owner, data)


def _check_change(actor: User, agreement: SharingAgreement, changes: dict[str, Any]) -> None:
    """The checks of a change. Raises NotAllowed, Invalid naming the field."""
    _require_owner_admin(actor, agreement.owner)
    _check_definition(agreement.owner, changes)


def _repeated(owner: Agency, data: dict[str, Any]) -> SharingAgreement | None:
    """The owner's agreement this one repeats (same coverage, purpose and state), or None.
    Raises Conflict when one has the same coverage but another purpose or state."""
    defaults = {f: SharingAgreement._meta.get_field(f).get_default() for f in NATURAL_KEY}
    key = {f: data.get(f, defaults[f]) for f in NATURAL_KEY if f != "districts"}
    districts = _district_key(data.get("districts", []))
    same = next(
        (
            a
            for a in SharingAgreement.objects.filter(owner=owner, **key).order_by("pk")
            if _district_key(a.districts) == districts
        ),
        None,
    )
    if same is None:
        return None
    wanted = {
        f: data.get(f, SharingAgreement._meta.get_field(f).get_default())
        for f in ("purpose", "active")
    }
    if all(getattr(same, f) == v for f, v in wanted.items()):
        return same
    raise Conflict(
        f"Agreement {same.pk} already covers these incidents for {same.recipient.code}; "
        "change it with PATCH instead of making another."
    )


@transaction.atomic
def agreement_submit(
    *, actor: User, owner: Agency, data: dict[str, Any]
) -> tuple[SharingAgreement, bool]:
    """Create an agreement, True; or, when the owner has one with the same coverage, purpose
    and state, that one, False: a retried POST makes no duplicate, with or without an
    Idempotency-Key. One with the same coverage but otherwise different is a Conflict (409).
    Actor: owner's admin."""
    _check_new(actor, owner, data)
    # One creation per owner at a time, so two retries racing cannot both create.
    Agency.objects.select_for_update().filter(pk=owner.pk).first()
    same = _repeated(owner, data)
    if same is not None:
        return same, False
    with audit.acting_for(actor, owner.pk):
        agreement = SharingAgreement.objects.create(owner=owner, created_by=actor, **data)
    _enqueue_apply(agreement)
    return agreement, True


@transaction.atomic
def agreement_update(
    *, actor: User, agreement: SharingAgreement, changes: dict[str, Any]
) -> SharingAgreement:
    """Change an agreement: lost access ends now, gained access follows from the worker."""
    _check_change(actor, agreement, changes)
    with audit.acting_for(actor, agreement.owner_id):
        recipient_changed = "recipient" in changes and changes["recipient"] != agreement.recipient
        for name, value in changes.items():
            setattr(agreement, name, value)
        agreement.apply_error = ""  # the apply queued below is what counts now
        agreement.save()
        if recipient_changed:
            end_grants(
                permission_store.live_grants().filter(agreement=agreement),
                EndReason.AGREEMENT_WITHDRAWN,
            )
        else:
            _withdraw_unmatched(agreement)
    _enqueue_apply(agreement)
    return agreement


@transaction.atomic
def agreement_delete(*, actor: User, agreement: SharingAgreement) -> None:
    """Delete an agreement and withdraw the shares it made (explicit shares stay)."""
    _require_owner_admin(actor, agreement.owner)
    with audit.acting_for(actor, agreement.owner_id):
        end_grants(
            permission_store.live_grants().filter(agreement=agreement),
            EndReason.AGREEMENT_WITHDRAWN,
        )
        agreement.delete()


# A preview lists this many incident ids per side, first by id; its counts are exact.
PREVIEW_LIST_MAX = 100


def agreement_preview(
    *,
    actor: User,
    owner: Agency,
    data: dict[str, Any],
    current: SharingAgreement | None = None,
    deleting: bool = False,
) -> dict[str, Any]:
    """Who would gain or lose access to which incidents if `data` were saved (nothing saved).

    It runs the checks of the request it previews, so it refuses what that request would
    (NotAllowed, Invalid naming the field, Conflict). A gain is an incident the recipient
    does not see at the agreement's level now (neither shared already, by this or another
    agreement or explicitly, nor TLP:CLEAR at view level); a loss one the recipient would
    stop seeing altogether. Actor: owner's admin."""
    if current is None:
        _check_new(actor, owner, data)
        _repeated(owner, data)
    elif deleting:
        _require_owner_admin(actor, owner)
    else:
        _check_change(actor, current, data)
    proposed = SharingAgreement(
        owner=owner, **{**({n: getattr(current, n) for n in DEFINITION} if current else {}), **data}
    )
    if deleting:
        proposed.active = False
    after = covered(proposed)
    gain = after.exclude(agency_sees(proposed.recipient, _LEVELS[proposed.level]))
    old_recipient = current.recipient if current else proposed.recipient
    lose = _leaving(current, after if old_recipient == proposed.recipient else None)
    if current is not None:
        lose = lose.exclude(agency_keeps_without(old_recipient, current.pk))
    gain_count, lose_count = gain.count(), lose.count()
    return {
        "gain": {
            "agency": proposed.recipient.code,
            "level": proposed.level,
            "incidents": _first_ids(gain),
        },
        "lose": {"agency": old_recipient.code, "incidents": _first_ids(lose)},
        "gain_count": gain_count,
        "loss_count": lose_count,
        "unchanged_count": after.count() - gain_count,
        "list_limit": PREVIEW_LIST_MAX,
    }


_LEVELS = {ShareLevel.VIEW: Level.VIEW, ShareLevel.VIEW_PERSONS: Level.VIEW_PERSONS}


def _leaving(current: SharingAgreement | None, after: QuerySet[Incident] | None) -> QuerySet:
    """The incidents the current agreement shares now and would share no more (`after`: what
    it would cover with the same recipient; None when the recipient changes)."""
    if current is None:
        return Incident.objects.none()
    granted = permission_store.live_grants().filter(agreement=current).values("incident_id")
    rows = Incident.objects.filter(pk__in=granted)
    return rows if after is None else rows.exclude(pk__in=after.values("pk"))


def _first_ids(rows: QuerySet[Incident]) -> list[str]:
    return [str(pk) for pk in rows.order_by("pk").values_list("pk", flat=True)[:PREVIEW_LIST_MAX]]
