"""The console on a phone (390 CSS pixels wide, as a common phone): no page scrolls sideways;
a wide table scrolls inside its own box (and takes the keyboard focus, so it can be scrolled
without a mouse), so the rest of the page stays in view. Checked, with axe-core, on the pages
an agency admin, an analyst and an overseer open, in English and in Urdu (right to left), with
a match, an access request, a report and incidents listed."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from playwright.sync_api import Page

from analytics.reports import report_generate
from fusion.models import Match
from tests import factories
from tests.analytics.test_reports import MONDAY, approved
from tests.browser.conftest import axe_findings, shot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
ANALYST_PAGES = [
    "/",
    "/incidents/",
    "/incidents/map/",
    "/inbox/",
    "/notifications/",
    "/assessments/",
    "/assessments/new/",
    "/reports/",
    "/kpis/",
]
ADMIN_PAGES = [
    "/inbox/",
    "/sharing/",
    "/sharing/agreements/new/",
    "/notifications/",
    "/reports/",
    "/kpis/",
]
OVERSEER_PAGES = [
    "/oversight/audit/",
    "/oversight/audit/verify/",
    "/oversight/complaints/",
    "/oversight/transparency/",
    "/oversight/assessments/",
]


def sideways(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0: no sideways scroll)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


# The innermost elements reaching past either edge of the window (what to fix), at most five.
OVERFLOWING = """() => {
  const w = window.innerWidth, out = [];
  const past = (el) => { const r = el.getBoundingClientRect();
                         return r.width > 0 && (r.right > w + 1 || r.left < -1); };
  for (const el of document.body.querySelectorAll('*:not(.skip-link)')) {
    if (past(el) && ![...el.children].some(past)) {
      out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
               (el.className && typeof el.className === 'string'
                  ? '.' + el.className.trim().split(/\\s+/).join('.') : ''));
    }
  }
  return out.slice(0, 5);
}"""


def walk(page: Page, paths: list[str], who: str) -> tuple[dict, dict]:
    """Each page: how much wider than the window and by what, and its axe-core findings."""
    wider, findings = {}, {}
    for path in paths:
        assert page.goto(path).status == 200, path
        page.wait_for_load_state("networkidle")
        if (extra := sideways(page)) > 0:
            wider[path] = (extra, page.evaluate(OVERFLOWING))
        if found := axe_findings(page):
            findings[path] = found
        shot(page, f"phone-{who}-{path.strip('/').replace('/', '-') or 'home'}")
    return wider, findings


def test_no_page_scrolls_sideways_on_a_phone(chromium, live_server, world) -> None:
    # given: the same blast reported by both agencies (a match), an access request filed for
    # it, and incidents with long words in their references and descriptions
    at = {"occurred_at": T0, "reported_at": T0 + timedelta(hours=1), "category": "bombing-ied"}
    description = "Blast near the bus stand " * 8
    factories.incident(world.police, world.police_submitter, description=description, **at)
    factories.incident(world.levies, world.levies_submitter, latitude=30.185, **at)
    for n in range(3):
        ref = f"LEVIES-REFERENCE-{n:04d}-" * 3
        factories.incident(world.levies, world.levies_submitter, external_ref=ref)
    filer = Client()
    filer.force_login(world.levies_analyst)
    filed = filer.post("/inbox/requests/", {"match": Match.objects.get().pk, "purpose": "blast"})
    assert filed.status_code == 302
    # and a police report of an approved result, listed with its HTML and PDF links
    approved(world, [factories.incident(world.police, world.police_submitter)])
    visits = (
        (world.levies_analyst, ANALYST_PAGES, "analyst"),
        (world.police_admin, ADMIN_PAGES, "admin"),
        (world.overseer, OVERSEER_PAGES, "overseer"),
    )
    report_generate(agency=world.police, start=MONDAY, end=MONDAY + timedelta(days=7))
    found, inaccessible = {}, {}
    for language in ("en", "ur"):
        for user, paths, who in visits:
            user.language = language
            user.save(update_fields=["language"])
            context = chromium.new_context(viewport=PHONE, base_url=live_server.url)
            context.set_default_timeout(15_000)
            page = context.new_page()
            try:
                # when: each page is opened at a phone's width
                sign_in(page, user)
                wider, findings = walk(page, paths, f"{who}-{language}")
            finally:
                context.close()
            found.update({f"{language} {who} {path}": px for path, px in wider.items()})
            inaccessible.update({f"{language} {who} {p}": f for p, f in findings.items()})
    # then
    assert not found, f"pages wider than a phone (CSS pixels too wide, by what): {found}"
    assert not inaccessible, f"axe-core findings at a phone's width: {inaccessible}"
