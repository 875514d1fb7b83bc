"""ETag and If-Match for optimistic concurrency on versioned objects."""

from rest_framework.request import Request

from fusion.errors import PreconditionFailed

MAX_VERSION_DIGITS = 19


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(request: Request) -> int | None:
    """The version named by If-Match; None when absent or `*`. Unparseable is stale (412)."""
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return None
    tag = raw.strip().removeprefix("W/").strip('"')
    # ASCII digits only (int() refuses "²"), and no more than a bigint holds (int() refuses
    # over 4,300 digits): any other tag names no version.
    if not (tag.isascii() and tag.isdigit()) or len(tag) > MAX_VERSION_DIGITS:
        raise PreconditionFailed("If-Match does not name a version of this object.")
    return int(tag)
