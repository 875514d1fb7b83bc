"""The demo seed: agencies, users in every role, incidents with persons, all audited."""

from io import StringIO

import pytest
from django.core.management import call_command

from agencies.choices import Role
from agencies.models import Agency, Membership
from fusion.models import AuditEntry
from incidents.models import Incident, Person

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_world_once():
    # when
    out = StringIO()
    call_command("seed_demo", "--incidents", "300", stdout=out)
    again = StringIO()
    call_command("seed_demo", "--incidents", "300", stdout=again)
    # then
    assert Agency.objects.count() >= 6
    assert Agency.objects.filter(kind="fusion_centre").count() == 1
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    incidents = Incident.objects.count()
    assert incidents >= 300
    assert Person.objects.exists()
    assert (
        AuditEntry.objects.filter(event="demo.seed", content_type__model="incident").count()
        == incidents
    )
    assert Incident.objects.values("district").distinct().count() >= 10
    assert "bpol.analyst" in out.getvalue()
    assert "already present" in again.getvalue()
    assert Incident.objects.count() == incidents
