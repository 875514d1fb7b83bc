"""A plain-text progress bar with rate, for management commands."""

import time
from typing import Any

WIDTH = 30


class ProgressBar:
    """Redraws one line: `label [#####.....] done/total  rate/s`; silent when total is 0.

    `stream` is a management command's stdout (Django's OutputWrapper).
    """

    def __init__(self, total: int, *, stream: Any, label: str = "", every: float = 0.2) -> None:
        self.total, self.stream, self.label, self.every = total, stream, label, every
        self.done = 0
        self.started = time.monotonic()
        self._drawn = 0.0

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if now - self._drawn >= self.every or self.done >= self.total:
            self._draw(now)

    def rate(self) -> float:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        return self.done / elapsed

    def _draw(self, now: float) -> None:
        self._drawn = now
        share = self.done / self.total if self.total else 1.0
        filled = int(WIDTH * min(share, 1.0))
        bar = "#" * filled + "." * (WIDTH - filled)
        line = f"\r{self.label} [{bar}] {self.done}/{self.total}  {self.rate():,.0f}/s"
        self.stream.write(line, ending="")
        self.stream.flush()

    def finish(self) -> None:
        if self.total:
            self._draw(time.monotonic())
            self.stream.write("")
