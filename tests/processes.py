"""Real processes for fault tests and benchmarks: a Redis server of their own (to stop and
start without touching the shared one), Celery workers and API servers (gunicorn, as
production runs them), each a child process on the test database, so they can be killed as an
operator's machine would kill them, and measured as a caller would measure them."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

from tests.worker import own_redis_url

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate: Callable[[], bool], timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def database_url() -> str:
    """The database the tests run on (the test database while a test runs)."""
    s = connection.settings_dict
    host, port = s["HOST"] or "127.0.0.1", s["PORT"] or 5432
    user = s["USER"] or "postgres"
    return f"postgres://{user}@{host}:{port}/{s['NAME']}"


class RedisServer:
    """A redis-server on a free port that keeps nothing on disk."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="fusion-redis-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(self.port)]
        args += ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", self.dir]
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            args,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not wait_until(self.answers, 10):
            raise RuntimeError("redis-server did not start")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def remove(self) -> None:
        """Stop it for good and remove its folder."""
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def service_env(broker_url: str, **extra: str) -> dict[str, str]:
    """The environment of a child process: this test's database and the given broker."""
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": broker_url}
    env.update({k: str(v) for k, v in extra.items()})
    return env


class Worker:
    """`celery worker` with a prefork pool of one process, logging to a file."""

    def __init__(self, env: dict[str, str], name: str = "fault") -> None:
        self.env = env
        self.name = f"{name}-{free_port()}@localhost"
        self.log = Path(tempfile.mkstemp(prefix="fusion-worker-", suffix=".log")[1])
        self.process: subprocess.Popen | None = None

    def start(self, wait: bool = True) -> None:
        """Start the worker; wait until it has reached the broker unless `wait` is False."""
        self.log.write_text("")
        args = [sys.executable, "-m", "celery", "-A", "config", "worker", "-n", self.name]
        args += ["--pool", "prefork", "--concurrency", "1", "--without-gossip", "--without-mingle"]
        args += ["--loglevel", "INFO", "--logfile", str(self.log)]
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            args,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        if wait and not wait_until(self.ready, 60, 0.2):
            self._end()
            raise RuntimeError(f"the worker did not start:\n{self.log.read_text()[-3000:]}")

    def ready(self) -> bool:
        return "ready." in self.log.read_text()

    def pool_children(self) -> list[int]:
        pid = self.process.pid
        try:
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except FileNotFoundError:
            return []

    def kill_pool_process(self) -> int:
        """SIGKILL the pool process (as the kernel's out-of-memory killer would)."""
        (child,) = self.pool_children()
        os.kill(child, signal.SIGKILL)
        return child

    def kill(self) -> None:
        """SIGKILL the whole worker, pool included (a machine lost)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """Stop it (SIGTERM, then SIGKILL) and remove its log."""
        self._end()
        self.log.unlink(missing_ok=True)

    def _end(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


# The API servers' cache (throttle counters): a Redis database of each test process's own.
API_CACHE_URL = own_redis_url("api_cache")
KEPT_ENV = ("PATH", "HOME", "LANG", "DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: object


@dataclass
class Server:
    """A gunicorn API server: its address, its process (the leader of its own process group)
    and its log."""

    url: str
    process: subprocess.Popen
    log: Path

    @property
    def address(self) -> str:
        return self.url.removeprefix("http://")

    def request(
        self, method: str, path: str, body: object = None, headers: dict | None = None
    ) -> Answer:
        data = None if body is None else json.dumps(body).encode()
        sent = {"Content-Type": "application/json", **(headers or {})}
        request = urllib.request.Request(self.url + path, data, sent, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return Answer(response.status, dict(response.headers), json.load(response))
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), json.loads(error.read() or b"null"))


def api_environment(port: int, **extra: str) -> dict[str, str]:
    """A server's environment: the test database, this process's cache database, one worker
    on `port`, no access log; `extra` on top."""
    env = {name: os.environ[name] for name in KEPT_ENV if name in os.environ}
    return (
        env
        | {
            "DATABASE_URL": database_url(),
            "DJANGO_DEBUG": "0",
            "CACHE_URL": API_CACHE_URL,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "1",
            "GUNICORN_ACCESS_LOG": "",
            "GUNICORN_GRACEFUL_TIMEOUT": "5",  # a test's server never waits long on a request
        }
        | extra
    )


def _wait_until_up(server: Server, deadline: float) -> None:
    while time.monotonic() < deadline and server.process.poll() is None:
        try:
            if server.request("GET", "/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{server.url} did not start:\n{server.log.read_text()[-3000:]}")


def _stop(server: Server) -> None:
    """SIGTERM to the server's process group (its worker too, even if the master is gone),
    then SIGKILL to what is left when that does not end it."""
    for sent in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(server.process.pid, sent)
        except ProcessLookupError:
            break
        try:
            server.process.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            continue
    server.process.wait(timeout=10)


@contextmanager
def api_servers(names: tuple[str, ...], logs: Path, **env: str) -> Iterator[list[Server]]:
    """Gunicorn servers of one worker each on free ports, logging to `logs`/server-NAME.log,
    up (healthz answers) on entry and stopped on exit (SIGTERM to the group, as on a deploy;
    SIGKILL when that does not end it), whether or not a test killed them first."""
    started = []
    try:
        for name in names:
            port = free_port()
            log = logs / f"server-{name}.log"
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py"],
                cwd=ROOT,
                env=api_environment(port, **env),
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
                start_new_session=True,  # one process group: a signal reaches master and worker
            )
            started.append(Server(f"http://127.0.0.1:{port}", process, log))
        deadline = time.monotonic() + 60
        for server in started:
            _wait_until_up(server, deadline)
        yield started
    finally:
        for server in started:
            _stop(server)
