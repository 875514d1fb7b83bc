"""The plumbing asks agencies who is calling through answers agencies installs at start; a
missing answer stops the call instead of letting it through unchecked or unattributed."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from agencies.api.permissions import ScopeAllows
from fusion import identity

pytestmark = pytest.mark.django_db


def test_agencies_installs_every_answer_at_start():
    assert set(identity.answers._installed) == set(identity.NAMES)
    assert identity.scope_permission() is ScopeAllows


def test_without_the_scope_check_an_api_call_fails_instead_of_passing(
    world, client_for, monkeypatch
):
    monkeypatch.delitem(identity.answers._installed, "scope_permission")
    with pytest.raises(ImproperlyConfigured, match="scope_permission"):
        client_for(world.police_analyst).get("/api/v1/incidents/")


def test_an_audit_entry_is_not_written_unattributed(world, monkeypatch):
    from agencies.models import Agency
    from fusion import audit

    monkeypatch.delitem(identity.answers._installed, "note_acting")
    police = Agency.objects.get(code="police")
    with pytest.raises(ImproperlyConfigured, match="note_acting"), audit.acting(world.police_admin):
        audit.log_event(event="probe", obj=police)
