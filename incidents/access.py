"""Reading incidents: how much of an incident a reader gets (`Level`), and who may read which,
asked of the sharing kernel (fusion.sharing.visibility) through the answers it installs here
at start. The kernel decides; incidents' field policy (incidents.redaction) says what a level
shows."""

from collections.abc import Iterable
from enum import IntEnum
from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from fusion.hooks import Answers


class Level(IntEnum):
    """How much of an incident a reader gets; higher includes lower."""

    NONE = 0
    VIEW = 1  # the incident without persons
    VIEW_PERSONS = 2  # persons too, never witnesses
    OWNER = 3  # everything: the owning agency


# Who reads which incident is decided by the sharing kernel above this app; it installs its
# answers here at start (FusionConfig.ready), so incidents ask without importing it.
answers = Answers("sharing kernel", "visible_incidents", "access_levels", "live_share_count")
install = answers.install
_answer = answers.get


def visible_incidents(user: Any) -> QuerySet:
    """Every incident the user may see (fusion.sharing.visibility decides)."""
    return _answer("visible_incidents")(user)


def access_levels(user: Any, incidents: Iterable[Any]) -> dict[UUID, Level]:
    """The user's level for each of these visible incidents."""
    return _answer("access_levels")(user, incidents)


def live_share_count(incident: Any) -> int:
    """How many live shares the incident has (for the admin's repair pages)."""
    return _answer("live_share_count")(incident)
