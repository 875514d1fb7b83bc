"""Admin sessions end after 30 idle minutes and, however busy, a fixed time after login."""

from datetime import timedelta

import pytest
from django.test import Client
from freezegun import freeze_time

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _lockout_on(settings):
    settings.AXES_ENABLED = True


def test_session_lives_while_used_and_ends_when_idle(world):
    # given
    client = Client()
    with freeze_time("2026-03-01 10:00:00") as clock:
        client.force_login(world.platform_admin)
        # when: used every 29 minutes, then left alone for 31
        seen = []
        for _ in range(3):
            clock.tick(timedelta(minutes=29))
            seen.append(client.get("/admin/").status_code)
        clock.tick(timedelta(minutes=31))
        idle = client.get("/admin/")
    # then
    assert seen == [200, 200, 200]
    assert idle.status_code == 302
    assert idle["Location"].startswith("/admin/login/")


def test_session_ends_after_its_absolute_lifetime_however_busy(world, settings):
    # given
    settings.FUSION_SESSION_MAX_AGE = timedelta(hours=1)
    client = Client()
    with freeze_time("2026-03-01 10:00:00") as clock:
        client.force_login(world.platform_admin)
        seen = []
        # when: used every 20 minutes, past the hour
        for _ in range(4):
            clock.tick(timedelta(minutes=20))
            seen.append(client.get("/admin/").status_code)
    # then
    assert seen == [200, 200, 200, 302]
    assert "_auth_user_id" not in client.session


def test_session_lifetime_default_is_twelve_hours_idle_thirty_minutes(settings):
    # then: the documented defaults (README, .env.example)
    assert timedelta(hours=12) == settings.FUSION_SESSION_MAX_AGE
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
