"""DRF throttles whose clock is looked up at call time (patchable in tests, e.g. freezegun),
and that tell anonymous callers apart by the address the middleware trusts: DRF's own
reading takes X-Forwarded-For as sent, so a caller could pick a new identity per request.

The counters are in the cache every API process shares (CACHE_URL, Redis). DRF reads a
caller's history and writes it back: two processes doing so at once each write their own
version and one request is forgotten, so a caller with many requests in flight got past the
limit. Each check therefore holds a short lock of its caller (an atomic cache add); one that
cannot get it within LOCK_WAIT is refused as over the limit. When the cache cannot be
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

LOCK_WAIT = 0.5  # seconds a check waits for its caller's lock
LOCK_POLL = 0.002  # seconds between tries
LOCK_EXPIRY = 2  # seconds after which a lock left by a dead process lapses


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


class _OneCheckPerCaller:
    """Serialises the checks of one caller (a user, or an address) across threads and
    processes, so that no two read and write its history at once."""

    _busy = False

    def allow_request(self, request: Any, view: Any) -> bool:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            caller = f"user_{user.pk}"
        else:
            caller = f"address_{self.get_ident(request)}"  # type: ignore[attr-defined]
        lock, cache = f"throttle_lock_{caller}", self.cache  # type: ignore[attr-defined]
        tries = int(LOCK_WAIT / LOCK_POLL)  # counted, not timed: tests freeze the clocks
        while not cache.add(lock, 1, LOCK_EXPIRY):
            tries -= 1
            if tries < 0:
                self._busy = True
                return False
            time.sleep(LOCK_POLL)
        try:
            return super().allow_request(request, view)  # type: ignore[misc]
        finally:
            cache.delete(lock)

    def wait(self) -> float | None:
        if self._busy:
            return LOCK_EXPIRY
        return super().wait()  # type: ignore[misc]


class UserRateThrottle(
    _ClientAddress, _OpenWhenCacheDown, _OneCheckPerCaller, throttling.UserRateThrottle
):
    def timer(self) -> float:  # type: ignore[override]
        return time.time()


class ScopedRateThrottle(
    _ClientAddress, _OpenWhenCacheDown, _OneCheckPerCaller, throttling.ScopedRateThrottle
):
    def timer(self) -> float:  # type: ignore[override]
        return time.time()


class LoginAddressThrottle(
    _ClientAddress, _OpenWhenCacheDown, _OneCheckPerCaller, throttling.SimpleRateThrottle
):
    """Login attempts per client address, at the rate of the token route (scope `auth`), for
    login forms outside DRF (the admin's): the per-address limit on top of the per-account
    lockout. Shares the token route's counter, so one address gets one allowance."""

    scope = "auth"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def timer(self) -> float:  # type: ignore[override]
        return time.time()
