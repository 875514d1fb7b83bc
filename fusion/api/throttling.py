"""DRF throttles whose clock is looked up at call time (patchable in tests, e.g. freezegun),
and that tell anonymous callers apart by the address the middleware trusts: DRF's own
reading takes X-Forwarded-For as sent, so a caller could pick a new identity per request.

The counters are in the cache every API process shares (CACHE_URL, Redis). When it cannot be
reached a throttle lets the request through and logs it, rather than every request of every
process answering 500: the limits are a brake on one caller, and the per-username login
lockout (in the database) holds regardless.
"""

import logging
import time
from typing import Any

from redis.exceptions import RedisError
from rest_framework import throttling

from fusion.middleware import client_address

logger = logging.getLogger(__name__)


class _ClientAddress:
    def get_ident(self, request: Any) -> str:
        return client_address(request) or "unknown"


class _OpenWhenCacheDown:
    def allow_request(self, request: Any, view: Any) -> bool:
        try:
            return super().allow_request(request, view)  # type: ignore[misc]
        except (RedisError, OSError) as exc:
            logger.warning("Throttle not applied, the cache is unreachable: %s", exc)
            return True


class UserRateThrottle(_ClientAddress, _OpenWhenCacheDown, throttling.UserRateThrottle):
    def timer(self) -> float:  # type: ignore[override]
        return time.time()


class ScopedRateThrottle(_ClientAddress, _OpenWhenCacheDown, throttling.ScopedRateThrottle):
    def timer(self) -> float:  # type: ignore[override]
        return time.time()


class LoginAddressThrottle(_ClientAddress, _OpenWhenCacheDown, throttling.SimpleRateThrottle):
    """Login attempts per client address, at the rate of the token route (scope `auth`), for
    login forms outside DRF (the admin's): the per-address limit on top of the per-account
    lockout. Shares the token route's counter, so one address gets one allowance."""

    scope = "auth"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def timer(self) -> float:  # type: ignore[override]
        return time.time()
