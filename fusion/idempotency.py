"""Idempotency-Key on POST: a retry with the same key and body replays the first answer.

The record is written in the same transaction as the effects of the request, so either both
exist or neither does. Two concurrent requests with one key: the second to commit hits the
unique constraint, its effects roll back, and it answers 409 (retry to get the replay).
"""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from fusion.errors import Conflict
from fusion.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEPT_HEADERS = ("ETag", "Location")


@dataclass(frozen=True)
class Replay:
    status_code: int
    body: Any
    headers: dict[str, str]


def request_hash(method: str, path: str, body: bytes) -> str:
    """What makes two requests the same: method, path with its query string (`?dry_run=true`
    asks for something else than the write), and body."""
    return hashlib.sha256(b"\0".join([method.encode(), path.encode(), body])).hexdigest()


def lookup(*, user: Any, key: str, fingerprint: str) -> Replay | None:
    """The stored answer for this key, or None. Raises Conflict if the key was used otherwise."""
    cutoff = timezone.now() - settings.FUSION_IDEMPOTENCY_TTL
    record = IdempotencyRecord.objects.filter(user=user, key=key, created_at__gte=cutoff).first()
    if record is None:
        return None
    if record.request_hash != fingerprint:
        raise Conflict(
            "This Idempotency-Key was used with a different request.",
            errors={HEADER: ["Reused with a different request."]},
        )
    return Replay(record.status_code, record.response_body, dict(record.response_headers))


def remember(
    *, user: Any, key: str, fingerprint: str, method: str, path: str, response: Any
) -> None:
    """Store a successful answer; raises Conflict when a concurrent request stored one first."""
    body = json.loads(JSONRenderer().render(response.data)) if response.data is not None else None
    headers = {h: response[h] for h in _KEPT_HEADERS if response.has_header(h)}
    IdempotencyRecord.objects.filter(
        user=user, key=key, created_at__lt=timezone.now() - settings.FUSION_IDEMPOTENCY_TTL
    ).delete()
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                user=user,
                key=key,
                method=method,
                path=path,
                request_hash=fingerprint,
                status_code=response.status_code,
                response_body=body,
                response_headers=headers,
            )
    except IntegrityError as exc:
        raise Conflict("A request with this Idempotency-Key is in progress; retry.") from exc
