"""The incidents map shows what the server sends as text: a district name from a register file
that holds markup is drawn as its characters, not run; an answer of the map data that is not
JSON (the session ended) is said as a failure."""

import json

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

MARKUP = '<img src="x" onerror="window.injected = true">Kuchlak'


def test_map_draws_markup_as_text_and_says_when_its_data_fails(page, settings, tmp_path) -> None:
    # given: a register whose district name is markup, and an incident in it
    register = tmp_path / "register.json"
    district = {"name": MARKUP, "aliases": [], "bbox": [66.9, 30.1, 67.1, 30.3]}
    register.write_text(json.dumps({"register": "test", "districts": [district]}))
    settings.FUSION_DISTRICT_REGISTER = str(register)
    police = factories.agency("police", "police")
    submitter = factories.member(police, "submitter", "police_submitter")
    factories.incident(police, submitter, latitude=30.2, longitude=67.0, district=MARKUP)
    sign_in(page, submitter)

    # when: the map is drawn, its one marker opened
    page.goto("/incidents/map/")
    page.wait_for_selector("#incidents-map[data-total='1']")
    page.locator(".incident-marker").click()

    # then: the name is shown as written, in the district label and the popup, and never run
    assert page.locator(".district-label").inner_text() == MARKUP
    assert MARKUP in page.locator(".leaflet-popup-content").inner_text()
    assert page.locator("#incidents-map img[src='x']").count() == 0
    assert page.evaluate("window.injected") is None

    # when: the session has ended and the map asks for the incidents of a new view
    page.context.clear_cookies()
    page.locator("#incidents-map").focus()
    page.keyboard.press("Equal")

    # then: the map says why, not a parser's message
    expect(page.locator("#map-status")).to_have_text("Your session has ended: sign in again.")
