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
