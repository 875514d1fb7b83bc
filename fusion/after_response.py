"""Work done once a response has been sent, so that it cannot make one answer slower than
another: the record of a refused read would otherwise tell a hidden incident from a missing
one by its timing alone (the bodies are the same).

Around a request (fusion.middleware) work is collected with `defer()`, each piece with a copy
of the context it was deferred in (correlation id, client address, acting user and agency).
When the response is closed — a WSGI server closes it after sending its body — the work is
handed to one writer thread per process, so that neither the response nor the next request
on the connection waits for it. When the response is closed inside a transaction that is
still open (a caller that wraps the request in its own, as tests do), the work runs there
and then instead: in another thread it could not see what that transaction wrote. Work that
fails is logged as an error with what it was; it is never dropped silently. The writer
finishes its queue when the process exits.

Long work (a task run in-process when no broker is configured: an assessment may compute for
many seconds) is deferred with `long=True` and done by a second thread, so that the records
of later requests never wait behind it. All work runs outside any request: what it defers in
turn is done at once, not collected into a request that has answered.
"""

import atexit
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import Context, ContextVar, copy_context

from django.db import connection, connections
from django.http import HttpResponseBase

logger = logging.getLogger(__name__)

Work = Callable[[], object]
Job = tuple[Context, Work, bool]  # the context it was deferred in, the work, whether long

_collected: ContextVar[list[Job] | None] = ContextVar("fusion_after_response", default=None)


@contextmanager
def collecting() -> Iterator[list[Job]]:
    """Collect the work deferred inside the block (a request); yields the list it fills."""
    jobs: list[Job] = []
    token = _collected.set(jobs)
    try:
        yield jobs
    finally:
        _collected.reset(token)


def defer(work: Work, *, long: bool = False) -> bool:
    """Run `work` once the response is sent, in the context it has now (`long`: on the thread
    for long work). False (nothing is deferred) outside a request: the caller does the work
    itself."""
    jobs = _collected.get()
    if jobs is None:
        return False
    jobs.append((copy_context(), work, long))
    return True


def run_after(response: HttpResponseBase, jobs: list[Job]) -> None:
    """Do `jobs` when `response` is closed, after its body was sent."""
    if jobs:
        # Django's own hook for closing a response (FileResponse closes its file this way).
        response._resource_closers.append(lambda: hand_over(jobs))


def hand_over(jobs: list[Job]) -> None:
    """Give `jobs` to the writer, or do them now inside a caller's open transaction."""
    if connection.in_atomic_block:
        for job in jobs:
            _perform(job)
        return
    for writer, long in ((_writer, False), (_long_writer, True)):
        if mine := [job for job in jobs if job[2] is long]:
            writer.submit(mine)


def drain(timeout: float = 30.0) -> bool:
    """Wait until the work handed over so far has been done; False if it takes longer than
    `timeout` seconds (a test waits on it before it looks, and before its data is removed)."""
    marks = []
    for writer in (_writer, _long_writer):
        done = threading.Event()
        writer.submit([(copy_context(), done.set, False)])
        marks.append(done)
    end = time.monotonic() + timeout
    return all(mark.wait(max(0.0, end - time.monotonic())) for mark in marks)


def _outside_request(work: Work) -> object:
    _collected.set(None)  # in the job's own copy of the context only
    return work()


def _perform(job: Job) -> None:
    context, work, _ = job
    try:
        # What the work defers in turn (a task it queues, a record it writes) is done at once,
        # not collected into a request that has answered already (it would never run).
        context.run(_outside_request, work)
    except Exception:
        logger.exception("Work after a response failed and was not done: %r", work)
        if not connection.in_atomic_block:
            connection.close()  # a broken connection is not reused for the next job


class _Writer:
    """One thread that does handed-over work in order, on its own database connection."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._queue: queue.SimpleQueue[list[Job] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, jobs: list[Job]) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():  # first use, or forked
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
        self._queue.put(jobs)

    def _run(self) -> None:
        while (jobs := self._queue.get()) is not None:
            for job in jobs:
                _perform(job)
            if self._queue.empty():
                connections.close_all()  # this thread's connections: none held while idle

    def stop(self, timeout: float = 30.0) -> None:
        """Finish what is queued (at exit)."""
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout)


_writer = _Writer("fusion-after-response")
_long_writer = _Writer("fusion-after-response-long")
atexit.register(_writer.stop)
atexit.register(_long_writer.stop)
