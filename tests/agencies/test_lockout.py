"""Login lockout: five failed logins of a username lock it on every path (the API token, the
admin) for a while, whatever password comes next; failures and lockouts are audited and
reach the agency admins; the per-address throttle still applies."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from freezegun import freeze_time
from knox.models import AuthToken

from fusion.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db
TOKEN = "/api/v1/auth/token/"
WRONG = "not-the-password"


@pytest.fixture(autouse=True)
def _fresh_throttles(settings):
    """Lockout on; the per-address throttle counts in the cache: start and leave it empty."""
    settings.AXES_ENABLED = True
    cache.clear()
    yield
    cache.clear()


def _token(api, username: str, password: str):
    return api.post(TOKEN, {"username": username, "password": password}, format="json")


def _fail(api, username: str, times: int = 5) -> None:
    for _ in range(times):
        assert _token(api, username, WRONG).status_code in (401, 429)


def _admin_login(client: Client, username: str, password: str):
    client.get("/admin/login/")
    return client.post(
        "/admin/login/?next=/admin/",
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )


def test_token_is_refused_after_five_failures_even_with_the_right_password(world, client_for):
    # given
    api = client_for(None)
    _fail(api, "police_analyst")
    # when
    response = _token(api, "police_analyst", factories.PASSWORD)
    # then
    assert response.status_code == 429
    assert set(response.json()) == {"detail"}
    assert int(response["Retry-After"]) == 15 * 60
    assert not AuthToken.objects.filter(user=world.police_analyst).exists()


def test_the_fifth_failure_already_answers_locked(world, client_for):
    # given
    api = client_for(None)
    _fail(api, "police_analyst", times=4)
    # when
    fifth = _token(api, "police_analyst", WRONG)
    # then
    assert fifth.status_code == 429


def test_locked_account_answers_alike_for_right_and_wrong_passwords(world, client_for):
    # given
    api = client_for(None)
    _fail(api, "police_analyst")
    # when
    right = _token(api, "police_analyst", factories.PASSWORD)
    wrong = _token(api, "police_analyst", WRONG)
    # then
    assert (right.status_code, right.content) == (wrong.status_code, wrong.content)
    assert right["Retry-After"] == wrong["Retry-After"]


def test_unknown_username_is_not_told_apart(world, client_for):
    # given
    api = client_for(None)
    # when: a wrong password for a real user and for a username nobody has
    real, unknown = _token(api, "police_analyst", WRONG), _token(api, "nobody", WRONG)
    _fail(api, "police_analyst", times=4)
    _fail(api, "nobody", times=4)
    real_locked = _token(api, "police_analyst", factories.PASSWORD)
    unknown_locked = _token(api, "nobody", factories.PASSWORD)
    # then
    assert (
        (real.status_code, real.content)
        == (unknown.status_code, unknown.content)
        == (
            401,
            b'{"detail":"Invalid credentials."}',
        )
    )
    assert (real_locked.status_code, real_locked.content) == (
        unknown_locked.status_code,
        unknown_locked.content,
    )
    assert real_locked.status_code == 429


def test_lockout_lifts_after_its_window(world, client_for, settings):
    # given
    settings.AXES_COOLOFF_TIME = timedelta(minutes=10)
    api = client_for(None)
    with freeze_time("2026-03-01 10:00:00") as clock:
        _fail(api, "police_analyst")
        clock.tick(timedelta(minutes=9))
        during = _token(api, "police_analyst", factories.PASSWORD)
        # when
        clock.tick(timedelta(minutes=2))
        after = _token(api, "police_analyst", factories.PASSWORD)
    # then
    assert during.status_code == 429
    assert after.status_code == 200
    assert after.json()["token"]


def test_success_resets_the_count(world, client_for):
    # given
    api = client_for(None)
    _fail(api, "police_analyst", times=4)
    assert _token(api, "police_analyst", factories.PASSWORD).status_code == 200
    # when
    _fail(api, "police_analyst", times=4)
    after_four = _token(api, "police_analyst", factories.PASSWORD)
    _fail(api, "police_analyst", times=5)
    after_five = _token(api, "police_analyst", factories.PASSWORD)
    # then: four more failures after a success do not lock; five do
    assert after_four.status_code == 200
    assert after_five.status_code == 429


def test_failures_and_the_lockout_are_audited_exactly(world, client_for):
    # given
    api = client_for(None)
    # when: five failures, then the right password twice while locked
    _fail(api, "police_analyst")
    _token(api, "police_analyst", factories.PASSWORD)
    _token(api, "police_analyst", factories.PASSWORD)
    # then
    refused = AuditEntry.objects.filter(event="auth.token_refused").order_by("id")
    assert [e.additional_data["reason"] for e in refused] == ["credentials"] * 5 + ["locked"] * 2
    assert {e.object_repr for e in refused} == {"police_analyst"}
    assert {e.outcome for e in refused} == {"failure"}
    locked = AuditEntry.objects.get(event="auth.locked_out")
    assert locked.object_pk == str(world.police_analyst.pk)
    assert locked.object_agency_id == world.police.pk
    assert not AuditEntry.objects.filter(event="auth.token_issued").exists()


def test_lockout_reaches_the_agency_admins_notifications(world, client_for):
    # given
    _fail(client_for(None), "police_analyst")
    # when
    police = client_for(world.police_admin).get("/api/v1/notifications/").json()["results"]
    levies = client_for(world.levies_admin).get("/api/v1/notifications/").json()["results"]
    # then
    locked = [n for n in police if n["kind"] == "account_locked"]
    assert len(locked) == 1
    assert locked[0]["username"] == "police_analyst"
    assert locked[0]["agency"] == "police"
    assert WRONG not in str(locked[0])
    assert not [n for n in levies if n["kind"] == "account_locked"]


def test_admin_login_locks_and_answers_a_clear_page(world):
    # given
    client = Client(enforce_csrf_checks=True)
    for _ in range(5):
        _admin_login(client, "root", WRONG)
    # when
    response = _admin_login(client, "root", factories.PASSWORD)
    # then
    assert response.status_code == 429
    assert b"locked" in response.content
    assert response["Retry-After"] == str(15 * 60)
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
    assert AuditEntry.objects.filter(event="auth.login_refused").count() == 6
    assert AuditEntry.objects.filter(event="auth.locked_out", object_repr="root").count() == 1


def test_locked_admin_login_answers_alike_for_right_and_wrong_passwords(world):
    # given
    client = Client(enforce_csrf_checks=True)
    for _ in range(5):
        _admin_login(client, "root", WRONG)
    # when
    right = _admin_login(client, "root", factories.PASSWORD)
    wrong = _admin_login(client, "root", WRONG)
    # then
    assert (right.status_code, right.content) == (wrong.status_code, wrong.content)


def test_failures_count_across_login_paths(world, client_for):
    # given: three failures at the admin, two at the API
    client = Client(enforce_csrf_checks=True)
    for _ in range(3):
        assert _admin_login(client, "root", WRONG).status_code == 200
    api = client_for(None)
    _fail(api, "root", times=2)
    # when
    response = _token(api, "root", factories.PASSWORD)
    # then
    assert response.status_code == 429


def test_address_throttle_still_applies_across_usernames(world, client_for):
    # given: one address tries thirty different usernames once each (no lockout)
    api = client_for(None)
    for n in range(30):
        assert _token(api, f"spray{n}", WRONG).status_code == 401
    # when
    response = _token(api, "police_analyst", factories.PASSWORD)
    # then
    assert response.status_code == 429
    assert "Retry-After" in response


def test_admin_login_is_throttled_per_address_across_usernames(world):
    # given: one address sprays thirty usernames at the admin login, once each
    client = Client(enforce_csrf_checks=True)
    for n in range(30):
        assert _admin_login(client, f"spray{n}", WRONG).status_code == 200  # the form again
    # when
    response = _admin_login(client, "root", factories.PASSWORD)
    # then
    assert response.status_code == 429
    assert "Retry-After" in response
