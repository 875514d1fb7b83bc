"""The one place that decides which incidents a user sees, and at which level.

Every list, detail, GeoJSON page, filter, search, count, export, assessment and match reads
incidents through `visible_incidents` and `access_levels`; nothing else decides visibility.
An incident outside `visible_incidents(user)` answers 404, exactly like a missing id.

Today a user sees the incidents of the agencies where they hold a content role (owner level)
and every TLP:CLEAR incident (view level). Oversight members read no incident content.
"""

from collections.abc import Iterable
from enum import IntEnum
from uuid import UUID

from django.db.models import Q, QuerySet

from agencies.choices import CONTENT_ROLES
from agencies.models import User
from agencies.selectors import agency_ids_with_role
from incidents.choices import TLP
from incidents.models import Incident


class Level(IntEnum):
    """How much of an incident a reader gets; higher includes lower."""

    NONE = 0
    VIEW = 1  # the incident without persons
    VIEW_PERSONS = 2  # persons too, never witnesses
    OWNER = 3  # everything: the owning agency


def reader_agency_ids(user: User) -> list[int]:
    """Agencies whose incidents the user reads as owner."""
    return agency_ids_with_role(user, CONTENT_ROLES)


def visible_incidents(user: User) -> QuerySet[Incident]:
    """Every incident the user may see: own agencies' and TLP:CLEAR ones."""
    own = reader_agency_ids(user)
    if not own:
        return Incident.objects.none()
    return Incident.objects.filter(Q(agency_id__in=own) | Q(tlp=TLP.CLEAR))


def access_levels(user: User, incidents: Iterable[Incident]) -> dict[UUID, Level]:
    """The level for each of `incidents` (all already visible), computed in one pass."""
    own = set(reader_agency_ids(user))
    return {
        incident.pk: Level.OWNER if incident.agency_id in own else Level.VIEW
        for incident in incidents
    }


def access_level(user: User, incident: Incident) -> Level:
    """The user's level for one incident that `visible_incidents` returned."""
    return access_levels(user, [incident])[incident.pk]
