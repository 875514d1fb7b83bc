"""Users, agencies and logins in the Django admin: written through the services, attributed."""

import pytest
from django.contrib.auth.models import Group

from agencies.models import Agency, User
from fusion.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db


def _login(client, user):
    assert client.login(username=user.username, password=factories.PASSWORD)
    return client


def test_user_created_in_admin_is_attributed(world, client):
    # given
    _login(client, world.platform_admin)
    # when
    response = client.post(
        "/admin/agencies/user/add/",
        {
            "username": "new.analyst",
            "usable_password": "true",
            "password1": "a-long-enough-passphrase-77",
            "password2": "a-long-enough-passphrase-77",
        },
    )
    # then
    assert response.status_code == 302
    made = User.objects.get(username="new.analyst")
    assert made.check_password("a-long-enough-passphrase-77")
    entry = AuditEntry.objects.get(
        content_type__model="user", object_pk=str(made.pk), action=AuditEntry.Action.CREATE
    )
    assert entry.actor == world.platform_admin
    assert entry.cid == response["X-Correlation-ID"]


def test_deactivating_a_user_in_admin_revokes_their_tokens(world, client, client_for):
    # given: the analyst holds an API token
    api = client_for(world.police_analyst)
    assert api.get("/api/v1/incidents/").status_code == 200
    user = world.police_analyst
    _login(client, world.platform_admin)
    # when: the change form sent with `is_active` unticked
    response = client.post(
        f"/admin/agencies/user/{user.pk}/change/",
        {
            "username": user.username,
            "first_name": "",
            "last_name": "",
            "email": "",
            "date_joined_0": "2025-01-01",
            "date_joined_1": "00:00:00",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )
    # then
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active is False
    assert api.get("/api/v1/incidents/").status_code == 401
    entry = AuditEntry.objects.get(
        content_type__model="user", object_pk=str(user.pk), action=AuditEntry.Action.UPDATE
    )
    assert entry.actor == world.platform_admin
    assert entry.changes == {"is_active": ["True", "False"]}


def test_agency_created_in_admin_gets_its_group(world, client):
    # given
    _login(client, world.platform_admin)
    # when
    response = client.post(
        "/admin/agencies/agency/add/", {"code": "ctd", "name": "CTD", "kind": "ctd"}
    )
    # then
    assert response.status_code == 302
    agency = Agency.objects.get(code="ctd")
    assert agency.group == Group.objects.get(name="agency:ctd")
    entry = AuditEntry.objects.get(content_type__model="agency", object_pk=str(agency.pk))
    assert entry.actor == world.platform_admin


def test_admin_sets_no_other_users_password(world, client):
    # given
    _login(client, world.platform_admin)
    # when
    response = client.post(
        f"/admin/agencies/user/{world.police_analyst.pk}/password/",
        {
            "usable_password": "true",
            "password1": "taken-over-account-99",
            "password2": "taken-over-account-99",
        },
    )
    # then
    assert response.status_code == 403
    world.police_analyst.refresh_from_db()
    assert not world.police_analyst.check_password("taken-over-account-99")
