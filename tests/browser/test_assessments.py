"""Assessments in the browser: an analyst of the fusion centre requests hotspots and watches
the run, a colleague acknowledges the warnings and approves, a coordinator reads the result on
the map and follows a hot cell to the incidents behind it; an analyst of another agency finds
nothing of it. Then the reports and KPI pages."""

import re
from datetime import timedelta

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from analytics.models import Assessment
from analytics.reports import report_generate
from tests.browser.conftest import assert_accessible, shot, sign_in
from tests.console.test_assessment_pages import AFTER, BEFORE, make_centre

pytestmark = pytest.mark.django_db(transaction=True)


def switch_to(page: Page, user) -> None:
    page.context.clear_cookies()
    sign_in(page, user)


def test_request_review_and_read_a_hotspots_assessment(page: Page) -> None:
    world = make_centre()

    # analyst A requests hotspots through the form
    sign_in(page, world.analyst_a)
    page.goto("/assessments/")
    page.get_by_role("link", name="Request an assessment").click()
    expect(page.get_by_role("heading", name="Request an assessment")).to_be_visible()
    cell_size = page.locator("#f-hotspots-cell_size_km")
    expect(cell_size).to_have_attribute("placeholder", "1.0")  # the default, shown
    expect(page.locator("#f-forecast-coverage")).to_be_hidden()  # not a hotspots parameter
    shot(page, "assessment-new")
    assert_accessible(page)
    page.get_by_label("Occurred on or after").fill(AFTER.date().isoformat())
    page.get_by_label("Occurred before").fill(BEFORE.date().isoformat())
    page.get_by_label("Categories").select_option("robbery")
    cell_size.fill("1")
    page.get_by_role("button", name="Request the assessment").click()

    # sees the progress, then the result pending review (the page reloads when it is done)
    assert re.search(r"/assessments/[0-9a-f-]{36}/$", page.url), page.url
    url = page.url.removeprefix(page.url.split("/assessments/")[0])
    if page.locator("#progress").count():
        shot(page, "assessment-progress")
    expect(page.get_by_role("heading", name="Review (four eyes)")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("you may not review it")).to_be_visible()
    assessment = Assessment.objects.get()
    assert assessment.status == "pending_review"
    page.goto("/assessments/")
    expect(page.get_by_role("link", name="hotspots")).to_be_visible()
    shot(page, "assessments-list")
    assert_accessible(page)

    # analyst B, a colleague, acknowledges the warnings and approves with a rationale
    switch_to(page, world.analyst_b)
    page.goto(url)
    boxes = page.locator("input[name=acknowledged_warnings]")
    assert boxes.count() == len(assessment.result["warnings"])
    for index in range(boxes.count()):
        boxes.nth(index).check()
    page.get_by_label("Approve").check()
    page.get_by_label("Rationale (10 characters or more)").fill("Cells checked on the map.")
    shot(page, "assessment-review")
    assert_accessible(page)
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Your decision was recorded: approved.")).to_be_visible()

    # a coordinator reads the approved result: hot cells on the map and in the table
    switch_to(page, world.coordinator)
    page.goto(url)
    expect(page.get_by_role("heading", name="Approved result")).to_be_visible()
    hot_rows = page.locator("table.cells tbody tr", has_text="hot")
    assert hot_rows.count() >= 2  # the two planted clusters
    cells = page.locator("#result-map path.leaflet-interactive")
    assert cells.count() >= hot_rows.count()
    shot(page, "assessment-result-map")
    assert_accessible(page)
    cells.first.click()
    popup_link = page.locator(".leaflet-popup a", has_text="Incidents behind this cell")
    expect(popup_link).to_have_attribute("href", re.compile(r"bbox=[-0-9.]+%2C"))
    link = hot_rows.first.get_by_role("link")
    href = link.get_attribute("href") or ""
    assert re.search(r"bbox=([-0-9.]+%2C){3}[-0-9.]+", href), href
    assert "occurred_after=2025-03-01" in href
    assert "category=robbery" in href
    try:
        reverse("console:incidents")
        has_list = True
    except NoReverseMatch:
        has_list = False
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/incidents/?bbox=" in page.url
    if has_list:  # the incident list shows the cell's incidents
        rows = page.locator("main table tbody tr")
        assert rows.count() > 0
        expect(rows.first).to_contain_text("robbery")

    # the reports list and the KPIs
    today = timezone.now().date()
    report_generate(agency=world.centre, start=today - timedelta(days=6), end=today + timedelta(1))
    page.goto("/reports/")
    expect(page.get_by_role("link", name=re.compile("^HTML"))).to_have_attribute(
        "href", re.compile(r"^/api/v1/reports/[0-9a-f-]{36}\.html\?lang=en$")
    )
    shot(page, "reports")
    assert_accessible(page)
    page.goto("/kpis/")
    page.locator("#f-period").select_option("week")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Time to insight and time to decision")).to_be_visible()
    shot(page, "kpis")
    assert_accessible(page)

    # an analyst of another agency: not found, and not in their list
    switch_to(page, world.other_analyst)
    page.goto(url)
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    page.goto("/assessments/")
    expect(page.get_by_text("No assessment yet.")).to_be_visible()
    assert str(assessment.pk) not in page.content()
