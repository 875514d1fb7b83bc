"""TLP 2.0 rules for sharing: what may be shared, with whom, at which level, and how."""

from agencies.choices import AgencyKind
from agencies.models import Agency, User
from fusion.choices import ShareLevel, ShareOrigin
from fusion.errors import Invalid
from incidents.choices import TLP
from incidents.models import Incident

# Labels a standing agreement may share; AMBER+STRICT and RED need an explicit decision.
AGREEMENT_TLPS = frozenset({TLP.CLEAR, TLP.GREEN, TLP.AMBER})
# Labels whose incidents give deconfliction hints. A hint tells another agency that the owner
# holds a record of an event near a place and time: a disclosure beyond the owner. TLP 2.0
# keeps RED to named recipients and AMBER+STRICT to the owner's organisation, so neither
# takes part in matching, on either side of a pair.
MATCHABLE_TLPS = AGREEMENT_TLPS


def share_violation(
    *, incident: Incident, agency: Agency | None, user: User | None, level: str, origin: str
) -> tuple[str, str] | None:
    """(field, reason) when this share breaks a rule, or None when it is allowed."""
    if incident.tlp == TLP.RED and (agency is not None or user is None):
        return "user", "TLP:RED incidents are shared with named users only."
    if incident.tlp != TLP.RED and (user is not None or agency is None):
        return "agency", "Only TLP:RED incidents are shared with named users; name an agency."
    if origin == ShareOrigin.AGREEMENT and incident.tlp not in AGREEMENT_TLPS:
        return "tlp", f"TLP:{incident.tlp} incidents are not shared by agreement."
    if incident.tlp == TLP.AMBER_STRICT and level != ShareLevel.VIEW:
        return "level", "TLP:AMBER+STRICT incidents are never shared with persons."
    if agency is not None and agency.pk == incident.agency_id:
        return "agency", "An agency does not share with itself."
    if agency is not None and agency.kind == AgencyKind.OVERSIGHT:
        return "agency", "Oversight bodies read no incident content."
    return None


def check_share(
    *, incident: Incident, agency: Agency | None, user: User | None, level: str, origin: str
) -> None:
    """Raise Invalid (400 naming the field, with the reason) when the share breaks a rule."""
    found = share_violation(incident=incident, agency=agency, user=user, level=level, origin=origin)
    if found:
        field, reason = found
        raise Invalid(reason, errors={field: [reason]})
