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


class LoginAddressThrottle(_ClientAddress, throttling.SimpleRateThrottle):
    """Login attempts per client address, at the rate of the token route (scope `auth`), for
    login forms outside DRF (the admin's): the per-address limit on top of the per-account
    lockout. Shares the token route's counter, so one address gets one allowance."""

    scope = "auth"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def timer(self) -> float:  # type: ignore[override]
        return time.time()
