"""The API's times as the console's pages read them."""

from datetime import UTC, datetime

from fusion.console.times import api_time, with_times


def test_an_api_time_is_read_and_a_non_time_is_none() -> None:
    at = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    assert api_time("2026-05-01T12:00:00Z") == at
    assert api_time(at) is at
    assert api_time("2026-02-30T12:00:00Z") is None  # well formed, no such day
    assert [api_time(v) for v in (None, "", 7, "soon")] == [None, None, None, None]


def test_rows_get_their_times_and_keep_the_rest() -> None:
    rows = with_times([{"id": 1, "created_at": "2026-05-01T12:00:00+00:00"}], "created_at", "x")
    assert rows == [{"id": 1, "created_at": datetime(2026, 5, 1, 12, 0, tzinfo=UTC)}]
