"""The report as a reader sees it in Chromium: each section's page as a picture, the PDF's
pages as pictures (artifacts/screenshots/report-*.png), and no serious accessibility finding."""

import subprocess
from datetime import timedelta

import pytest
from playwright.sync_api import Page

from analytics.report_html import SECTION_IDS, render_html
from analytics.report_render import render_pdf
from analytics.reports import report_content, report_generate
from tests import factories
from tests.analytics.test_reports import MONDAY, approved
from tests.browser.conftest import ARTIFACTS, assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def a_report(world):
    own = [factories.incident(world.police, world.police_submitter) for _ in range(4)]
    approved(world, own, day=1)
    surges = approved(world, own, kind="surges", day=2)
    surges.result = {
        "warnings": ["sparse: 3 of 4 tested groups have fewer than 5 incidents"],
        "surges": [{"district": "Quetta", "category": "armed-assault", "observed": 9,
                    "expected": 1.5, "q": 0.004, "p": 0.0003, "significant": True,
                    "baseline": [1, 2, 1, 2], "period_start": "2026-11-23T00:00:00+00:00"}],
        "aggregates": [],
        "level_shift": {"summary": "no level shift found"}, "trend": {"summary": "flat"},
    }  # fmt: skip
    surges.save()
    links = approved(world, own, kind="links", day=3)
    links.result = {
        "warnings": [],
        "links": [{"incidents": [str(own[0].pk), str(own[1].pk)], "agencies": ["police", "levies"],
                   "score": 0.93, "reasons": ["120 m apart", "40 minutes apart", "same category"]}],
    }  # fmt: skip
    links.save()
    return report_generate(agency=world.police, start=MONDAY, end=MONDAY + timedelta(days=7))


def test_the_report_pages_and_the_pdf_as_pictures(world, page: Page):
    # given
    content = report_content(a_report(world))
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    # when
    page.set_content(render_html(content))
    # then: every section, in order, with the label above and below
    assert page.locator("section").evaluate_all("s => s.map(e => e.id)") == list(SECTION_IDS)
    assert page.locator("header.tlp").inner_text() == "TLP:AMBER"
    assert "Quetta" in page.locator("#report-tables").inner_text()
    for section in SECTION_IDS:
        page.locator(f"#{section}").screenshot(path=str(folder / f"{section}.png"))
    assert_accessible(page)
    # and the PDF, page by page
    for old in folder.glob("report-pdf-*.png"):
        old.unlink()
    pdf = folder / "report.pdf"
    pdf.write_bytes(render_pdf(content))
    subprocess.run(  # noqa: S603 (a fixed command)
        ["/usr/bin/pdftoppm", "-png", "-r", "60", str(pdf), str(folder / "report-pdf")],
        check=True,
        timeout=60,
    )
    pdf.unlink()
    assert len(list(folder.glob("report-pdf-*.png"))) >= len(SECTION_IDS)
    # and the Urdu report's first page, right to left in its embedded font
    page.set_content(render_html(content, language="ur"))
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.locator("#report-summary").screenshot(path=str(folder / "report-summary-ur.png"))
    pdf.write_bytes(render_pdf(content, language="ur"))
    subprocess.run(  # noqa: S603 (a fixed command)
        ["/usr/bin/pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf),
         str(folder / "report-ur-pdf")],
        check=True,
        timeout=60,
    )  # fmt: skip
    pdf.unlink()
