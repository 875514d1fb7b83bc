"""How much of an incident a reader gets. The sharing kernel (fusion.sharing.visibility)
decides each reader's level; incidents' field policy (incidents.redaction) says what a level
shows."""

from enum import IntEnum


class Level(IntEnum):
    """How much of an incident a reader gets; higher includes lower."""

    NONE = 0
    VIEW = 1  # the incident without persons
    VIEW_PERSONS = 2  # persons too, never witnesses
    OWNER = 3  # everything: the owning agency
