"""Guardian's direct foreign-key rows, derived from the live share grants of each incident.

A grant starting or ending rebuilds the rows of its incident in the same transaction, so the
permission store never disagrees with the grants. A row carries the latest expiry of the
grants behind it, which lets the visibility filter hide an expired share at once, before the
expiry task has run.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from fusion.choices import ShareLevel
from fusion.models import ShareGrant
from fusion.pg_copy import copy_insert, is_postgresql
from fusion.plan_shapes import in_array
from incidents.models import IncidentGroupObjectPermission, IncidentUserObjectPermission

VIEW = "view_incident"
VIEW_PERSONS = "view_incident_persons"
CHUNK = 1000


_permission_ids: dict[str, int] = {}


def permission_id(codename: str) -> int:
    """The id of an incident permission, looked up once per process (ids only change when
    permissions are recreated, after which post_migrate clears this cache)."""
    if codename not in _permission_ids:
        _permission_ids[codename] = Permission.objects.get(
            content_type__app_label="incidents", codename=codename
        ).pk
    return _permission_ids[codename]


def forget_permission_ids(**kwargs: object) -> None:
    """post_migrate receiver (a test database flush recreates permissions with new ids)."""
    _permission_ids.clear()


def live_grants(now: datetime | None = None) -> QuerySet[ShareGrant]:
    """Grants neither revoked nor past their expiry."""
    now = now or timezone.now()
    return ShareGrant.objects.filter(revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def unexpired(now: datetime | None = None) -> Q:
    """Condition on a permission row: it has not lapsed."""
    return Q(expires_at__isnull=True) | Q(expires_at__gt=now or timezone.now())


def _later(a: datetime | None, b: datetime | None, first: bool) -> datetime | None:
    if first:
        return b
    return None if a is None or b is None else max(a, b)


def _desired(incident_ids: Sequence[UUID]) -> dict[tuple, datetime | None]:
    """(kind, holder id, codename, incident id) → expiry, from the live grants."""
    rows = live_grants().filter(incident_id__in=incident_ids)
    fields = ("incident_id", "agency__group_id", "user_id", "level", "expires_at")
    desired: dict[tuple, datetime | None] = {}
    for incident_id, group_id, user_id, level, expires in rows.values_list(*fields):
        holder = ("group", group_id) if group_id else ("user", user_id)
        codenames = [VIEW, VIEW_PERSONS] if level == ShareLevel.VIEW_PERSONS else [VIEW]
        for codename in codenames:
            key = (*holder, codename, incident_id)
            desired[key] = _later(desired.get(key), expires, key not in desired)
    return desired


def rebuild(incident_ids: Iterable[UUID]) -> None:
    """Make the guardian rows of these incidents equal to what their live grants imply."""
    ids = list(dict.fromkeys(incident_ids))
    if is_postgresql():
        if ids:
            _rebuild_postgresql(ids)
        return
    perms = {codename: permission_id(codename) for codename in (VIEW, VIEW_PERSONS)}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        IncidentGroupObjectPermission.objects.filter(content_object_id__in=chunk).delete()
        IncidentUserObjectPermission.objects.filter(content_object_id__in=chunk).delete()
        groups, users = [], []
        for (kind, holder, codename, incident_id), expires in _desired(chunk).items():
            common = {
                "permission_id": perms[codename],
                "content_object_id": incident_id,
                "expires_at": expires,
            }
            if kind == "group":
                groups.append(IncidentGroupObjectPermission(group_id=holder, **common))
            else:
                users.append(IncidentUserObjectPermission(user_id=holder, **common))
        copy_insert(IncidentGroupObjectPermission, groups)
        copy_insert(IncidentUserObjectPermission, users)


def _rebuild_postgresql(ids: list[UUID]) -> None:
    """`rebuild` in four statements whatever the number of incidents: the live grants of
    these incidents (`live_grants`), one row per holder, permission and incident, with the
    latest expiry of its grants (none when any grant has none), as in `_desired`."""
    q = connection.ops.quote_name
    live = live_grants().filter(in_array(ShareGrant, "incident", ids))
    levels = "(VALUES (%s, NULL), (%s, %s)) AS p(id, level)"
    level_params = [permission_id(VIEW), permission_id(VIEW_PERSONS), ShareLevel.VIEW_PERSONS]
    with connection.cursor() as cursor:
        for model, column, holder in (
            (IncidentGroupObjectPermission, "group_id", "agency__group_id"),
            (IncidentUserObjectPermission, "user_id", "user_id"),
        ):
            model.objects.filter(in_array(model, "content_object", ids)).delete()
            grants = live.filter(**{f"{holder}__isnull": False}).order_by()
            sql, params = grants.values_list(
                "incident_id", holder, "level", "expires_at"
            ).query.sql_with_params()
            columns = f"permission_id, content_object_id, {column}, expires_at"
            target = f"{q(model._meta.db_table)} ({columns})"
            cursor.execute(
                f"INSERT INTO {target} "  # noqa: S608
                "SELECT p.id, g.incident_id, g.holder, CASE WHEN bool_or(g.expires_at IS NULL) "
                f"THEN NULL ELSE max(g.expires_at) END FROM ({sql}) AS g(incident_id, holder, "
                f"level, expires_at) JOIN {levels} ON p.level IS NULL OR p.level = g.level "
                "GROUP BY 1, 2, 3",
                [*params, *level_params],
            )
