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
from fusion.sharing import share_grant
from fusion.transparency import Table, months, suppress
from incidents.models import Incident
from tests import factories

URL = "/api/v1/transparency/"


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
