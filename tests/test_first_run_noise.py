"""A new user's first `make install` and `make test` print no noise: no setuptools banner,
no 'database "fusion" does not exist'."""

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import dj_database_url
import psycopg

ROOT = Path(__file__).resolve().parent.parent


def _recipe(line_pattern: str) -> str:
    """The Makefile line that matches, as the shell runs it."""
    makefile = (ROOT / "Makefile").read_text()
    return next(line.strip() for line in makefile.splitlines() if re.search(line_pattern, line))


def test_installing_the_project_prints_no_setuptools_banner(tmp_path):
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True)  # noqa: S603
    python = str(tmp_path / "venv" / "bin" / "python")
    upgrade = _recipe(r"pip install --quiet --upgrade pip").replace("$(PY)", python)
    subprocess.run(upgrade, shell=True, check=True, capture_output=True)  # noqa: S602
    command = _recipe(r"pip install --quiet -e").replace("$(PY)", python)
    # the project alone: its dependencies are what the suite runs on already
    done = subprocess.run(  # noqa: S602 - the Makefile's own line
        f"{command} --no-deps", shell=True, cwd=ROOT, capture_output=True, text=True, check=True
    )
    said = [
        line for line in (done.stdout + done.stderr).splitlines() if "is ignored" not in line
    ]  # the machine's pip configuration names local indexes that may be absent
    assert not [line for line in said if line.strip()], "\n".join(said)


def test_the_checks_before_the_suite_find_their_database():
    name = f"fusion_first_{uuid.uuid4().hex[:8]}"
    url = dj_database_url.parse(os.environ["DATABASE_URL"])
    server = f"postgres://{url['USER'] or 'postgres'}@{url['HOST']}:{url['PORT'] or 5432}"
    env = {**os.environ, "DATABASE_URL": f"{server}/{name}"}
    try:
        for step in ("bin/ensure-database", "manage.py makemigrations --check --dry-run"):
            done = subprocess.run(  # noqa: S603
                [sys.executable, *step.split()], cwd=ROOT, env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, done.stderr
            assert "does not exist" not in done.stderr
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
