"""Choice sets of incidents and persons (TLP 2.0, contexts, roles, sources, statuses)."""

from collections.abc import Iterable

from django.db import models


class TLP(models.TextChoices):
    CLEAR = "CLEAR", "TLP:CLEAR"
    GREEN = "GREEN", "TLP:GREEN"
    AMBER = "AMBER", "TLP:AMBER"
    AMBER_STRICT = "AMBER+STRICT", "TLP:AMBER+STRICT"
    RED = "RED", "TLP:RED"


# From least to most restrictive.
TLP_ORDER = (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED)


def strictest(labels: Iterable[str]) -> TLP:
    """The most restrictive of `labels` (CLEAR when there are none): what anything derived
    from them carries."""
    return max((TLP(label) for label in labels), key=TLP_ORDER.index, default=TLP.CLEAR)


class Context(models.TextChoices):
    """Protected contexts: stricter rules for persons (see DESIGN.md)."""

    PROTEST = "protest", "Protest"
    RELIGIOUS_GATHERING = "religious_gathering", "Religious gathering"
    CAMPUS = "campus", "Campus"


class Status(models.TextChoices):
    OPEN = "open", "Open"
    VERIFIED = "verified", "Verified"
    CLOSED = "closed", "Closed"
    RETRACTED = "retracted", "Retracted"


class PersonRole(models.TextChoices):
    VICTIM = "victim", "Victim"
    WITNESS = "witness", "Witness"
    SUSPECT = "suspect", "Suspect"
    OTHER = "other", "Other"


class PersonSource(models.TextChoices):
    REPORT = "report", "Report"
    STATEMENT = "statement", "Statement"
    INVESTIGATION = "investigation", "Investigation"
    FACIAL_RECOGNITION = "facial_recognition", "Facial recognition"
    OTHER = "other", "Other"


class LocationPrecision(models.TextChoices):
    """How closely an incident's point places the event: the point itself, or the centre of
    the town, district or province the report names (a geocoder's fallback). Coarser points
    let links (analytics.methods.links) allow a wider distance between two reports."""

    EXACT = "exact", "Exact"
    TOWN = "town", "Town centre"
    DISTRICT = "district", "District"
    PROVINCE = "province", "Province"


# Finest first: the codes of analytics arrays (analytics.snapshot.Inputs.precision) index it.
PRECISIONS: tuple[str, ...] = tuple(str(p) for p in LocationPrecision.values)
