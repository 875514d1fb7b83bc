"""Agency kinds and member roles."""

from django.db import models


class AgencyKind(models.TextChoices):
    POLICE = "police", "Police"
    LEVIES = "levies", "Levies"
    CTD = "ctd", "Counter-terrorism department"
    CIVIL_DEFENCE = "civil_defence", "Civil defence"
    INTELLIGENCE = "intelligence", "Intelligence"
    FUSION_CENTRE = "fusion_centre", "Fusion centre"
    OVERSIGHT = "oversight", "Oversight body"
    OTHER = "other", "Other"


class Role(models.TextChoices):
    SUBMITTER = "submitter", "Submitter"
    ANALYST = "analyst", "Analyst"
    AGENCY_ADMIN = "agency_admin", "Agency admin"
    COORDINATOR = "coordinator", "Coordinator (fusion centre)"
    OVERSIGHT = "oversight", "Oversight"


# Roles that read incident content of their agency (oversight never does).
CONTENT_ROLES = frozenset({Role.SUBMITTER, Role.ANALYST, Role.AGENCY_ADMIN, Role.COORDINATOR})
# Roles that create and edit their agency's incidents.
WRITER_ROLES = frozenset({Role.SUBMITTER, Role.AGENCY_ADMIN})


class Scope(models.TextChoices):
    """What a service account's token may do; it holds only the scopes granted at creation."""

    INCIDENTS_WRITE = "incidents:write", "Submit incidents (create, upsert, bulk, import)"
    INCIDENTS_READ = "incidents:read", "Read incidents (list, detail, GeoJSON, export, matches)"
    INCIDENTS_DELETE = "incidents:delete", "Delete incidents"
    PERSONS_READ = "persons:read", "Read persons (include=persons, person search)"


# Least privilege: a new service account ingests and reads nothing back.
DEFAULT_SCOPES = (Scope.INCIDENTS_WRITE,)
