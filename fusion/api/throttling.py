"""DRF throttles whose clock is looked up at call time (patchable in tests, e.g. freezegun)."""

import time

from rest_framework import throttling


class UserRateThrottle(throttling.UserRateThrottle):
    def timer(self) -> float:  # type: ignore[override]
        return time.time()


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    def timer(self) -> float:  # type: ignore[override]
        return time.time()
