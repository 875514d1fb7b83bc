"""Public transparency statistics: suppression proven over random tables (Hypothesis), and the
endpoint's content on seeded activity."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from analytics.models import Assessment
from fusion.models import ShareGrant
from fusion.oversight.transparency import Table, months, statistics, suppress, suppress_breakdown
from fusion.sharing.shares import share_grant
from incidents.models import Incident
from tests import factories

URL = "/api/v1/transparency/"
URL_INCIDENTS = "/api/v1/incidents/"
EXPORT = "/api/v1/export/"


@given(
    counts=st.lists(st.integers(0, 40) | st.integers(0, 3), min_size=1, max_size=12),
    k=st.integers(2, 15),
)
def test_no_suppressed_count_can_be_published_or_worked_out(counts, k):
    # when
    table = suppress(counts, k)
    # then nothing small is shown, what is shown is true, every small count is hidden
    assert all(c is None or c == 0 or c >= k for c in table.cells)
    assert all(c in (None, n) for c, n in zip(table.cells, counts, strict=True))
    assert all(c is None for c, n in zip(table.cells, counts, strict=True) if 0 < n < k)
    # and a total is shown only when it gives nothing away: no month is hidden
    if None in table.cells:
        assert table.total is None
    else:
        assert table.total == sum(counts)


@given(
    history=st.lists(st.integers(0, 30), min_size=13, max_size=30),
    k=st.integers(2, 15),
)
def test_successive_publications_together_reveal_no_suppressed_month(history, k):
    """The window moves on a month at a time; every publication of it, taken together,
    still pins no hidden month: each month's cell is the same in every publication, and a
    total appears only over months all shown."""
    publications = [suppress(history[i : i + 12], k) for i in range(len(history) - 11)]
    for month, value in enumerate(history):
        cells = {
            p.cells[month - start]
            for start, p in enumerate(publications)
            if 0 <= month - start < 12
        }
        assert len(cells) <= 1
        if 0 < value < k:
            assert cells <= {None}
    for start, publication in enumerate(publications):
        if publication.total is not None:
            window = history[start : start + 12]
            assert all(n == 0 or n >= k for n in window)


@st.composite
def breakdowns(draw, min_months=1, max_months=12):
    """Counts per code and month, and a split of each month's sum into the two published
    tables the breakdown adds up to (person_data_reads, exports)."""
    width = draw(st.integers(min_months, max_months))
    count = st.integers(0, 40) | st.integers(0, 3)
    codes = draw(st.integers(1, 4))
    rows = {f"c{i}": draw(st.lists(count, min_size=width, max_size=width)) for i in range(codes)}
    sums = [sum(row[m] for row in rows.values()) for m in range(width)]
    reads = [draw(st.integers(0, n)) for n in sums]
    return rows, reads, [n - r for n, r in zip(sums, reads, strict=True)]


@given(data=breakdowns(), k=st.integers(2, 15))
def test_no_count_of_the_breakdown_by_purpose_can_be_published_or_worked_out(data, k):
    # given
    rows, reads, exports = data
    parts = [suppress(reads, k), suppress(exports, k)]
    # when
    tables = suppress_breakdown(rows, parts, k)
    # then nothing small is shown, what is shown is true, every small count is hidden
    for name, table in tables.items():
        for cell, n in zip(table.cells, rows[name], strict=True):
            assert cell in (None, n)
            assert cell is None or cell == 0 or cell >= k
        assert table.total == (sum(rows[name]) if None not in table.cells else None)
    # and a month is shown whole or not at all, never beside a hidden month of the tables it
    # sums to (the sum and the other codes would give a hidden count back)
    for m, _ in enumerate(reads):
        column = {table.cells[m] is None for table in tables.values()}
        assert len(column) == 1
        if any(part.cells[m] is None for part in parts):
            assert column == {True}
        # a hidden month whose sum is published splits it among two codes or more: the sum
        # pins none of them
        if column == {True} and all(part.cells[m] is not None for part in parts):
            assert sum(1 for row in rows.values() if row[m]) >= 2


@given(data=breakdowns(min_months=13, max_months=30), k=st.integers(2, 15))
def test_successive_publications_of_the_breakdown_reveal_no_hidden_month(data, k):
    # given
    rows, reads, exports = data
    # when the window moves on a month at a time
    publications = []
    for i in range(len(reads) - 11):
        parts = [suppress(reads[i : i + 12], k), suppress(exports[i : i + 12], k)]
        window = {name: row[i : i + 12] for name, row in rows.items()}
        publications.append(suppress_breakdown(window, parts, k))
    # then every publication shows a month the same way
    for name, row in rows.items():
        for month, value in enumerate(row):
            cells = {
                p[name].cells[month - start]
                for start, p in enumerate(publications)
                if 0 <= month - start < 12
            }
            assert len(cells) <= 1
            if 0 < value < k:
                assert cells <= {None}


def test_a_small_month_hides_the_total():
    # when
    table = suppress([0, 50, 3, 12, 40], 10)
    # then
    assert table == Table([0, 50, None, 12, 40], None)
    assert suppress([0, 50, 12], 10) == Table([0, 50, 12], 62)


def test_the_last_twelve_complete_calendar_months():
    starts = months(datetime(2026, 3, 15, 12, tzinfo=UTC))
    assert [s.strftime("%Y-%m") for s in starts][:2] == ["2025-03", "2025-04"]
    assert starts[-1] == datetime(2026, 2, 1, tzinfo=UTC)
    assert len(starts) == 12


@pytest.mark.django_db
def test_the_endpoint_is_public_and_publishes_only_suppressed_aggregates(world, client_for):
    # given: last month, 12 incidents and 3 shares; this month, one more incident
    made = [factories.incident(world.police, world.police_submitter) for _ in range(13)]
    for incident in made[:3]:
        share_grant(
            actor=world.police_admin,
            incident=incident,
            agency=world.levies,
            level="view",
            purpose="transparency test",
        )
    last_month = (timezone.now().replace(day=1) - timedelta(days=1)).replace(hour=12)
    Incident.objects.filter(pk__in=[i.pk for i in made[:12]]).update(created_at=last_month)
    ShareGrant.objects.update(created_at=last_month)
    # when
    response = client_for(None).get(URL)
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["measures"]["incidents_recorded"]["monthly"][-1] == 12
    assert body["measures"]["incidents_recorded"]["total"] == 12
    shares = body["measures"]["shares_granted"]
    assert (shares["monthly"][-1], shares["total"]) == (None, None)
    assert {m["method"] for m in body["models"]} >= {"hotspots", "forecast"}
    text = response.content.decode()
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", text)  # no incident or user ids
    for name in ("police", "levies", "police_admin"):
        assert f'"{name}"' not in text


@pytest.mark.django_db
def test_a_result_withdrawn_later_still_counts_as_approved_in_its_month(world, client_for):
    # given: ten results approved last month
    last_month = (timezone.now().replace(day=1) - timedelta(days=1)).replace(hour=12)
    for n in range(10):
        Assessment.objects.create(
            kind="hotspots", status="approved", decision="approve", reviewed_at=last_month,
            requester=world.police_analyst, agency=world.police, scope={}, params={},
            scope_key=f"t{n}", method_version="1", code_version="t",
        )  # fmt: skip
    before = client_for(None).get(URL).json()["measures"]["assessments_approved"]["monthly"][-1]
    # when one is withdrawn this month
    Assessment.objects.filter(scope_key="t0").update(status="withdrawn")
    after = client_for(None).get(URL).json()["measures"]["assessments_approved"]["monthly"][-1]
    # then the published month is the same
    assert before == after == 10


@pytest.mark.django_db
def test_accesses_are_counted_by_purpose_code_and_a_small_code_hides_its_month(
    world, client_for, settings
):
    # given: k = 3; this month, three person reads for an investigation, one export stating
    # words only and one read for a prosecution
    settings.FUSION_TRANSPARENCY_MIN_CELL = 3
    api = client_for(world.police_analyst)
    incident = factories.incident(world.police, world.police_submitter)
    read = {"include": "persons", "purpose": "burglary series", "purpose_code": "investigation"}
    for _ in range(3):
        assert api.get(f"{URL_INCIDENTS}{incident.pk}/", read).status_code == 200
    assert api.get(EXPORT, {"purpose": "monthly return"}).status_code == 200
    next_month = (timezone.now().replace(day=1) + timedelta(days=32)).replace(day=2)
    # when this month is complete
    hidden = statistics(now=next_month)["accesses_by_purpose"]
    for _ in range(2):
        assert api.get(EXPORT, {"purpose": "monthly return"}).status_code == 200
    shown = statistics(now=next_month)["accesses_by_purpose"]
    prosecution = {**read, "purpose_code": "prosecution"}
    assert api.get(f"{URL_INCIDENTS}{incident.pk}/", prosecution).status_code == 200
    small_code = statistics(now=next_month)["accesses_by_purpose"]
    # then: with one export the month's exports are hidden, and so is its breakdown
    assert {"audit", "investigation", "other"} <= hidden.keys()  # every code has its row
    assert all(t["monthly"][-1] is None for t in hidden.values())
    # three exports: every code shows (words only count as other)
    assert shown["investigation"]["monthly"][-1] == 3
    assert shown["other"]["monthly"][-1] == 3
    assert shown["prosecution"]["monthly"][-1] == 0
    # one prosecution: the month is hidden whole, although person reads (4) and exports (3)
    # are shown
    assert all(t["monthly"][-1] is None for t in small_code.values())
    assert all(t["total"] is None for t in small_code.values())
