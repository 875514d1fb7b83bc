"""The deconfliction inbox, notifications and sharing pages in the browser: an agency admin
previews and saves a sharing agreement that another agency's admin never sees; an analyst asks
for access from a match without seeing the other record, and the owner's admin approves."""

from datetime import UTC, datetime, timedelta

import pytest

from tests import factories
from tests.browser.conftest import assert_accessible, shot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/**")


def test_an_admin_previews_and_saves_an_agreement_no_other_agency_sees(page) -> None:
    # given
    police, levies = factories.agency("police"), factories.agency("levies", "levies")
    admin = factories.member(police, "agency_admin", "police_admin")
    other_admin = factories.member(levies, "agency_admin", "levies_admin")
    for severity in (2, 4):
        factories.incident(police, admin, category="kidnapping", severity=severity)
    factories.incident(police, admin, category="robbery", severity=5)
    # when: the admin fills the agreement form and previews it
    sign_in(page, admin)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sharing").click()
    page.get_by_role("link", name="New agreement").click()
    page.get_by_label("Recipient agency").select_option("levies")
    page.get_by_label("Kidnapping").check()
    page.get_by_label("Severity at least").select_option("3")
    page.get_by_label("Districts").fill("Quetta")
    page.get_by_label("View (no persons)").check()
    page.get_by_role("button", name="Preview").press("Enter")
    # then: the counts and the list, with the focus on the preview
    heading = page.get_by_role("heading", name="Preview: who gains and who loses access")
    heading.wait_for()
    assert page.evaluate("document.activeElement.id") == "preview-heading"
    counts = page.locator(".counts").inner_text()
    assert "1\nincidents levies gains (level view)" in counts
    assert "0\nincidents levies loses" in counts
    assert page.locator(".id-list li").count() == 1
    shot(page, "sharing-preview")
    assert_accessible(page)
    # when: saved
    page.get_by_role("button", name="Save").click()
    # then: listed
    page.wait_for_url("**/sharing/")
    row = page.locator("tbody tr", has_text="levies")
    assert "kidnapping" in row.inner_text()
    shot(page, "sharing")
    assert_accessible(page)
    edit_url = row.get_by_role("link", name="Change (to levies)").get_attribute("href")
    # when: another agency's admin opens Sharing and the edit URL
    sign_out(page)
    sign_in(page, other_admin)
    page.goto("/sharing/")
    # then
    assert "Your agency has no sharing agreements." in page.locator("main").inner_text()
    assert "kidnapping" not in page.locator("main").inner_text()
    assert page.goto(edit_url).status == 404


def test_an_analyst_asks_for_access_and_the_owners_admin_approves(page) -> None:
    # given: the same blast reported by both agencies
    police, levies = factories.agency("police"), factories.agency("levies", "levies")
    owner_admin = factories.member(police, "agency_admin", "police_admin")
    analyst = factories.member(levies, "analyst", "levies_analyst")
    at = {"occurred_at": T0, "reported_at": T0 + timedelta(hours=1), "category": "bombing-ied"}
    factories.incident(
        police,
        owner_admin,
        description="police secret text",
        persons=[{"role": "suspect", "full_name": "Hidden Suspect"}],
        **at,
    )
    factories.incident(levies, factories.member(levies, "submitter"), latitude=30.185, **at)
    # when: the analyst opens the inbox and files a request with a purpose
    sign_in(page, analyst)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Deconfliction").click()
    row = page.locator("tbody tr", has_text="police")
    assert "Same event" in row.inner_text()
    row.get_by_text("Ask police for access").click()
    row.get_by_label("Purpose (logged)").fill("Same blast: joint investigation")
    row.get_by_role("button", name="File the request").click()
    # then: filed, and nothing of the other record is on the page
    assert "Access request filed" in page.locator(".messages").inner_text()
    filed = page.locator("section", has_text="Requests your agency filed")
    assert "pending" in filed.inner_text()
    main = page.locator("main").inner_text()
    assert "police secret" not in main
    assert "Hidden Suspect" not in main
    shot(page, "inbox")
    assert_accessible(page)
    # when: the owner's admin approves it in their inbox
    sign_out(page)
    sign_in(page, owner_admin)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Deconfliction").click()
    decide = page.locator("section", has_text="Requests to your agency")
    decide.get_by_label("Level").select_option("view")
    decide.get_by_role("button", name="Approve").click()
    # then
    assert "Request approved" in page.locator(".messages").inner_text()
    assert "approved" in page.locator("section", has_text="Requests to your agency").inner_text()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Notifications").click()
    assert "Access request for your incident" in page.locator("main").inner_text()
    shot(page, "notifications")
    assert_accessible(page)
