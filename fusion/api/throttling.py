"""DRF throttles whose clock is looked up at call time (patchable in tests, e.g. freezegun),
and that tell anonymous callers apart by the address the middleware trusts: DRF's own
reading takes X-Forwarded-For as sent, so a caller could pick a new identity per request."""

import time
from typing import Any

from rest_framework import throttling

from fusion.middleware import client_address


class _ClientAddress:
    def get_ident(self, request: Any) -> str:
        return client_address(request) or "unknown"


class UserRateThrottle(_ClientAddress, throttling.UserRateThrottle):
    def timer(self) -> float:  # type: ignore[override]
        return time.time()


class ScopedRateThrottle(_ClientAddress, throttling.ScopedRateThrottle):
    def timer(self) -> float:  # type: ignore[override]
        return time.time()
