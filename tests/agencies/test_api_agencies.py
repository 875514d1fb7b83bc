"""Users, agencies, members, service accounts and tokens through the API."""

import pytest
from django.db import connection
from knox.models import AuthToken

from agencies.models import Agency, Membership, User
from tests import factories

pytestmark = pytest.mark.django_db


def test_token_for_valid_credentials_then_authenticates(world, client_for):
    # given
    anonymous = client_for(None)
    # when
    response = anonymous.post(
        "/api/v1/auth/token/",
        {"username": "police_analyst", "password": factories.PASSWORD},
        format="json",
    )
    # then
    assert response.status_code == 200
    token = response.json()["token"]
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anonymous.get("/api/v1/agencies/").status_code == 200


def test_bad_credentials_are_401_and_logged(world, client_for):
    from fusion.models import AuditEntry

    response = client_for(None).post(
        "/api/v1/auth/token/", {"username": "police_analyst", "password": "nope"}, format="json"
    )
    assert response.status_code == 401
    entry = AuditEntry.objects.get(event="auth.token_refused")
    assert entry.outcome == "failure"
    assert entry.object_repr == "police_analyst"


def test_missing_credentials_are_400(world, client_for):
    response = client_for(None).post("/api/v1/auth/token/", {"username": "x"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()["errors"]


def test_tokens_are_stored_hashed(world, client_for):
    # given
    response = client_for(None).post(
        "/api/v1/auth/token/",
        {"username": "police_analyst", "password": factories.PASSWORD},
        format="json",
    )
    token = response.json()["token"]
    # when: every column of every table, as text
    with connection.cursor() as cursor:
        cursor.execute("SELECT CAST(t.* AS TEXT) FROM knox_authtoken t")
        rows = " ".join(r[0] for r in cursor.fetchall())
    # then: no token string, nor its secret part, is stored
    assert token not in rows
    assert token[len("fsn_") + 15 :] not in rows
    assert AuthToken.objects.filter(user__username="police_analyst").exists()


def test_bad_and_expired_tokens_are_401(world, client_for):
    from datetime import timedelta

    _, key = AuthToken.objects.create(user=world.police_analyst, expiry=timedelta(seconds=-1))
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/agencies/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Token fsn_not-a-real-token")
    assert client.get("/api/v1/agencies/").status_code == 401


def test_basic_auth_is_not_accepted(world, client_for):
    import base64

    client = client_for(None)
    basic = base64.b64encode(f"police_analyst:{factories.PASSWORD}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {basic}")
    assert client.get("/api/v1/agencies/").status_code == 401


def test_platform_admin_creates_user_and_agency(world, client_for):
    client = client_for(world.platform_admin)
    user = client.post("/api/v1/users/", {"username": "newbie", "password": "a-long-passphrase-9"})
    agency = client.post(
        "/api/v1/agencies/", {"code": "fc", "name": "Frontier Corps", "kind": "other"}
    )
    assert user.status_code == 201
    assert set(user.json()) >= {"id", "username"}
    assert agency.status_code == 201
    assert agency.json() == {"code": "fc", "name": "Frontier Corps", "kind": "other"}
    assert Agency.objects.get(code="fc").group.name == "agency:fc"
    assert client.get("/api/v1/users/").status_code == 200


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"username": "x!", "password": "a-long-passphrase-9"}, "username", 400),
        ({"username": "weakling", "password": "123"}, "password", 400),
        ({"username": "police_analyst", "password": "a-long-passphrase-9"}, "username", 409),
    ],
)
def test_user_create_errors(world, client_for, body, field, code):
    response = client_for(world.platform_admin).post("/api/v1/users/", body, format="json")
    assert response.status_code == code
    assert field in response.json()["errors"]


def test_only_platform_admin_manages_users_and_agencies(world, client_for):
    client = client_for(world.police_admin)
    assert (
        client.post("/api/v1/users/", {"username": "z", "password": "p-long-enough-9"}).status_code
        == 403
    )
    assert client.get("/api/v1/users/").status_code == 403
    assert (
        client.post("/api/v1/agencies/", {"code": "z", "name": "Z", "kind": "other"}).status_code
        == 403
    )
    assert client.get("/api/v1/agencies/").json()["results"][0].keys() == {"code", "name", "kind"}


def test_deactivating_user_revokes_tokens(world, client_for):
    victim = client_for(world.police_analyst)
    response = client_for(world.platform_admin).patch(
        f"/api/v1/users/{world.police_analyst.pk}/", {"is_active": False}, format="json"
    )
    assert response.status_code == 200
    assert victim.get("/api/v1/agencies/").status_code == 401


def test_agency_admin_manages_own_members(world, client_for):
    # given
    newcomer = factories.user("newcomer")
    client = client_for(world.police_admin)
    # when
    added = client.post(
        "/api/v1/agencies/police/members/", {"username": "newcomer", "role": "analyst"}
    )
    listed = client.get("/api/v1/agencies/police/members/")
    # then
    assert added.status_code == 201
    assert added.json() == {"id": added.json()["id"], "username": "newcomer", "role": "analyst"}
    assert "newcomer" in {m["username"] for m in listed.json()["results"]}
    assert newcomer.groups.filter(name="agency:police").exists()


def test_removing_a_member_revokes_their_tokens(world, client_for):
    member_client = client_for(world.police_analyst)
    membership = Membership.objects.get(user=world.police_analyst, agency=world.police)
    response = client_for(world.police_admin).delete(
        f"/api/v1/agencies/police/members/{membership.pk}/"
    )
    assert response.status_code == 204
    assert member_client.get("/api/v1/agencies/").status_code == 401
    assert not world.police_analyst.groups.filter(name="agency:police").exists()


def test_agency_admin_cannot_touch_other_agency(world, client_for):
    # given
    client = client_for(world.police_admin)
    levies_membership = Membership.objects.get(user=world.levies_analyst)
    # when / then
    assert client.get("/api/v1/agencies/levies/members/").status_code == 403
    assert (
        client.post(
            "/api/v1/agencies/levies/members/", {"username": "outsider", "role": "analyst"}
        ).status_code
        == 403
    )
    assert (
        client.delete(f"/api/v1/agencies/levies/members/{levies_membership.pk}/").status_code == 403
    )
    assert (
        client.delete(f"/api/v1/agencies/police/members/{levies_membership.pk}/").status_code == 404
    )
    assert (
        client.post("/api/v1/agencies/levies/service-accounts/", {"name": "x"}).status_code == 403
    )
    assert Membership.objects.filter(pk=levies_membership.pk).exists()


@pytest.mark.parametrize(
    ("agency", "role"),
    [
        ("police", "coordinator"),
        ("police", "oversight"),
        ("watch", "submitter"),
        ("nope", "analyst"),
    ],
)
def test_role_must_fit_agency_kind(world, client_for, agency, role):
    response = client_for(world.platform_admin).post(
        f"/api/v1/agencies/{agency}/members/", {"username": "outsider", "role": role}, format="json"
    )
    assert response.status_code == (404 if agency == "nope" else 400)


def test_unknown_role_and_duplicate_member(world, client_for):
    client = client_for(world.police_admin)
    bad = client.post("/api/v1/agencies/police/members/", {"username": "outsider", "role": "boss"})
    dup = client.post(
        "/api/v1/agencies/police/members/", {"username": "police_analyst", "role": "analyst"}
    )
    assert bad.status_code == 400
    assert "role" in bad.json()["errors"]
    assert dup.status_code == 409


def test_service_account_token_shown_once_and_bound_to_agency(world, client_for):
    # given
    client = client_for(world.police_admin)
    # when
    created = client.post("/api/v1/agencies/police/service-accounts/", {"name": "CAD bridge"})
    listed = client.get("/api/v1/agencies/police/service-accounts/")
    # then
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"id", "name", "scopes", "token"}
    assert body["scopes"] == ["incidents:write"]
    assert "token" not in listed.json()["results"][0]
    system = client_for(None)
    system.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    own = system.post("/api/v1/incidents/", factories.payload(), format="json")
    other = system.post("/api/v1/incidents/", factories.payload(agency="levies"), format="json")
    assert own.status_code == 201
    assert own.json()["agency"] == "police"
    assert other.status_code == 403
    # a service account is not listed among members
    members = client.get("/api/v1/agencies/police/members/").json()["results"]
    assert all(not m["username"].startswith("svc.") for m in members)


def test_deactivated_service_account_token_stops_working(world, client_for):
    client = client_for(world.police_admin)
    body = client.post("/api/v1/agencies/police/service-accounts/", {"name": "gw"}).json()
    assert (
        client.delete(f"/api/v1/agencies/police/service-accounts/{body['id']}/").status_code == 204
    )
    system = client_for(None)
    system.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert system.get("/api/v1/agencies/").status_code == 401
    assert User.objects.get(username="svc.police.gw").is_active is False
