"""Second factor (django-otp): who must have one, checking a code, and enrolling a device.

A person proves a login with a TOTP code from an authenticator app, or with one of ten
single-use recovery codes (a django-otp static device) given when the app is confirmed.
Platform admins, agency admins and oversight members must have one when FUSION_REQUIRE_2FA is
on; anyone else with a person's login may enrol one, and is then asked for it too. Service
accounts never: they have no password, only tokens.

Someone who must have a factor and has none yet proves their password for an enrolment token
(`enrolment_token`): a signed, ten-minute credential that the two enrolment routes accept and
nothing else does, so it cannot read or write any data. A platform admin may instead enrol a
device for them in the admin (OTP devices), which shows the otpauth:// URI and QR code.
"""

from base64 import b32encode
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils.crypto import salted_hmac
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.choices import Role
from agencies.models import User
from agencies.selectors import roles_of
from fusion import audit
from fusion.errors import Conflict, Invalid, NotAllowed

RECOVERY_CODES = 10
ENROLMENT_TTL = timedelta(minutes=10)
_ENROLMENT_SALT = "fusion.second-factor.enrolment"
_REQUIRED_ROLES = {Role.AGENCY_ADMIN, Role.OVERSIGHT}


def required_for(user: User) -> bool:
    """Whether this login must present a second factor (platform admin, agency admin,
    oversight) under FUSION_REQUIRE_2FA. Never for service accounts."""
    if not settings.FUSION_REQUIRE_2FA or user.is_service_account:
        return False
    return user.is_superuser or bool(_REQUIRED_ROLES & set(roles_of(user).values()))


def has_device(user: User) -> bool:
    """Whether the user has a confirmed authenticator app."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def code_needed(user: User) -> bool:
    """A login of this user must come with a code: required of it, or it enrolled one."""
    return not user.is_service_account and (required_for(user) or has_device(user))


def verify(user: User, code: str) -> Device | None:
    """The confirmed device that accepts `code` (a TOTP code, or a recovery code, which is
    used up), or None. Devices throttle repeated wrong codes (django-otp)."""
    code = "".join((code or "").split()).replace("-", "").lower()
    if not code:
        return None
    model = TOTPDevice if code.isdigit() else StaticDevice
    with transaction.atomic():
        devices = model.objects.devices_for_user(user, confirmed=True).select_for_update()
        for device in devices:
            if device.verify_token(code):
                return device
    return None


def enrolment_token(user: User) -> str:
    """A signed credential that only the enrolment routes accept; it dies in ten minutes and
    with a password change."""
    return signing.dumps({"u": user.pk, "p": _password_tag(user)}, salt=_ENROLMENT_SALT)


def enrolment_user(token: str) -> User | None:
    """The active user of a valid, unexpired enrolment token, or None."""
    try:
        data = signing.loads(token, salt=_ENROLMENT_SALT, max_age=ENROLMENT_TTL)
    except signing.BadSignature:
        return None
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None or data.get("p") != _password_tag(user):
        return None
    return user


def _password_tag(user: User) -> str:
    return salted_hmac(_ENROLMENT_SALT, user.password).hexdigest()[:20]


@transaction.atomic
def totp_enrol_start(*, actor: User) -> TOTPDevice:
    """Begin enrolling an authenticator app: a new unconfirmed device, whose secret is shown
    once. Actor: any person. Raises NotAllowed (service account), Conflict (already has one:
    remove it first)."""
    if actor.is_service_account:
        raise NotAllowed("Service accounts have no second factor.")
    if has_device(actor):
        raise Conflict(
            "A second factor is already enrolled; remove it (with a code) to enrol another."
        )
    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=actor, name="authenticator", confirmed=False)
    audit.log_event(event="auth.second_factor_started", obj=actor, actor=actor)
    return device


def secret_of(device: TOTPDevice) -> str:
    """The base32 secret an authenticator app takes when the URI cannot be scanned."""
    return b32encode(device.bin_key).decode()


@transaction.atomic
def totp_confirm(*, actor: User, code: str) -> list[str]:
    """Confirm the pending device with a code from it; returns new recovery codes (shown
    once). Raises Invalid (nothing pending, wrong code)."""
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).first()
    if device is None:
        raise Invalid("No enrolment pending.", errors={"code": ["Start enrolment first."]})
    if not device.verify_token("".join((code or "").split())):
        _refuse_code(actor, device.pk)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.log_event(event="auth.second_factor_enrolled", obj=actor, actor=actor)
    return _new_recovery_codes(actor)


@transaction.atomic
def recovery_codes_renew(*, actor: User, code: str) -> list[str]:
    """Replace the recovery codes (the old ones stop working). Needs a valid code."""
    _require_code(actor, code)
    audit.log_event(event="auth.recovery_codes_renewed", obj=actor, actor=actor)
    return _new_recovery_codes(actor)


@transaction.atomic
def second_factor_remove(*, actor: User, code: str) -> None:
    """Remove the authenticator app and recovery codes. Needs a valid code."""
    _require_code(actor, code)
    TOTPDevice.objects.filter(user=actor).delete()
    StaticDevice.objects.filter(user=actor).delete()
    audit.log_event(event="auth.second_factor_removed", obj=actor, actor=actor)


def _require_code(actor: User, code: str) -> None:
    if not has_device(actor):
        raise Invalid("No second factor is enrolled.", errors={"code": ["Nothing enrolled."]})
    if verify(actor, code) is None:
        device = TOTPDevice.objects.filter(user=actor, confirmed=True).first()
        _refuse_code(actor, device.pk if device else None)


def _refuse_code(actor: User, device_id: int | None) -> None:
    """Refuse a wrong code. The error rolls the request back, the device's throttling with
    it: both the throttling and the audit entry are written again after the response."""
    audit.keep_refusal(partial(_record_wrong_code, actor.pk, device_id))
    raise Invalid("Wrong or used code.", errors={"code": ["Wrong or used code."]})


def _record_wrong_code(user_id: int, device_id: int | None) -> None:
    device = TOTPDevice.objects.filter(pk=device_id).first()
    if device is not None:
        device.throttle_increment()
    user = User.objects.get(pk=user_id)
    audit.log_event(event="auth.second_factor_refused", obj=user, actor=user, outcome="failure")


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes: list[str] = []
    while len(codes) < RECOVERY_CODES:
        token = StaticToken.random_token()
        if not token.isdigit() and token not in codes:  # digits alone read as a TOTP code
            codes.append(token)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=t) for t in codes)
    return codes
