"""The coordinator's walk through the incident pages: map (clusters or markers, district boxes),
filter, list, one incident and its persons behind a purpose; an incident of another agency not
shared with the fusion centre appears on none of them."""

import pytest
from django.test import Client

from fusion.sharing.shares import share_grant
from incidents import map_clusters as incident_clusters
from tests import factories
from tests.browser.conftest import assert_accessible, shot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PERSON = {"role": "victim", "full_name": "Sakina Notezai", "national_id": "54321-7654321-9"}


def test_coordinator_walks_map_list_detail_and_persons(page, live_server, monkeypatch) -> None:
    # given: police shares two incidents with the fusion centre, keeps one to itself
    police = factories.agency("police", "police")
    centre = factories.agency("bfc", "fusion_centre")
    submitter = factories.member(police, "submitter", "police_submitter")
    admin = factories.member(police, "agency_admin", "police_admin")
    coordinator = factories.member(centre, "coordinator", "coordinator")
    bombing = factories.incident(
        police, submitter, category="bombing-ied", severity=5, persons=[PERSON],
        description="Device at the Kuchlak checkpoint",
    )  # fmt: skip
    assault = factories.incident(police, submitter, latitude=28.9, longitude=64.4, tlp="GREEN")
    near = factories.incident(police, submitter, latitude=30.181, longitude=67.001, tlp="GREEN")
    secret = factories.incident(police, submitter, category="bombing-ied", description="secret")
    for incident, level in ((bombing, "view_persons"), (assault, "view"), (near, "view")):
        share_grant(
            actor=admin, incident=incident, agency=centre, level=level, purpose="fusion picture"
        )
    sign_in(page, coordinator)

    # when: the map
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Incidents").click()
    page.wait_for_selector("#incidents-map[data-total]")
    # then: the shared incidents as markers (two in Quetta grouped), district boxes named
    assert page.locator("#incidents-map").get_attribute("data-total") == "3"
    assert page.locator(".incident-marker").count() == 1
    assert "2 incidents, strictest TLP:AMBER" in page.locator(".grid-cluster").inner_text()
    assert page.locator(".district-label", has_text="Quetta").count() == 1
    assert "bounding box" in page.locator(".legend").inner_text()
    shot(page, "incidents-map")
    assert_accessible(page)  # the map included: its markers and controls carry names
    # and as the server's grid clusters (what many incidents in view give)
    monkeypatch.setattr(incident_clusters, "POINT_LIMIT", 0)
    page.reload()
    page.wait_for_selector("#incidents-map[data-mode='clusters']")
    assert page.locator(".grid-cluster").count() == 2
    assert page.locator(".grid-cluster[title^='1 incident,']").count() == 1
    assert page.locator(".grid-cluster[title^='2 incidents, strictest TLP:AMBER']").count() == 1
    shot(page, "incidents-map-clusters")
    assert_accessible(page)
    monkeypatch.setattr(incident_clusters, "POINT_LIMIT", 2_000)

    # when: filtered by category, the list
    page.get_by_label("Category").select_option("bombing-ied")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_selector("#incidents-map[data-total='1']")
    page.get_by_role("link", name="Open as a list").click()
    rows = page.locator(".incident-table tbody tr")
    assert rows.count() == 1
    assert "TLP:AMBER" in rows.first.inner_text()
    shot(page, "incidents-list")
    assert_accessible(page)

    # when: the incident
    rows.first.get_by_role("link").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Incident")
    assert "Device at the Kuchlak checkpoint" in page.locator("main").inner_text()
    assert page.locator(".tlp-banner").count() == 2
    shot(page, "incident-detail")
    assert_accessible(page)

    # when: the persons, with a purpose
    page.get_by_label("Purpose", exact=True).fill("Tracing the victim's family for support")
    page.get_by_role("button", name="Show persons").click()
    assert "Sakina Notezai" in page.locator("#persons").inner_text()
    assert "54321-7654321-9" in page.locator("#persons").inner_text()
    shot(page, "incident-persons")
    assert_accessible(page)

    # then: the unshared incident is in no list, no map data, and its page is a 404
    client = Client()
    client.force_login(coordinator)
    page.goto("/incidents/?page_size=500")
    assert "secret" not in page.content()
    assert str(secret.pk) not in page.content()
    data = client.get("/incidents/map.json", {"category": "bombing-ied"}).json()
    assert [p["id"] for p in data["points"]] == [str(bombing.pk)]
    response = page.goto(f"/incidents/{secret.pk}/")
    assert response.status == 404
    assert page.get_by_role("heading", name="Not found").is_visible()
