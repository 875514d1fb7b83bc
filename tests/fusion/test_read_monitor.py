"""Misuse monitoring: a user who reads persons or exports far above their agency's norm raises
one finding, which oversight is notified of; a user near the norm raises none."""

import pytest
from django.utils import timezone

from fusion import audit
from fusion.models import AuditEntry, MonitorFinding, MonitorRun
from fusion.oversight.read_monitor import unusual_reads_check
from fusion.tasks import unusual_reads_check_task
from incidents.models import Incident
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/api/v1/notifications/"


def read_persons(user, agency, times: int) -> None:
    """`times` reads of an incident's persons, recorded as the incident view records them."""
    with audit.acting(user, agency_id=agency.pk):
        for _ in range(times):
            audit.log_event(
                event="incident.persons_read", model=Incident, object_pk="x", purpose="case"
            )


def export(user, agency, count: int) -> None:
    with audit.acting(user, agency_id=agency.pk):
        audit.log_event(event="incident.export", model=Incident, details={"count": count})


def monitor_notices(client_for, user) -> list[dict]:
    response = client_for(user).get(URL)
    assert response.status_code == 200, response.content
    return [n for n in response.json()["results"] if n["kind"] == "unusual_reads"]


def test_a_user_reading_far_above_the_agency_norm_is_told_to_oversight_once(world, client_for):
    # given: one police analyst reads 50 persons, the two other police users 2 each
    read_persons(world.police_analyst, world.police, 50)
    read_persons(world.police_submitter, world.police, 2)
    read_persons(world.police_admin, world.police, 2)
    # when
    unusual_reads_check_task()
    unusual_reads_check_task()  # again over the same window
    # then
    [finding] = MonitorFinding.objects.all()
    assert (finding.user, finding.agency, finding.measure) == (
        world.police_analyst,
        world.police,
        "person_reads",
    )
    assert (finding.count, finding.norm, finding.threshold) == (50, 2, 20)
    [notice] = monitor_notices(client_for, world.overseer)
    assert notice["username"] == "police_analyst"
    assert (notice["agency"], notice["measure"], notice["count"]) == ("police", "person_reads", 50)
    assert monitor_notices(client_for, world.platform_admin) == [notice]
    # the user's own agency admin is not told, nor does the audit entry name the agency
    assert monitor_notices(client_for, world.police_admin) == []
    entry = AuditEntry.objects.get(content_type__model="monitorfinding")
    assert entry.object_agency_id is None
    assert MonitorRun.objects.filter(finished_at__isnull=False, error="").count() == 4


def test_reads_near_the_norm_or_under_the_floor_raise_nothing(world, client_for):
    # given: police users read alike; a levies user reads under the floor with no peers
    for user in (world.police_analyst, world.police_submitter, world.police_admin):
        read_persons(user, world.police, 25)
    read_persons(world.levies_analyst, world.levies, 20)
    # when
    runs = unusual_reads_check()
    # then
    assert MonitorFinding.objects.count() == 0
    assert sum(run.found for run in runs) == 0
    assert monitor_notices(client_for, world.overseer) == []


def test_exports_far_above_the_floor_in_an_agency_without_peers_raise_a_finding(world):
    # given: levies' only exporter exports 10,000 incidents; police users export 100 each
    export(world.levies_analyst, world.levies, 10_000)
    export(world.police_analyst, world.police, 100)
    export(world.police_admin, world.police, 100)
    # when
    unusual_reads_check()
    # then
    [finding] = MonitorFinding.objects.all()
    assert (finding.user, finding.measure, finding.norm, finding.threshold) == (
        world.levies_analyst,
        "exported_incidents",
        0,
        2000,
    )


def test_person_reads_through_the_api_are_counted(world, client_for, settings):
    # given: a floor of 3 and a police analyst reading an incident's persons 4 times
    settings.MONITOR_READS_FLOOR_PERSON_READS = 3
    incident = factories.incident(world.police, world.police_submitter)
    api = client_for(world.police_analyst)
    for _ in range(4):
        response = api.get(
            f"/api/v1/incidents/{incident.pk}/", {"include": "persons", "purpose": "case 12/2026"}
        )
        assert response.status_code == 200, response.content
    # when
    unusual_reads_check(now=timezone.now())
    # then
    [finding] = MonitorFinding.objects.all()
    assert (finding.user, finding.agency, finding.count) == (
        world.police_analyst,
        world.police,
        4,
    )
