"""Public transparency statistics: suppression proven over random tables (Hypothesis), and the
endpoint's content on seeded activity."""

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusion.sharing import share_grant
from fusion.transparency import Table, months, suppress
from tests import factories

URL = "/api/v1/transparency/"


@given(
    counts=st.lists(st.integers(0, 40) | st.integers(0, 3), min_size=1, max_size=12),
    k=st.integers(2, 15),
)
def test_no_suppressed_count_can_be_published_or_worked_out(counts, k):
    # when
    table = suppress(counts, k)
    # then nothing small is shown
    shown = [n for n in table.cells if n is not None]
    assert all(n == 0 or n >= k for n in shown)
    assert table.total is None or table.total == 0 or table.total >= k
    # what is shown is true
    assert all(c in (None, n) for c, n in zip(table.cells, counts, strict=True))
    assert table.total in (None, sum(counts))
    # every small count is hidden
    assert all(c is None for c, n in zip(table.cells, counts, strict=True) if 0 < n < k)
    hidden = [n for c, n in zip(table.cells, counts, strict=True) if c is None]
    if table.total is not None and hidden:
        # the hidden counts (each at least 1: zeros are shown) sum to the total minus what is
        # shown; none is pinned only if there are two or more and their sum exceeds their number
        assert len(hidden) >= 2
        hidden_sum = table.total - sum(shown)
        assert hidden_sum == sum(hidden)
        for index in range(len(hidden)):
            low, high = 1, hidden_sum - (len(hidden) - 1)
            assert high > low, (counts, k, table, index)


def test_a_single_small_month_takes_the_smallest_other_month_with_it():
    # when
    table = suppress([0, 50, 3, 12, 40], 10)
    # then
    assert table.cells == [0, 50, None, None, 40]
    assert table.total == 105


def test_a_small_total_hides_everything_but_the_zeros():
    assert suppress([0, 4, 3], 10) == Table([0, None, None], None)


def test_the_last_twelve_calendar_months_end_with_this_one():
    starts = months(datetime(2026, 3, 15, 12, tzinfo=UTC))
    assert [s.strftime("%Y-%m") for s in starts][:2] == ["2025-04", "2025-05"]
    assert starts[-1] == datetime(2026, 3, 1, tzinfo=UTC)
    assert len(starts) == 12


@pytest.mark.django_db
def test_the_endpoint_is_public_and_publishes_only_suppressed_aggregates(world, client_for):
    # given: this month, 12 incidents and 3 shares
    made = [factories.incident(world.police, world.police_submitter) for _ in range(12)]
    for incident in made[:3]:
        share_grant(
            actor=world.police_admin,
            incident=incident,
            agency=world.levies,
            level="view",
            purpose="transparency test",
        )
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
