"""Which agency a caller acts for: the one named, or their only agency with a fitting role."""

from collections.abc import Iterable

from agencies.models import Agency, User
from agencies.selectors import agency_ids_with_role
from fusion.errors import Invalid, NotAllowed


def acting_agency(user: User, code: str | None, roles: Iterable[str], doing: str) -> Agency:
    """The agency for `doing` (e.g. "submit incidents"). Raises NotAllowed when the user has no
    fitting role there; Invalid naming `agency` when several fit and none is named."""
    fitting = Agency.objects.filter(pk__in=agency_ids_with_role(user, roles))
    if code:
        agency = fitting.filter(code=code).first()
        if agency is None:
            raise NotAllowed(f"You may not {doing} for agency {code!r}.")
        return agency
    choices = list(fitting[:2])
    if not choices:
        raise NotAllowed(f"Your roles do not allow you to {doing}.")
    if len(choices) > 1:
        raise Invalid(errors={"agency": ["You belong to several agencies: name one."]})
    return choices[0]
