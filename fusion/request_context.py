"""Per-request facts that audit entries need: correlation id, source address, acting agency."""

from contextvars import ContextVar

_correlation_id: ContextVar[str | None] = ContextVar("fusion_correlation_id", default=None)
_remote_addr: ContextVar[str | None] = ContextVar("fusion_remote_addr", default=None)


def correlation_id() -> str | None:
    """The server-generated id of the request being served (None outside a request)."""
    return _correlation_id.get()


def remote_addr() -> str | None:
    """The client address of the request being served, as decided by the middleware."""
    return _remote_addr.get()


def bind(*, cid: str | None, addr: str | None) -> tuple:
    """Set both values; returns tokens for `unbind`."""
    return _correlation_id.set(cid), _remote_addr.set(addr)


def unbind(tokens: tuple) -> None:
    """Restore the values that were set before `bind`."""
    cid_token, addr_token = tokens
    _correlation_id.reset(cid_token)
    _remote_addr.reset(addr_token)
