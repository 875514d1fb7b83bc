"""Link checks may look back decades (they run in time chunks); other kinds keep the
ASSESSMENT_MAX_WINDOW_DAYS cap."""

from datetime import UTC, datetime

import pytest

from analytics.choices import Kind
from analytics.scope import normalise_params, normalise_window
from fusion.errors import Invalid

BEFORE = datetime(2026, 12, 1, tzinfo=UTC)
TWENTY_ONE_YEARS_BACK = datetime(2005, 12, 1, tzinfo=UTC)


def test_a_link_check_may_span_21_years_in_one_request():
    after, before = normalise_window(
        Kind.LINKS, normalise_params(Kind.LINKS, {}), TWENTY_ONE_YEARS_BACK, BEFORE
    )
    assert (after, before) == (TWENTY_ONE_YEARS_BACK, BEFORE)


def test_a_link_check_past_its_own_cap_is_refused(settings):
    settings.ASSESSMENT_MAX_LINK_WINDOW_DAYS = 365
    with pytest.raises(Invalid) as refused:
        normalise_window(Kind.LINKS, {}, TWENTY_ONE_YEARS_BACK, BEFORE)
    assert "at most 365 days" in str(refused.value.errors["occurred_after"])


def test_other_kinds_keep_the_three_year_cap():
    with pytest.raises(Invalid) as refused:
        normalise_window(Kind.HOTSPOTS, {}, TWENTY_ONE_YEARS_BACK, BEFORE)
    assert "at most 1096 days" in str(refused.value.errors["occurred_after"])
