"""Which agency a caller acts for: the one named, or their only agency with a fitting role;
and which credential (token or browser session) the call came with, so that the agencies it
acted for are remembered per credential (agencies.models.CredentialAgency)."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from agencies.models import Agency, CredentialAgency, User
from agencies.selectors import agency_ids_with_role
from fusion import after_response
from fusion.errors import Invalid, NotAllowed


@dataclass
class Credential:
    """The token (knox digest) or session of the current call; `noted`: agencies recorded."""

    user_id: int
    token_digest: str | None = None
    session_key: str = ""
    noted: set[int] = field(default_factory=set)


_credential: ContextVar[Credential | None] = ContextVar("fusion_credential", default=None)


@contextmanager
def using_credential(credential: Credential | None) -> Iterator[None]:
    """Inside the block, acts are noted against `credential` (fusion.api.base binds it)."""
    token = _credential.set(credential)
    try:
        yield
    finally:
        _credential.reset(token)


def note_acting(agency_ids: Iterable[int]) -> None:
    """Record that the current credential acted for these agencies (once per call and agency).

    Called where the acting agency is settled: `acting_agency` below and every audit entry
    (fusion.audit). Outside a call bound to a credential it does nothing.
    """
    credential = _credential.get()
    if credential is None:
        return
    new = set(agency_ids) - credential.noted
    if not new:
        return
    credential.noted |= new
    known = CredentialAgency.objects.filter(
        user_id=credential.user_id,
        token_id=credential.token_digest,
        session_key=credential.session_key if credential.token_digest is None else "",
        agency_id__in=new,
    ).values_list("agency_id", flat=True)
    rows = [
        CredentialAgency(
            user_id=credential.user_id,
            agency_id=agency_id,
            token_id=credential.token_digest,
            session_key=credential.session_key if credential.token_digest is None else "",
        )
        for agency_id in sorted(new - set(known))
    ]
    if not rows:
        return

    def write() -> None:
        CredentialAgency.objects.bulk_create(rows, ignore_conflicts=True)

    # Written once the response is sent, outside the call's transaction: inside it, two calls
    # of one new token would queue on the same row until the first committed. A call that
    # failed still counts as having acted (its token then ends with the membership: safer).
    if not after_response.defer(write):
        write()


def acting_agency(user: User, code: str | None, roles: Iterable[str], doing: str) -> Agency:
    """The agency for `doing` (e.g. "submit incidents"). Raises NotAllowed when the user has no
    fitting role there; Invalid naming `agency` when several fit and none is named."""
    agency = _fitting_agency(user, code, roles, doing)
    note_acting([agency.pk])
    return agency


def _fitting_agency(user: User, code: str | None, roles: Iterable[str], doing: str) -> Agency:
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
