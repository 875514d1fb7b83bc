"""Audit plumbing: which models are audited, who acted, and explicit access/event entries.

django-auditlog writes an entry for every save and delete of a registered model. This module
adds what it lacks for us: the actor and acting agency of token-authenticated API calls and of
commands, full redaction of personal fields (auditlog's default mask keeps half a value),
access entries with a stated purpose, and audit entries for bulk writes it cannot see.
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from auditlog.diff import model_instance_diff
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import pre_save
from django.utils import timezone

from fusion import request_context

T = TypeVar("T")
REDACTED = "[redacted]"
PERSON_PERSONAL_FIELDS = ["full_name", "national_id", "phone", "notes"]


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
    """Register every domain model with auditlog (called once from FusionConfig.ready)."""
    from agencies.models import Agency, Membership, ServiceAccount, User
    from incidents.models import Category, Incident, Person

    auditlog.register(User, exclude_fields=["password", "last_login"])
    auditlog.register(Agency)
    auditlog.register(Membership)
    auditlog.register(ServiceAccount)
    auditlog.register(Category)
    auditlog.register(Incident, exclude_fields=["updated_at"])
    auditlog.register(
        Person,
        mask_fields=PERSON_PERSONAL_FIELDS,
        mask_callable="fusion.audit.redact",
        exclude_fields=["national_id_index"],
    )
    from fusion.models import AccessRequest, ShareGrant, SharingAgreement

    # Matches and guardian rows are derived data, rebuilt from audited records.
    for model in (ShareGrant, SharingAgreement, AccessRequest):
        auditlog.register(model)
    pre_save.connect(_fill_entry, sender=_entry_model(), dispatch_uid="fusion_audit_fill")


def _entry_model() -> type[models.Model]:
    from fusion.models import AuditEntry

    return AuditEntry


@contextmanager
def acting(actor: Any = None, *, agency_id: int | None = None, component: str = "api") -> Iterator:
    """Attribute the audit entries written inside the block to `actor` (and its agency)."""
    token = _context.set(AuditContext(actor, agency_id, component))
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
    token = _context.set(AuditContext(actor, agency_id, current.component))
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
    from agencies.selectors import roles_of

    roles = roles_of(actor) if actor is not None else {}
    return next(iter(roles)) if len(roles) == 1 else None


def _fill(entry: Any) -> None:
    ctx = _context.get() or AuditContext(component="system")
    if entry.actor_id is None and getattr(ctx.actor, "pk", None):
        entry.actor = ctx.actor
    if entry.acting_agency_id is None:
        entry.acting_agency_id = ctx.acting_agency_id or _sole_agency_id(entry.actor)
    if entry.object_agency_id is None and entry.additional_data:
        entry.object_agency_id = entry.additional_data.get("object_agency_id")
    if entry.remote_addr is None:
        entry.remote_addr = request_context.remote_addr()
    if entry.cid is None:
        entry.cid = request_context.correlation_id()
    data = dict(entry.additional_data or {})
    data.setdefault("component", ctx.component)
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
    target = model or type(obj)
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


def log_bulk(
    changes: Iterable[tuple[models.Model | None, models.Model | None]],
    *,
    event: str = "bulk",
    object_agency_id: int | None = None,
) -> int:
    """One audit entry per (old, new) pair written in bulk, which auditlog never sees:
    (None, new) is a create, (old, new) an update, (old, None) a delete. Personal fields are
    masked exactly as for single saves (the diff honours the model's registration)."""
    entry_model = _entry_model()
    now = timezone.now()
    entries = []
    for old, new in changes:
        instance = new if new is not None else old
        action = (
            entry_model.Action.CREATE
            if old is None
            else entry_model.Action.DELETE
            if new is None
            else entry_model.Action.UPDATE
        )
        diff = model_instance_diff(old, new, use_json_for_changes=False) or {}
        entry = entry_model(
            content_type=ContentType.objects.get_for_model(type(instance)),
            object_pk=str(instance.pk),
            object_repr=str(instance),
            action=action,
            changes={k: list(v) for k, v in diff.items()},
            event=event,
            timestamp=now,
            additional_data={"object_agency_id": object_agency_id}
            if object_agency_id is not None
            else _additional_data(instance),
        )
        _fill(entry)
        entries.append(entry)
    entry_model.objects.bulk_create(entries, batch_size=1000)
    return len(entries)


def log_created_bulk(
    instances: Iterable[models.Model],
    *,
    event: str = "bulk_create",
    object_agency_id: int | None = None,
) -> int:
    """One CREATE entry per instance written with bulk_create (which auditlog never sees)."""
    pairs = ((None, instance) for instance in instances)
    return log_bulk(pairs, event=event, object_agency_id=object_agency_id)
