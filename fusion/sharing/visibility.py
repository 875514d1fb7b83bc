"""The one place that decides which incidents a user sees, and at which level.

Every list, detail, GeoJSON page, filter, search, count, export, assessment and match reads
incidents through `visible_incidents` and `access_levels`; nothing else decides visibility.
An incident outside `visible_incidents(user)` answers 404, exactly like a missing id. What is
derived from incidents asks through `all_visible` (analytics.visibility: assessments and
reports; fusion.oversight.audit_reads: the audit trail), so this module knows no model above it.

A user sees, through the agencies where they hold a content role (oversight reads none):
- the incidents those agencies own (owner level, witnesses included);
- every TLP:CLEAR incident (view level);
- incidents shared with those agencies' groups, or with the user by name (TLP:RED), through
  guardian's direct foreign-key rows that have not lapsed (view or view_persons level); a
  group row never opens a TLP:RED incident, whatever left it there.
The filter is one EXISTS per permission table on its (holder, permission, object) index.

An agency as a whole (what every content member of it sees, as a recipient of a sharing
agreement does) is asked through `agency_sees` and `agency_keeps_without`.

A deconfliction hint is seen by the agencies whose incidents it names, each its own side.
"""

from collections.abc import Iterable
from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet

from agencies.choices import CONTENT_ROLES
from agencies.models import Agency, User
from agencies.selectors import agency_ids_with_role
from fusion.models import Match
from fusion.plan_shapes import ProbeExists
from fusion.sharing.match_hints import hints_for
from fusion.sharing.permission_store import (
    VIEW,
    VIEW_PERSONS,
    live_grants,
    permission_id,
    unexpired,
)
from incidents.access import Level
from incidents.choices import TLP
from incidents.models import Incident, IncidentGroupObjectPermission, IncidentUserObjectPermission


def reader_agency_ids(user: User) -> list[int]:
    """Agencies whose incidents the user reads as owner, and whose shares the user receives."""
    return agency_ids_with_role(user, CONTENT_ROLES)


def _reader_group_ids(user: User) -> list[int]:
    cached = getattr(user, "_fusion_reader_groups", None)
    if cached is None:
        ids = reader_agency_ids(user)
        cached = list(Agency.objects.filter(pk__in=ids).values_list("group_id", flat=True))
        user._fusion_reader_groups = cached
    return cached


def _shared(user: User, codename: str) -> tuple[QuerySet, QuerySet]:
    """The live group and user permission rows granting `codename` to the user."""
    perm = permission_id(codename)
    groups = IncidentGroupObjectPermission.objects.filter(
        unexpired(), group_id__in=_reader_group_ids(user), permission=perm
    )
    users = IncidentUserObjectPermission.objects.filter(unexpired(), user=user, permission=perm)
    return groups, users


def visible_incidents(user: User) -> QuerySet[Incident]:
    """Every incident the user may see: own agencies', TLP:CLEAR, and live shares."""
    own = reader_agency_ids(user)
    if not own:
        return Incident.objects.none()
    groups, users = _shared(user, VIEW)
    this = OuterRef("pk")
    # TLP:RED is never an agency's to see: only named people, whatever a group row says (a row
    # left by a race with a TLP raise would otherwise open a RED incident to a whole agency)
    by_group = ~Q(tlp=TLP.RED) & ProbeExists(groups.filter(content_object=this))
    condition = Q(agency_id__in=own) | Q(tlp=TLP.CLEAR) | by_group
    if _has_named_shares(user):  # TLP:RED shares are rare: skip the probe for most readers
        condition |= ProbeExists(users.filter(content_object=this))
    return Incident.objects.filter(condition)


def _has_named_shares(user: User) -> bool:
    cached = getattr(user, "_fusion_named_shares", None)
    if cached is None:
        cached = IncidentUserObjectPermission.objects.filter(user=user).exists()
        user._fusion_named_shares = cached
    return cached


def _shared_levels(user: User, ids: list[UUID]) -> dict[UUID, Level]:
    levels: dict[UUID, Level] = {}
    for codename, level in ((VIEW, Level.VIEW), (VIEW_PERSONS, Level.VIEW_PERSONS)):
        groups, users = _shared(user, codename)
        for rows in (groups, users):
            for incident_id in rows.filter(content_object_id__in=ids).values_list(
                "content_object_id", flat=True
            ):
                levels[incident_id] = max(levels.get(incident_id, Level.NONE), level)
    return levels


def access_levels(user: User, incidents: Iterable[Incident]) -> dict[UUID, Level]:
    """The level for each of `incidents` (all already visible), in a few queries per page."""
    incidents = list(incidents)
    own = set(reader_agency_ids(user))
    others = [i.pk for i in incidents if i.agency_id not in own]
    shared = _shared_levels(user, others) if others else {}
    levels = {}
    for incident in incidents:
        if incident.agency_id in own:
            levels[incident.pk] = Level.OWNER
            continue
        level = max(shared.get(incident.pk, Level.NONE), Level.VIEW)
        if incident.tlp == TLP.AMBER_STRICT:
            level = min(level, Level.VIEW)  # never persons, whatever a row says
        levels[incident.pk] = level
    return levels


def access_level(user: User, incident: Incident) -> Level:
    """The user's level for one incident that `visible_incidents` returned."""
    return access_levels(user, [incident])[incident.pk]


def all_visible(user: User, rows: QuerySet, field: str = "incident_id") -> Exists:
    """An expression true where every incident `rows` name (by `field`; a queryset correlated
    with OuterRef) is visible to the user: how derived things (assessments, reports) ask the
    kernel, without the kernel knowing their models."""
    hidden = rows.exclude(**{f"{field}__in": visible_incidents(user).order_by().values("pk")})
    return ~Exists(hidden)


def agency_sees(agency: Agency, level: Level = Level.VIEW) -> Q:
    """Condition on incidents: the agency's members see it at `level` or above now (its own,
    TLP:CLEAR at view level, live shares to its group; AMBER+STRICT never with persons).
    Shares to one member by name are that member's, not the agency's."""
    this = OuterRef("pk")
    codename = VIEW_PERSONS if level >= Level.VIEW_PERSONS else VIEW
    rows = IncidentGroupObjectPermission.objects.filter(
        unexpired(), group_id=agency.group_id, permission=permission_id(codename)
    )
    shared = ~Q(tlp=TLP.RED) & ProbeExists(rows.filter(content_object=this))
    if level >= Level.VIEW_PERSONS:
        return Q(agency_id=agency.pk) | (shared & ~Q(tlp=TLP.AMBER_STRICT))
    return Q(agency_id=agency.pk) | Q(tlp=TLP.CLEAR) | shared


def agency_keeps_without(agency: Agency, agreement_id: int) -> Q:
    """Condition on incidents: the agency would still see it (at any level) once the grants
    of this agreement ended: its own, TLP:CLEAR, or another live grant to the agency."""
    others = live_grants().filter(agency=agency, incident=OuterRef("pk"))
    return (
        Q(agency_id=agency.pk)
        | Q(tlp=TLP.CLEAR)
        | ProbeExists(others.exclude(agreement_id=agreement_id))
    )


def visible_hints(user: User) -> QuerySet[Match]:
    """Deconfliction hints given to the agencies whose incidents the user reads (which side of
    a hint each agency is given, and what is withheld, is fusion.sharing.match_hints' rule)."""
    return hints_for(reader_agency_ids(user))
