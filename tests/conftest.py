"""Shared fixtures: a small world of agencies and users in every role, and API clients."""

from dataclasses import dataclass
from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection
from rest_framework.test import APIClient

from agencies.models import Agency, User
from tests import factories
from tests.worker import redis_broker, running_worker


@dataclass
class World:
    police: Agency
    levies: Agency
    centre: Agency
    watchdog: Agency
    police_admin: User
    police_submitter: User
    police_analyst: User
    levies_admin: User
    levies_submitter: User
    levies_analyst: User
    coordinator: User
    overseer: User
    platform_admin: User
    outsider: User  # authenticated, in no agency


@pytest.fixture
def world(db: None) -> World:
    police = factories.agency("police", "police")
    levies = factories.agency("levies", "levies")
    centre = factories.agency("bfc", "fusion_centre")
    watchdog = factories.agency("watch", "oversight")
    return World(
        police=police,
        levies=levies,
        centre=centre,
        watchdog=watchdog,
        police_admin=factories.member(police, "agency_admin", "police_admin"),
        police_submitter=factories.member(police, "submitter", "police_submitter"),
        police_analyst=factories.member(police, "analyst", "police_analyst"),
        levies_admin=factories.member(levies, "agency_admin", "levies_admin"),
        levies_submitter=factories.member(levies, "submitter", "levies_submitter"),
        levies_analyst=factories.member(levies, "analyst", "levies_analyst"),
        coordinator=factories.member(centre, "coordinator", "coordinator"),
        overseer=factories.member(watchdog, "oversight", "overseer"),
        platform_admin=factories.user("root", superuser=True),
        outsider=factories.user("outsider"),
    )


@pytest.fixture
def client_for():
    """`client_for(user)`: an APIClient authenticated with a real token of that user."""

    def make(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(user)}")
        return client

    return make


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The flush after a transactional test TRUNCATEs every table; the audit tables refuse
    TRUNCATE unless the session allows it (fusion migration 0005), which the test database
    does for every session. Its commits are not waited for on disk (it is thrown away)."""
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            name = connection.ops.quote_name(connection.settings_dict["NAME"])
            cursor.execute(f"ALTER DATABASE {name} SET fusion.audit_truncate_allowed = 'on'")
            cursor.execute("SET fusion.audit_truncate_allowed = 'on'")
            # a throwaway database need not wait for its commits to reach the disk
            cursor.execute(f"ALTER DATABASE {name} SET synchronous_commit = 'off'")
            cursor.execute("SET synchronous_commit = 'off'")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """PBKDF2's deliberate slowness is for attackers, not for fixtures."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _login_defences_off(settings) -> None:
    """Tests log admins in with passwords (the test client's `login` gives axes no request);
    the lockout and second-factor tests turn both defences back on."""
    settings.FUSION_REQUIRE_2FA = False
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def _no_upkeep_in_worker_threads(settings) -> None:
    """Worker threads started by tests (tests/worker.py) run no upkeep loop beside them: it
    would touch the test database on its own schedule. Worker processes (tests/processes.py)
    run theirs, with the interval they are given."""
    settings.FUSION_UPKEEP_INTERVAL = 0


@pytest.fixture(autouse=True)
def _taxonomy(request) -> None:
    """Transactional tests flush tables, data migrations included: re-seed the categories and
    the purpose codes. (Parallel test processes run a file's transactional tests with the file,
    so a flush may come before other tests of the same process.)"""
    if request.node.get_closest_marker("django_db") or "db" in request.fixturenames:
        request.getfixturevalue(
            "db" if "transactional_db" not in request.fixturenames else "transactional_db"
        )
        if not apps.get_model("incidents", "Category").objects.exists():
            import_module("incidents.migrations.0002_seed_categories").seed(apps, None)
        if not apps.get_model("fusion", "PurposeCode").objects.exists():
            import_module("fusion.migrations.0010_purpose_codes").seed(apps, None)


@pytest.fixture
def redis_worker():
    """A real worker thread consuming from Redis; tasks are sent, not run eagerly."""
    with redis_broker(), running_worker():
        yield
