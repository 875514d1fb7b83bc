"""Builders of test objects, made through the services where the services exist."""

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth.models import Group
from knox.models import AuthToken

from agencies.models import Agency, Membership, User
from incidents.districts import register
from incidents.models import Incident
from incidents.services import incident_upsert

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery-staple-42"


def next_number() -> int:
    return next(_seq)


def agency(code: str | None = None, kind: str = "police") -> Agency:
    code = code or f"ag{next(_seq)}"
    group, _ = Group.objects.get_or_create(name=f"agency:{code}")
    return Agency.objects.create(code=code, name=code.upper(), kind=kind, group=group)


def user(username: str | None = None, *, superuser: bool = False) -> User:
    username = username or f"user{next(_seq)}"
    made = User.objects.create_user(username=username, password=PASSWORD)
    if superuser:
        made.is_superuser = made.is_staff = True
        made.save()
    return made


def member(of: Agency, role: str, username: str | None = None) -> User:
    made = user(username)
    Membership.objects.create(user=made, agency=of, role=role)
    made.groups.add(of.group)
    return made


def token(for_user: User) -> str:
    _, key = AuthToken.objects.create(user=for_user)
    return key


def record(**overrides: Any) -> dict[str, Any]:
    """A valid incident record as a service takes it (Python values); unless named, its
    district is the one its place lies in (Quetta at the default place)."""
    n = next(_seq)
    base = {
        "external_ref": f"REF-{n}",
        # a minute apart: even 100,000 records stay in the past
        "occurred_at": datetime(2025, 1, 1, 8, 0, tzinfo=UTC) + timedelta(minutes=n),
        "reported_at": datetime(2025, 1, 1, 8, 0, tzinfo=UTC) + timedelta(minutes=n + 60),
        "category": "armed-assault",
        "severity": 3,
        "killed": 0,
        "injured": 1,
        "latitude": 30.18,
        "longitude": 67.0,
        "district": "Quetta",
        "description": f"incident number {n}",
        "tlp": "AMBER",
        "contexts": [],
        "status": "open",
    }
    base.update(overrides)
    if "district" not in overrides:  # the district the register has at the record's place
        base["district"] = register().district_at(base["latitude"], base["longitude"]) or ""
    return base


def payload(**overrides: Any) -> dict[str, Any]:
    """A valid incident as JSON a client posts."""
    data = record(**overrides)
    for key in ("occurred_at", "reported_at"):
        if isinstance(data.get(key), datetime):
            data[key] = data[key].isoformat()
    return data


def incident(owner: Agency, by: User, **overrides: Any) -> Incident:
    made, _ = incident_upsert(actor=by, agency=owner, record=record(**overrides))
    return made
