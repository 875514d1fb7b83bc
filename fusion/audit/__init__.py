"""Audit plumbing: which models are audited, who acted, and explicit access/event entries.

django-auditlog writes an entry for every save and delete of a registered model. This module
adds what it lacks for us: the actor and acting agency of token-authenticated API calls and of
commands, full redaction of personal fields (auditlog's default mask keeps half a value),
access entries with a stated purpose, and audit entries for bulk writes it cannot see.
"""

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial, wraps
from typing import Any, TypeVar

from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import pre_save
from django.utils import timezone
from django.utils.encoding import smart_str
from django.utils.functional import LazyObject, empty

from fusion import after_response, identity, request_context
from fusion.audit.fields import REDACTED
from fusion.audit.fields import audited_fields as _audited_fields
from fusion.pg_copy import copy_values

T = TypeVar("T")


@dataclass(frozen=True)
class AuditContext:
    actor: Any = None
    acting_agency_id: int | None = None
    component: str = "api"


_context: ContextVar[AuditContext | None] = ContextVar("fusion_audit_context", default=None)


def redact(value: str) -> str:
    """auditlog mask callable: hide the whole value, not half of it."""
    return REDACTED


def register_models() -> None:
    """Register fusion's own models with auditlog and fill our entries' extra columns (called
    once from FusionConfig.ready; every other app registers its models in its own ready)."""
    from fusion.models import (
        AccessRequest,
        Complaint,
        MonitorFinding,
        PurposeCode,
        ShareGrant,
        SharingAgreement,
    )

    auditlog.register(
        Complaint,
        mask_fields=["subject", "details", "contact", "resolution", "public_response"],
        mask_callable="fusion.audit.redact",
        exclude_fields=["secret_digest"],
    )
    # Matches and guardian rows are derived data, rebuilt from audited records.
    for model in (ShareGrant, SharingAgreement, AccessRequest, PurposeCode, MonitorFinding):
        auditlog.register(model)
    pre_save.connect(_fill_entry, sender=_entry_model(), dispatch_uid="fusion_audit_fill")


def _entry_model() -> type[models.Model]:
    from fusion.models import AuditEntry

    return AuditEntry


def unwrapped(actor: Any) -> Any:
    """The user behind Django's lazy `request.user` of a session request (a SimpleLazyObject,
    which DRF may wrap once more): the proxy's type is not the model, so `type(user)._meta`
    fails, and an entry naming it would be lost."""
    while isinstance(actor, LazyObject):
        if actor._wrapped is empty:
            actor._setup()
        actor = actor._wrapped
    return actor


@contextmanager
def acting(actor: Any = None, *, agency_id: int | None = None, component: str = "api") -> Iterator:
    """Attribute the audit entries written inside the block to `actor` (and its agency)."""
    token = _context.set(AuditContext(unwrapped(actor), agency_id, component))
    try:
        yield
    finally:
        _context.reset(token)


@contextmanager
def acting_for(actor: Any, agency_id: int | None = None) -> Iterator:
    """Inside the block `actor` acts for this agency (e.g. the owner of the edited incident).

    Services call it with their own actor, so entries are attributed whoever calls the
    service (a view, a command, a worker); the component of the outer context is kept.
    """
    current = _context.get() or AuditContext(component="system")
    token = _context.set(AuditContext(unwrapped(actor), agency_id, current.component))
    try:
        yield
    finally:
        _context.reset(token)


def attributed(service: Callable[..., T]) -> Callable[..., T]:
    """Decorate a service taking `actor=`: its audit entries name that actor."""

    @wraps(service)
    def wrapper(*args: Any, actor: Any, **kwargs: Any) -> T:
        with acting_for(actor):
            return service(*args, actor=actor, **kwargs)

    return wrapper


def _sole_agency_id(actor: Any) -> int | None:
    roles = identity.agencies_of(actor) if actor is not None else {}
    return next(iter(roles)) if len(roles) == 1 else None


def _fill(entry: Any) -> None:
    ctx = _context.get() or AuditContext(component="system")
    if entry.actor_id is None and getattr(ctx.actor, "pk", None):
        entry.actor = ctx.actor
    if entry.acting_agency_id is None:
        entry.acting_agency_id = ctx.acting_agency_id or _sole_agency_id(entry.actor)
    if entry.acting_agency_id:  # the call's token or session acted for it
        identity.note_acting([entry.acting_agency_id])
    if entry.object_agency_id is None and entry.additional_data:
        entry.object_agency_id = entry.additional_data.get("object_agency_id")
    if entry.remote_addr is None:
        entry.remote_addr = request_context.remote_addr()
    if entry.cid is None:
        entry.cid = request_context.correlation_id()
    data = dict(entry.additional_data or {})
    data.setdefault("component", ctx.component)
    scopes = identity.service_scopes(entry.actor) if entry.actor_id else None
    if scopes is not None:  # a service account's call: what its token was allowed
        data.setdefault("scopes", sorted(scopes))
    entry.additional_data = data


def _fill_entry(sender: type, instance: Any, **kwargs: Any) -> None:
    _fill(instance)


def _additional_data(instance: models.Model) -> dict | None:
    getter = getattr(instance, "get_additional_data", None)
    return getter() if callable(getter) else None


def log_event(
    *,
    event: str,
    obj: models.Model | None = None,
    model: type[models.Model] | None = None,
    object_pk: str = "",
    object_repr: str = "",
    purpose: str = "",
    outcome: str = "success",
    details: dict | None = None,
    actor: Any = None,
) -> Any:
    """Write one access/event entry (a read, a search, a login) with purpose and outcome."""
    entry_model = _entry_model()
    actor = unwrapped(actor)
    target = model or type(unwrapped(obj))
    extra = dict(details or {})
    if obj is not None and hasattr(obj, "get_additional_data"):
        extra.update(obj.get_additional_data())
    entry = entry_model(
        content_type=ContentType.objects.get_for_model(target),
        object_pk=str(obj.pk) if obj is not None else object_pk,
        object_repr=str(obj) if obj is not None else object_repr,
        action=entry_model.Action.ACCESS,
        event=event,
        purpose=purpose,
        outcome=outcome,
        additional_data=extra,
        actor=actor if getattr(actor, "pk", None) else None,
    )
    entry.save()
    return entry


def keep_refusal(work: Callable[[], object]) -> None:
    """Run `work`, which records a refusal (a 404 or 403 the caller gets), once the response
    has been sent (fusion.after_response): outside the request's transaction, which an error
    response rolls back, and after the answer, so that its time does not tell what was
    refused. Outside a request it runs at once."""
    if not after_response.defer(work):
        work()


def log_refusal(**event: Any) -> None:
    """`log_event` for a refusal, kept with `keep_refusal`. Name the `actor`: the view's
    audit context may have ended when it is written."""
    keep_refusal(partial(log_event, **event))


def _as_text(instance: models.Model | None, fields: list, masked: set[str]) -> dict[str, str]:
    """Field values as auditlog writes them: UTC-naive datetimes, sorted JSON, masked fields."""
    if instance is None:
        return {}
    values = {}
    for field in fields:
        name = field.name
        if name in masked:
            values[name] = REDACTED
            continue
        value = getattr(instance, field.attname)
        kind = type(value)
        if isinstance(field, models.JSONField):
            values[name] = json.dumps(value, sort_keys=True)
        elif kind is str:
            values[name] = value
        elif kind is datetime and value.utcoffset() is not None:
            values[name] = str(value.astimezone(UTC).replace(tzinfo=None))
        else:
            values[name] = smart_str(value)
    return values


def _diff(before: dict[str, str], after: dict[str, str]) -> dict[str, list[str]]:
    if not before:
        return {name: ["None", value] for name, value in after.items()}
    if not after:
        return {name: [value, "None"] for name, value in before.items()}
    return {
        name: [before.get(name, "None"), after.get(name, "None")]
        for name in {*before, *after}
        if before.get(name) != after.get(name)
    }


def _shared_values(event: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """What every entry of one bulk write shares ({attname: value}, no primary key), filled
    from the acting context once, and its additional data (component, scopes)."""
    entry_model = _entry_model()
    template = entry_model(event=event, timestamp=timezone.now())
    _fill(template)
    fixed = {f.attname: getattr(template, f.attname) for f in entry_model._meta.concrete_fields}
    fixed.pop(entry_model._meta.pk.attname)
    return fixed, template.additional_data


def log_bulk(
    changes: Iterable[tuple[models.Model | None, models.Model | None]],
    *,
    event: str = "bulk",
    object_agency_id: int | None = None,
) -> int:
    """One audit entry per (old, new) pair written in bulk, which auditlog never sees:
    (None, new) is a create, (old, new) an update, (old, None) a delete. Fields and masking
    follow the model's auditlog registration, as for single saves. Entries are written as
    rows (no model instance each); what is the same for all of them is filled in once."""
    entry_model = _entry_model()
    fixed, shared_data = _shared_values(event)
    action = entry_model.Action
    specs: dict[type, tuple[int, list, set[str]]] = {}
    rows = []
    for old, new in changes:
        instance = new if new is not None else old
        model = type(instance)
        if model not in specs:
            specs[model] = (ContentType.objects.get_for_model(model).pk, *_audited_fields(model))
        content_type_id, fields, masked = specs[model]
        if object_agency_id is not None:
            data = {"object_agency_id": object_agency_id}
        else:
            data = dict(_additional_data(instance) or {})
        for key, value in shared_data.items():
            data.setdefault(key, value)
        rows.append({
            **fixed,
            "content_type_id": content_type_id,
            "object_pk": str(instance.pk),
            "object_repr": str(instance),
            "action": action.CREATE if old is None else action.DELETE if new is None
            else action.UPDATE,
            "changes": _diff(_as_text(old, fields, masked), _as_text(new, fields, masked)),
            "additional_data": data,
            "object_agency_id": data.get("object_agency_id"),
        })  # fmt: skip
    return copy_values(entry_model, rows)


def log_created_bulk(
    instances: Iterable[models.Model],
    *,
    event: str = "bulk_create",
    object_agency_id: int | None = None,
) -> int:
    """One CREATE entry per instance written with bulk_create (which auditlog never sees)."""
    pairs = ((None, instance) for instance in instances)
    return log_bulk(pairs, event=event, object_agency_id=object_agency_id)


@dataclass(frozen=True)
class SqlRows:
    """Rows of one model to audit, selected in SQL (PostgreSQL): `source` is a FROM clause
    (with its WHERE, if any; `params` fill its placeholders) holding the row as stored under
    alias `new` and, for updates, the row as it was under alias `old` (NULL columns when
    `is_create` holds); `object_repr` and `object_agency` are SQL expressions (without
    placeholders) for the entry's text of the object and its owning agency."""

    model: type[models.Model]
    source: str
    object_repr: str
    object_agency: str
    new: str = "new"
    old: str | None = None
    is_create: str = "TRUE"
    order_by: str = ""
    params: tuple = ()


def log_bulk_sql(rows: SqlRows, *, event: str) -> int:
    """One entry per row of `rows`, written by one INSERT … SELECT inside PostgreSQL, equal to
    what `log_bulk` writes from instances (the same fields, masks and text of values: see
    fusion.audit.sql). No row passes through Python. Returns how many were written."""
    from django.db import connection

    from fusion.audit.sql import FLOAT_TEXT_SETTING, changes_sql

    entry_model = _entry_model()
    fixed, shared_data = _shared_values(event)
    q = connection.ops.quote_name
    pk = rows.model._meta.pk
    computed = {
        "content_type_id": "%s",
        "object_pk": f"{rows.new}.{q(pk.column)}::text",
        "object_id": f"{rows.new}.{q(pk.column)}"
        if isinstance(pk, models.IntegerField | models.BigAutoField | models.AutoField)
        else "NULL",
        "object_repr": rows.object_repr,
        "action": f"CASE WHEN {rows.is_create} THEN %s ELSE %s END",
        "changes": changes_sql(
            rows.model, rows.new, rows.old or rows.new, is_create=rows.is_create
        ),
        "additional_data": f"jsonb_build_object('object_agency_id', {rows.object_agency}) "
        "|| %s::jsonb",
        "object_agency_id": rows.object_agency,
    }
    fields = {f.attname: f for f in entry_model._meta.concrete_fields}
    shared = [name for name in fixed if name not in computed]
    columns = ", ".join(q(fields[name].column) for name in [*shared, *computed])
    select = ", ".join(["%s"] * len(shared) + list(computed.values()))
    params = [fields[name].get_db_prep_save(fixed[name], connection) for name in shared]
    action = entry_model.Action
    params += [ContentType.objects.get_for_model(rows.model).pk, action.CREATE, action.UPDATE]
    params += [json.dumps(shared_data), *rows.params]
    order = f" ORDER BY {rows.order_by}" if rows.order_by else ""
    with connection.cursor() as cursor:
        cursor.execute(FLOAT_TEXT_SETTING)
        cursor.execute(
            f"INSERT INTO {q(entry_model._meta.db_table)} ({columns}) "  # noqa: S608
            f"SELECT {select} FROM {rows.source}{order}",
            params,
        )
        return cursor.rowcount
