"""Second factor: enrolment and recovery codes through the API, token issue and the admin
asking for a code where one is required, and wrong codes counting as failed logins."""

import time

import pytest
from django.core.cache import cache
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from agencies import second_factor
from fusion.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db
TOKEN = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _required(settings):
    settings.FUSION_REQUIRE_2FA = True
    settings.AXES_ENABLED = True
    cache.clear()
    yield
    cache.clear()


def _code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The device's code `steps_ahead` time steps from now (within its tolerance of one):
    a code is accepted once, so each use in a test takes the next step."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def _enrolled(user) -> tuple[TOTPDevice, list[str]]:
    device = second_factor.totp_enrol_start(actor=user)
    codes = second_factor.totp_confirm(actor=user, code=_code(device, -1))
    device.refresh_from_db()
    return device, codes


def _token(api, user, **extra):
    body = {"username": user.username, "password": factories.PASSWORD, **extra}
    return api.post(TOKEN, body, format="json")


def test_enrolment_through_the_api_then_token_needs_the_code(world, client_for):
    # given: the settings fixture turns the requirement off for this client's own token
    api = client_for(world.police_admin)
    # when
    started = api.post("/api/v1/auth/otp/", {}, format="json")
    device = TOTPDevice.objects.get(user=world.police_admin)
    confirmed = api.post("/api/v1/auth/otp/confirm/", {"code": _code(device)}, format="json")
    device.refresh_from_db()
    without = _token(client_for(None), world.police_admin)
    with_code = _token(client_for(None), world.police_admin, otp=_code(device, 1))
    # then
    assert started.status_code == 201
    assert started.json()["otpauth_uri"].startswith("otpauth://totp/Fusion%3Apolice_admin?")
    assert started.json()["secret"] in started.json()["otpauth_uri"]
    assert confirmed.status_code == 200
    assert len(set(confirmed.json()["recovery_codes"])) == 10
    assert device.confirmed
    assert without.status_code == 401
    assert "otp" in without.json()["errors"]
    assert "token" not in without.json()
    assert with_code.status_code == 200
    assert with_code.json()["token"].startswith("fsn_")


def test_wrong_code_does_not_confirm(world, client_for):
    # given
    api = client_for(world.police_analyst)
    api.post("/api/v1/auth/otp/", {}, format="json")
    # when
    response = api.post("/api/v1/auth/otp/confirm/", {"code": "000000"}, format="json")
    # then
    assert response.status_code == 400
    assert not TOTPDevice.objects.filter(user=world.police_analyst, confirmed=True).exists()
    assert AuditEntry.objects.filter(event="auth.second_factor_refused").count() == 1


def test_required_user_without_a_factor_gets_only_an_enrolment_token(world, client_for):
    # when
    refused = _token(client_for(None), world.police_admin)
    enrolment = client_for(None)
    enrolment.credentials(HTTP_AUTHORIZATION=f"Enrolment {refused.json()['enrolment_token']}")
    incidents = enrolment.get("/api/v1/incidents/")
    notifications = enrolment.get("/api/v1/notifications/")
    started = enrolment.post("/api/v1/auth/otp/", {}, format="json")
    # then
    assert refused.status_code == 401
    assert "otp" in refused.json()["errors"]
    assert "token" not in refused.json()
    assert not AuthToken.objects.filter(user=world.police_admin).exists()
    assert incidents.status_code == 401
    assert notifications.status_code == 401
    assert started.status_code == 201


def test_enrolment_token_stops_working_once_a_factor_is_confirmed(world, client_for):
    # given
    token = _token(client_for(None), world.overseer).json()["enrolment_token"]
    _enrolled(world.overseer)
    enrolment = client_for(None)
    enrolment.credentials(HTTP_AUTHORIZATION=f"Enrolment {token}")
    # when
    response = enrolment.post("/api/v1/auth/otp/", {}, format="json")
    # then
    assert response.status_code == 401


def test_roles_without_the_requirement_get_a_token_with_the_password(world, client_for):
    # when
    response = _token(client_for(None), world.police_analyst)
    # then
    assert response.status_code == 200


def test_recovery_code_works_once(world, client_for):
    # given
    _, codes = _enrolled(world.platform_admin)
    api = client_for(None)
    # when
    first = _token(api, world.platform_admin, otp=codes[0].upper())
    again = _token(api, world.platform_admin, otp=codes[0])
    # then
    assert first.status_code == 200
    assert again.status_code == 401
    assert "otp" in again.json()["errors"]


def test_wrong_codes_count_towards_the_lockout(world, client_for):
    # given: the right password five times with a wrong code
    device, _ = _enrolled(world.police_admin)
    api = client_for(None)
    for _ in range(5):
        _token(api, world.police_admin, otp="123456")
    # when
    response = _token(api, world.police_admin, otp=_code(device, 1))
    # then
    assert response.status_code == 429
    reasons = AuditEntry.objects.filter(event="auth.token_refused").values_list(
        "additional_data__reason", flat=True
    )
    assert sorted(reasons) == ["locked"] + ["second_factor"] * 5
    assert AuditEntry.objects.filter(event="auth.locked_out").count() == 1


def test_new_recovery_codes_need_a_code_and_replace_the_old(world, client_for):
    # given
    _, old = _enrolled(world.police_analyst)
    api = client_for(world.police_analyst)
    # when
    refused = api.post("/api/v1/auth/otp/recovery-codes/", {"code": "999999"}, format="json")
    renewed = api.post("/api/v1/auth/otp/recovery-codes/", {"code": old[0]}, format="json")
    # then
    assert refused.status_code == 400
    assert renewed.status_code == 200
    new = renewed.json()["recovery_codes"]
    assert len(new) == 10
    assert set(new).isdisjoint(old)
    assert second_factor.verify(world.police_analyst, old[1]) is None


def test_removing_the_factor_needs_a_valid_code(world, client_for, settings):
    # given: no back-off after the wrong code (django-otp's own, tested there)
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device, _ = _enrolled(world.police_analyst)
    api = client_for(world.police_analyst)
    # when
    refused = api.delete("/api/v1/auth/otp/", {"code": "bogus"}, format="json")
    kept = TOTPDevice.objects.filter(user=world.police_analyst).exists()
    removed = api.delete("/api/v1/auth/otp/", {"code": _code(device, 1)}, format="json")
    # then
    assert refused.status_code == 400
    assert kept
    assert removed.status_code == 204
    assert not TOTPDevice.objects.filter(user=world.police_analyst).exists()
    assert not StaticDevice.objects.filter(user=world.police_analyst).exists()


def _admin_login(client: Client, password: str, otp: str | None = None):
    client.get("/admin/login/")
    form = {
        "username": "root",
        "password": password,
        "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
    }
    if otp is not None:
        form["otp_token"] = otp
    return client.post("/admin/login/?next=/admin/", form)


def test_admin_login_needs_the_code_when_required(world, settings):
    # given: no back-off after the wrong code (django-otp's own, tested there)
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device, _ = _enrolled(world.platform_admin)
    client = Client(enforce_csrf_checks=True)
    # when
    without = _admin_login(client, factories.PASSWORD)
    without_session = "_auth_user_id" in client.session
    wrong = _admin_login(client, factories.PASSWORD, otp="000000")
    with_code = _admin_login(client, factories.PASSWORD, otp=_code(device, 1))
    # then
    assert without.status_code == 200
    assert b"valid code" in without.content
    assert not without_session
    assert wrong.status_code == 200
    assert with_code.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert AuditEntry.objects.filter(event="auth.login_refused").count() == 2


def test_admin_pages_need_a_verified_session_when_required(world):
    # given: a session logged in by password alone (before the requirement, say)
    _enrolled(world.platform_admin)
    client = Client()
    client.force_login(world.platform_admin)
    # when
    response = client.get("/admin/")
    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_admin_login_page_shows_the_code_field(world):
    # when
    response = Client().get("/admin/login/")
    # then
    assert response.status_code == 200
    assert b'name="otp_token"' in response.content
