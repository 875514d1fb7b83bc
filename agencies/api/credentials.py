"""The credential of an API call (its knox token or browser session), bound for the call so
the agencies it acts for are noted against it; installed as fusion.identity's
`request_credential`, which every API view enters after authentication."""

from contextlib import AbstractContextManager

from knox.models import AuthToken
from rest_framework.request import Request

from agencies.acting import Credential, using_credential
from agencies.services import token_touch


def request_credential(request: Request) -> AbstractContextManager[None]:
    """Bind the call's token or session (nothing when it has neither)."""
    return using_credential(_credential(request))


def _credential(request: Request) -> Credential | None:
    """The token or browser session this call came with (None when neither)."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return None
    if isinstance(request.auth, AuthToken):
        token_touch(token=request.auth, user=user)
        return Credential(user_id=user.pk, token_digest=request.auth.digest)
    session = getattr(request._request, "session", None)
    key = getattr(session, "session_key", None)
    return Credential(user_id=user.pk, session_key=key) if key else None
