"""Yes/no predicates about what an actor may do with agencies and their members."""

from agencies.choices import CONTENT_ROLES, WRITER_ROLES, Role
from agencies.models import Agency, User
from agencies.selectors import agency_ids_with_role, roles_of


def is_platform_admin(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


def can_manage_agency(user: User, agency: Agency) -> bool:
    """Platform admins and the agency's own admins manage its members and service accounts."""
    return is_platform_admin(user) or roles_of(user).get(agency.pk) == Role.AGENCY_ADMIN


def can_write_for(user: User, agency: Agency) -> bool:
    """Submitters and admins of an agency create and edit its incidents (never of an
    oversight body: see agency_ids_with_role)."""
    return agency.pk in agency_ids_with_role(user, WRITER_ROLES)


def reads_content(user: User) -> bool:
    """Whether the user holds any role that reads incident content (oversight does not)."""
    return bool(agency_ids_with_role(user, CONTENT_ROLES))


def admin_agency_ids(user: User) -> list[int]:
    """Ids of the agencies the user administers."""
    return sorted(agency for agency, role in roles_of(user).items() if role == Role.AGENCY_ADMIN)


def is_oversight(user: User) -> bool:
    return Role.OVERSIGHT in roles_of(user).values()


def can_add_member(actor: User, user: User) -> bool:
    """Platform admins add anyone. An agency admin adds only a user who belongs to no agency
    and is neither a platform admin nor staff: a user of another agency (or a platform admin)
    joins only through the platform admin, so no agency admin reaches into another's users."""
    if is_platform_admin(actor):
        return True
    return not (user.is_superuser or user.is_staff or user.memberships.exists())
