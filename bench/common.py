"""Shared set-up of benchmarks: a throwaway PostgreSQL database and Django configured for it."""

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "bench-secret-key-not-for-production",
    "FIELD_ENCRYPTION_KEYS": "b1:YmVuY2gtZmllbGQta2V5LTMyLWJ5dGVzLWxvbmchISE=",
    "BLIND_INDEX_KEY": "YmVuY2gtYmxpbmQtaW5kZXgta2V5LTMyLWJ5dGVzLWxvbmc=",
    "FUSION_THROTTLE_USER": "1000000/min",
}


def setup_database(name: str) -> None:
    """Create (or recreate) database `name` on the local server and point Django at it."""
    server = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", f"{server}/postgres", "-qc", sql], check=True)  # noqa: S603, S607
    os.environ.update(BENCH_ENV, DATABASE_URL=f"{server}/{name}")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def median_ms(run: Callable[[], object], *, repeat: int = 30, warmup: int = 3) -> float:
    """Median wall time of `run` in milliseconds after a few warm-up calls."""
    for _ in range(warmup):
        run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)
