"""The report as a decision maker reads it: a summary in sentences naming districts and what
changed since the previous period, maps with the register's district outlines and names, the
technical detail only in the appendix, a PDF with the same sections and the TLP on every page,
and a report whose results were all withdrawn still reading sensibly."""

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from analytics.models import Assessment
from analytics.report_html import render_html
from analytics.report_maps import map_svg
from analytics.report_render import render_pdf
from analytics.report_text import summary
from analytics.reports import report_content, report_generate
from tests import factories
from tests.analytics.test_reports import MONDAY, approved

pytestmark = pytest.mark.django_db

QUETTA = (30.18, 66.975)
PISHIN = (30.58, 66.99)


def incident(world, where, day, category="robbery", district="Quetta"):
    at = datetime.combine(MONDAY + timedelta(days=day), datetime.min.time(), UTC)
    return factories.incident(
        world.police,
        world.police_submitter,
        latitude=where[0],
        longitude=where[1],
        district=district,
        category=category,
        occurred_at=at + timedelta(hours=10),
        reported_at=at + timedelta(hours=11),
    )


@pytest.fixture
def two_weeks(world):
    """This week: 3 robberies in Quetta, 1 kidnapping in Pishin; the week before: 1 robbery
    in Quetta."""
    now = [incident(world, QUETTA, d) for d in (0, 1, 2)]
    now.append(incident(world, PISHIN, 3, category="kidnapping", district="Pishin"))
    before = [incident(world, QUETTA, -3)]
    approved(world, now + before, tlp="AMBER", day=1)
    return report_generate(agency=world.police, start=MONDAY, end=MONDAY + timedelta(days=7))


def summary_text(content) -> str:
    return "\n".join(line for _heading, lines in summary(content) for line in lines)


def page_one(html: str) -> str:
    return re.search(r'<section id="report-summary".*?</section>', html, re.S).group(0)


def test_the_summary_says_what_changed_where_and_who_reviewed(world, two_weeks):
    # when
    text = summary_text(report_content(two_weeks))
    # then: the counts of the two periods, by category and district, in sentences
    assert (
        "counted 4 incidents in 23\u201329 November 2026 against 1 in the 7 days before "
        "(16\u201322 November 2026)" in text
    )
    assert "robbery (3, up from 1)" in text
    assert "kidnapping (1, up from 0)" in text
    assert "Quetta (3, up from 1)" in text
    assert "Pishin (1, up from 0)" in text
    assert "Most incidents this period: Quetta (3) and Pishin (1)." in text
    # who asked and who approved, with the date in words
    assert "asked for by police_analyst" in text
    assert "approved by police_submitter" in text
    assert "on 24 November 2026" in text
    # how sure: the method's stated limitation in plain words
    assert "patrolling and reporting habits" in text


def test_page_one_holds_no_ids_times_or_internal_terms(world, two_weeks):
    # given
    content = report_content(two_weeks)
    # when
    first = page_one(render_html(content))
    appendix = render_html(content).split('id="report-appendix"')[1]
    # then
    ids = [content["id"]] + [s["assessment"] for s in content["sections"]]
    assert not any(i in first or i[:8] in first for i in ids)
    assert not re.search(r"\d{2}:\d{2}:\d{2}", first)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", first)
    for term in ("hot_cells", "cold_cells", "method_version", " q=", "z="):
        assert term not in re.sub(r"<[^>]+>", "", first), term
    # the detail is kept, in the appendix
    assert all(i in appendix for i in ids)


def test_a_map_has_the_district_outlines_names_legend_and_scale(world, two_weeks):
    # given: the hotspots section holds one hot cell near Quetta
    content = report_content(two_weeks)
    section = content["sections"][0]
    # when
    svg = map_svg(section, content)
    # then
    assert svg.count('class="district"') >= 2  # the register's boxes as outlines
    assert re.search(r'class="district-name"[^>]*>Quetta</text>', svg)
    assert 'class="cell cell-hot"' in svg
    assert "hot: more incidents than the area&#x27;s average" in svg
    assert "register&#x27;s boxes" in svg
    assert re.search(r">\d+ km</text>", svg)
    assert "Hotspots of all categories" in svg


def test_the_pdf_has_the_label_on_every_page_and_the_htmls_sections(world, two_weeks):
    # given
    content = report_content(two_weeks)
    html = render_html(content)
    headings = re.findall(r"<h2>([^<]+)</h2>", html)
    # when
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(content))).pages]
    # then
    assert all(text.count("TLP:AMBER") >= 2 for text in pages), [t[:60] for t in pages]
    text = "\n".join(pages)
    assert headings == [
        "Maps",
        "Trend",
        "Surges, districts and links",
        "Appendix: technical detail",
    ]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)
    assert pages[0].index("Weekly report of") < positions[0]


def test_urdu_is_right_to_left(world, two_weeks):
    html = render_html(report_content(two_weeks), language="ur")
    assert '<html lang="ur" dir="rtl">' in html


def pdf_fonts(pdf: bytes) -> set[str]:
    """The names of the fonts the PDF's pages use."""
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        names |= {str(font.get_object().get("/BaseFont", "")) for font in fonts.values()}
    return names


def test_the_urdu_pdf_carries_its_own_urdu_font(world, two_weeks):
    # given: a server with no font for Urdu of its own (this one: `fc-list :lang=ur` is empty)
    content = report_content(two_weeks)
    # when
    urdu, english = (render_pdf(content, language=code) for code in ("ur", "en"))
    # then: the Urdu words are set in the embedded Noto Nastaliq Urdu, not in empty boxes
    assert any("NotoNastaliqUrdu" in name for name in pdf_fonts(urdu)), pdf_fonts(urdu)
    # (the HTML carries the font itself: it reads the same where no Urdu font is installed)
    assert "src: url(data:font/woff2;base64," in render_html(content, language="ur")
    # and an English report neither embeds nor uses it
    assert not any("Nastaliq" in name for name in pdf_fonts(english))
    assert "Nastaliq" not in render_html(content)


def test_a_report_whose_results_were_withdrawn_still_reads(world, two_weeks):
    # given
    Assessment.objects.filter(pk__in=two_weeks.assessments.values("pk")).update(status="withdrawn")
    content = report_content(two_weeks)
    # when
    html = render_html(content)
    # then
    first = page_one(html)
    assert "No result approved in this period is still in force" in first
    assert "1 result was reviewed in the period: 0 approved" in first
    assert "No result of the period flags a place." in html
    assert "No incidents to chart." in html
    assert html.count("TLP:CLEAR") >= 3


def surge(district, category):
    return {"district": district, "category": category, "level": "district_category",
            "observed": 6, "expected": 1.0, "q": 0.01, "p": 0.001, "significant": True,
            "baseline": [1, 1, 1], "period_start": "2026-11-23T00:00:00+00:00"}  # fmt: skip


def test_the_summary_names_new_and_ended_surges_against_the_previous_report(world, two_weeks):
    # given: last week's report flagged robbery in Quetta and armed assault in Kech; this
    # week's flags robbery in Quetta and kidnapping in Pishin
    earlier = [incident(world, QUETTA, -3)]
    then = approved(world, earlier, kind="surges", day=-6)
    then.result = {"surges": [surge("Quetta", "robbery"), surge("Kech", "armed-assault")]}
    then.save()
    report_generate(agency=world.police, start=MONDAY - timedelta(days=7), end=MONDAY)
    now = approved(world, earlier, kind="surges", day=2)
    now.result = {"surges": [surge("Quetta", "robbery"), surge("Pishin", "kidnapping")]}
    now.save()
    current = report_generate(agency=world.police, start=MONDAY, end=MONDAY + timedelta(days=7))
    # when
    text = summary_text(report_content(current, reader=world.police_analyst))
    unread = summary_text(report_content(current))
    # then
    week = "16\u201322 November 2026"
    assert f"New surges since the report of {week}: kidnapping in Pishin." in text
    assert f"Surges of the report of {week} no longer flagged: armed assault in Kech." in text
    assert "Surges still flagged: robbery in Quetta." in text
    assert f"(none there in the report of {week})" in text  # this week's hot cell is new
    # without a reader, no earlier report is read
    assert "since the report" not in unread


def test_an_earlier_report_the_reader_may_not_read_is_not_compared(world, two_weeks):
    # given: last week's report shows a result over a levies incident police cannot see
    hidden = factories.incident(world.levies, world.levies_submitter, tlp="AMBER")
    then = approved(world, [hidden], kind="surges", day=-6)
    then.result = {"surges": [surge("Kech", "armed-assault")]}
    then.save()
    report_generate(agency=world.police, start=MONDAY - timedelta(days=7), end=MONDAY)
    # when
    text = summary_text(report_content(two_weeks, reader=world.police_submitter))
    # then
    assert "Kech" not in text
    assert "No report of the period before can be compared with this one." in text


def test_a_report_of_one_day_is_not_called_weekly(world):
    # given: a report asked for one day
    approved(world, [factories.incident(world.police, world.police_submitter)], day=1)
    made = report_generate(agency=world.police, start=MONDAY + timedelta(days=1),
                           end=MONDAY + timedelta(days=2))  # fmt: skip
    # when
    first = page_one(render_html(report_content(made)))
    urdu = render_html(report_content(made), language="ur")
    # then
    assert "<h1>Report of POLICE</h1>" in first
    assert "Weekly" not in first
    assert "in the 1 day before" in first
    assert "کی رپورٹ</h1>" in urdu
