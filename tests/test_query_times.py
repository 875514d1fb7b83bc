"""Times in query filters with any offset Python reads: PostgreSQL refuses offsets beyond about
16 hours, so each is converted to UTC before the query (a 500 before), or refused with a 400
when the conversion leaves the calendar."""

from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from tests import factories

FAR_EAST = "2025-01-01T20:00:00+20:21"  # 2024-12-31T23:39Z
PATHS = [
    ("police_analyst", "/api/v1/incidents/?occurred_after={}"),
    ("police_analyst", "/api/v1/incidents/?occurred_before={}"),
    ("overseer", "/api/v1/audit/?since={}"),
    ("overseer", "/api/v1/audit/?until={}"),
    ("police_admin", "/api/v1/notifications/?since={}"),
]


@pytest.mark.parametrize(("role", "path"), PATHS)
def test_a_far_offset_is_read_in_utc(world, client_for, role, path):
    response = client_for(getattr(world, role)).get(path.format(quote(FAR_EAST)))
    assert response.status_code == 200, response.content


def test_a_far_offset_filters_by_the_instant_it_names(world, client_for):
    noon = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)  # after 2024-12-31T23:39Z, before 23:39Z
    factories.incident(world.police, world.police_submitter, occurred_at=noon, reported_at=noon)
    api = client_for(world.police_analyst)
    after = api.get(f"/api/v1/incidents/?occurred_after={quote(FAR_EAST)}")
    assert len(after.json()["results"]) == 1
    later = quote("2025-01-02T20:00:00+20:21")  # 2025-01-01T23:39Z: after every incident
    assert api.get(f"/api/v1/incidents/?occurred_after={later}").json()["results"] == []


@pytest.mark.parametrize(("role", "path"), PATHS)
def test_an_instant_before_the_calendar_is_a_400(world, client_for, role, path):
    response = client_for(getattr(world, role)).get(path.format(quote("0001-01-01T05:00:00+20:00")))
    assert response.status_code == 400, response.content
