"""Flags people act on: raised on approval, acknowledged, given outcomes, summed up as KPIs.

The seeded world: three approved results of the police raise 10 flags on Monday 2 March 2026
at 09:00 (6 forecast cells, 2 hot cells, 2 surges), all about the week from 2 March. Four are
acknowledged 1, 2, 5 and 24 hours later. Three get an incident in their period (forecast
cell 0, hot cell 22, the Pishin robbery surge); incidents just outside the period, retracted,
or of another agency that the police cannot see change nothing.
"""

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time

from agencies.models import Membership
from analytics.flag_outcomes import flags_update
from analytics.flags import flag_acknowledge
from analytics.models import Assessment, AssessmentInput, Flag
from analytics.reports import report_content, report_generate
from analytics.services import assessment_review
from analytics.tasks import flags_update_task
from fusion.models import AuditEntry
from incidents.districts import register
from tests import factories

APPROVED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WEEK = datetime(2026, 3, 2, tzinfo=UTC)
AFTER_WEEK = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
GRID = {"south": 30.0, "west": 67.0, "cell_m": 1000.0, "nx": 10, "ny": 10}
STEP = 0.01  # a cell's side in degrees, as its geometry gives it
QUERIES = 14  # per request, whatever the number of flags
FORECAST_CELLS = [0, 1, 2, 3, 4, 5]
HOT_CELLS = [22, 23]


def cell(cell_id: int) -> dict:
    row, col = divmod(cell_id, GRID["nx"])
    w, s = GRID["west"] + col * STEP, GRID["south"] + row * STEP
    ring = [[w, s], [w + STEP, s], [w + STEP, s + STEP], [w, s + STEP], [w, s]]
    return {"id": cell_id, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def inside(cell_id: int) -> tuple[float, float]:
    row, col = divmod(cell_id, GRID["nx"])
    return GRID["south"] + (row + 0.5) * STEP, GRID["west"] + (col + 0.5) * STEP


def pending(world, kind: str, result: dict, scope: dict, params: dict) -> Assessment:
    return Assessment.objects.create(
        kind=kind, status="pending_review", requester=world.police_analyst, agency=world.police,
        scope=scope, params=params, scope_key=f"flags-{kind}", method_version="1",
        code_version="test", result={"warnings": [], **result}, tlp="AMBER",
    )  # fmt: skip


WINDOW = {"occurred_after": "2026-02-02T00:00:00+00:00", "occurred_before": WEEK.isoformat()}


def seeded_results(world) -> list[Assessment]:
    forecast = pending(
        world,
        "forecast",
        {
            "forecast_start": "2026-03-02", "period": "week", "grid": GRID,
            "cells": [cell(c) for c in FORECAST_CELLS], "flagged_cells": FORECAST_CELLS,
        },
        {"area": {}, "categories": [], **WINDOW},
        {"period": "week", "forecast_start": "2026-03-02"},
    )  # fmt: skip
    hotspots = pending(
        world,
        "hotspots",
        {"grid": GRID, "cells": [cell(c) for c in HOT_CELLS], "hot_cells": HOT_CELLS},
        {"area": {}, "categories": [], **WINDOW},
        {"cell_size_km": 1.0},
    )
    surges = pending(
        world,
        "surges",
        {"flagged": ["Pishin|robbery", "Quetta|armed-assault"]},
        {"area": {}, "categories": [], **WINDOW},
        {"period": "week"},
    )
    return [forecast, hotspots, surges]


def happened(world, owner, by, at: tuple[float, float], when: datetime, **extra):
    return factories.incident(
        owner, by, latitude=at[0], longitude=at[1], occurred_at=when,
        reported_at=when + timedelta(hours=1), category=extra.pop("category", "robbery"),
        tlp="AMBER", **extra,
    )  # fmt: skip


@pytest.fixture
def seeded(world):
    # given: three results approved at 09:00 on 2 March by a second analyst (four eyes)
    reviewer = factories.member(world.police, "analyst", "police_reviewer")
    results = seeded_results(world)
    with freeze_time(APPROVED):
        for assessment in results:
            assessment_review(
                actor=reviewer, assessment=assessment, decision="approve",
                rationale="seen and checked by a second analyst",
            )  # fmt: skip
    flags = {(f.kind, f.key): f for f in Flag.objects.all()}
    # four acknowledged after 1, 2, 5 and 24 hours
    acks = [
        (("forecast", "0"), 1, "patrol", ""),
        (("forecast", "1"), 2, "patrol", ""),
        (("hotspots", "22"), 5, "inquiry", ""),
        (("surges", "Pishin|robbery"), 24, "none", "already covered by a standing checkpoint"),
    ]
    for key, hours, action, reason in acks:
        with freeze_time(APPROVED + timedelta(hours=hours)):
            flag_acknowledge(
                actor=world.police_analyst, flag=flags[key], action=action, reason=reason
            )
    # three flags get an incident in their week
    police, submitter = world.police, world.police_submitter
    happened(world, police, submitter, inside(0), WEEK + timedelta(days=1))
    happened(world, police, submitter, inside(22), WEEK + timedelta(days=3))
    happened(world, police, submitter, (30.45, 67.0), WEEK + timedelta(days=6), district="Pishin")
    # ...and these change nothing: after and before the week, retracted, hidden from police
    happened(world, police, submitter, inside(1), WEEK + timedelta(days=7))
    happened(world, police, submitter, inside(2), WEEK - timedelta(minutes=1))
    happened(world, police, submitter, inside(5), WEEK + timedelta(days=2), status="retracted")
    happened(world, world.levies, world.levies_submitter, inside(3), WEEK + timedelta(days=2))
    return results


def test_flags_are_raised_on_approval_with_district_and_period(world, seeded):
    # then
    flags = list(Flag.objects.order_by("kind", "key"))
    assert len(flags) == 10
    assert {f.created_at for f in flags} == {APPROVED}
    assert {(f.period_start, f.period_end) for f in flags} == {(WEEK, WEEK + timedelta(days=7))}
    quetta = register().district_at(*inside(0))
    assert {f.district for f in flags if f.kind != "surges"} == {quetta}
    surge = Flag.objects.get(key="Pishin|robbery")
    assert (surge.district, surge.place) == (
        "Pishin",
        {"district": "Pishin", "category": "robbery"},
    )
    assert Flag.objects.get(kind="forecast", key="0").place["bbox"] == [67.0, 30.0, 67.01, 30.01]


def test_outcomes_are_computed_by_the_task_from_what_the_agency_sees(world, seeded):
    # when: the hourly task runs before, then after the week has ended
    with freeze_time(WEEK + timedelta(days=6)):
        assert flags_update_task() == 0
    with freeze_time(AFTER_WEEK):
        computed = flags_update_task()
    # then
    assert computed == 10
    occurred = {(f.kind, f.key) for f in Flag.objects.filter(outcome=True)}
    assert occurred == {("forecast", "0"), ("hotspots", "22"), ("surges", "Pishin|robbery")}
    assert Flag.objects.filter(outcome=False).count() == 7
    assert set(Flag.objects.values_list("outcome_source", flat=True)) == {"computed"}
    # the levies incident in cell 3 is hidden from the police: no outcome the police see
    assert Flag.objects.get(kind="forecast", key="3").outcome_incidents == 0
    # the forecast's grid held 2 incidents the police see in the week
    assert {f.place["area_incidents"] for f in Flag.objects.filter(kind="forecast")} == {2}
    # computed once: a second run changes nothing
    with freeze_time(AFTER_WEEK + timedelta(hours=1)):
        assert flags_update_task() == 0


def expected_kpis() -> dict:
    """The KPIs of the seeded world, worked out by hand."""
    return {
        "flags": 10,
        "acknowledged": 4,
        "acknowledged_share": 0.4,
        # delays 1, 2, 5, 24 hours: median (2 + 5) / 2, mean 32 / 4
        "hours_to_acknowledge": {"median": 3.5, "mean": 8.0},
        "actions": {"patrol": 2, "inquiry": 1, "none": 1},
        "with_outcome": 10,
        "incident_occurred": 3,
        "no_incident": 7,
        "false_positive_rate": 0.7,
        "false_positive_rate_by_method": {
            "forecast": {"with_outcome": 6, "no_incident": 5, "rate": 0.8333},
            "hotspots": {"with_outcome": 2, "no_incident": 1, "rate": 0.5},
            "surges": {"with_outcome": 2, "no_incident": 1, "rate": 0.5},
        },
        "false_positive_rate_by_district": {
            "Pishin": {"with_outcome": 1, "no_incident": 0, "rate": 0.0},
            # 8 cells (2 hit) and the Quetta surge (none)
            "Quetta": {"with_outcome": 9, "no_incident": 7, "rate": 0.7778},
        },
        # 2 incidents in the forecast's grid that week, 1 in a flagged cell
        "forecast_hit_rate": {"forecasts": 1, "hits": 1, "incidents": 2, "rate": 0.5},
    }


def test_kpis_of_the_seeded_world_match_the_hand_count(world, seeded, client_for):
    # given
    with freeze_time(AFTER_WEEK):
        flags_update_task()
        # when
        response = client_for(world.police_analyst).get(
            "/api/v1/kpis/", {"period": "week", "periods": 2}
        )
    # then
    assert response.status_code == 200, response.content
    weeks = response.json()["periods"]
    assert [(w["period_start"], w["flags"]) for w in weeks] == [
        ("2026-03-02", 10),
        ("2026-03-09", 0),
    ]
    skipped = ("period_start", "period_end", "time_to_insight")  # its own test below
    first = {k: v for k, v in weeks[0].items() if k not in skipped}
    assert first == expected_kpis()
    assert weeks[1]["acknowledged_share"] is None  # no flags: no share, not 0


def test_time_to_insight_is_request_to_approval_of_the_periods_results(world, seeded, client_for):
    # given: the three results were requested 2, 4 and 30 hours before their approval, and a
    # fourth, requested as long before, was approved and then withdrawn
    for hours, assessment in zip((2, 4, 30), seeded, strict=True):
        Assessment.objects.filter(pk=assessment.pk).update(
            created_at=APPROVED - timedelta(hours=hours)
        )
    withdrawn = seeded_results(world)[0]
    Assessment.objects.filter(pk=withdrawn.pk).update(
        status="withdrawn", reviewed_at=APPROVED, created_at=APPROVED - timedelta(hours=100)
    )
    # when
    with freeze_time(AFTER_WEEK):
        weeks = (
            client_for(world.police_analyst)
            .get("/api/v1/kpis/", {"period": "week", "periods": 2})
            .json()["periods"]
        )
        levies = (
            client_for(world.levies_analyst)
            .get("/api/v1/kpis/", {"period": "week", "periods": 2})
            .json()["periods"]
        )
    # then: median of 2, 4, 30 hours and their mean, in the week of the approval only
    assert weeks[0]["time_to_insight"] == {"count": 3, "median": 4.0, "mean": 12.0}
    assert weeks[1]["time_to_insight"] == {"count": 0, "median": None, "mean": None}
    # and another agency's KPIs hold none of them
    assert [w["time_to_insight"]["count"] for w in levies] == [0, 0]


def test_time_to_insight_counts_only_what_the_caller_may_see(world, seeded, client_for):
    # given: one result's snapshot holds a levies incident the police were never shown; a
    # police colleague who did not request it, and a member of both agencies
    hidden = factories.incident(world.levies, world.levies_submitter)
    AssessmentInput.objects.create(
        assessment=seeded[0], incident_id=hidden.pk, incident_version=hidden.version,
        agency_id=hidden.agency_id, occurred_at=hidden.occurred_at, category=hidden.category_id,
        latitude=hidden.latitude, longitude=hidden.longitude, district=hidden.district,
    )  # fmt: skip
    colleague = factories.member(world.police, "analyst", "police_colleague")
    both = factories.member(world.police, "analyst", "in_both")
    Membership.objects.create(user=both, agency=world.levies, role="analyst")
    both.groups.add(world.levies.group)
    week = {"period": "week", "periods": 2}

    def counted(user, **params) -> int:
        with freeze_time(AFTER_WEEK):
            body = client_for(user).get("/api/v1/kpis/", {**week, **params}).json()
        return body["periods"][0]["time_to_insight"]["count"]

    # then: the requester counts all three, the colleague the two whose inputs they see
    assert counted(world.police_analyst) == 3
    assert counted(colleague) == 2
    # and a member of both agencies counts the police's results for the police only
    assert counted(both, agency="police") == 3
    assert counted(both, agency="levies") == 0


def test_kpis_before_outcomes_count_only_acknowledgements(world, seeded, client_for):
    with freeze_time(WEEK + timedelta(days=3)):
        response = client_for(world.police_admin).get("/api/v1/kpis/", {"period": "month"})
    month = response.json()["periods"][-1]
    assert (month["period_start"], month["flags"], month["acknowledged"]) == ("2026-03-01", 10, 4)
    assert (month["with_outcome"], month["false_positive_rate"]) == (0, None)


def test_another_agencys_kpis_hold_none_of_these_flags(world, seeded, client_for):
    with freeze_time(AFTER_WEEK):
        flags_update_task()
        response = client_for(world.levies_analyst).get("/api/v1/kpis/", {"period": "week"})
    assert response.json()["agency"] == "levies"
    assert sum(w["flags"] for w in response.json()["periods"]) == 0


@pytest.mark.parametrize(
    ("params", "field"), [({"period": "day"}, "period"), ({"periods": "0"}, "periods")]
)
def test_kpis_refuse_bad_parameters(world, client_for, params, field):
    response = client_for(world.police_analyst).get("/api/v1/kpis/", params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_the_report_shows_the_flag_kpis(world, seeded):
    # given
    with freeze_time(AFTER_WEEK):
        flags_update_task()
    report = report_generate(agency=world.police, start=WEEK.date(), end=WEEK.date() + timedelta(7))
    # when
    content = report_content(report)
    # then
    assert content["kpis"]["flags"] == expected_kpis()
    assert not any("acknowledge" in item for item in content["kpis"]["not_measured"])
    from analytics.report_text import kpi_lines

    text = "\n".join(kpi_lines(content["kpis"]))
    assert "Flags 10, acknowledged 4 (share 0.4); hours to acknowledge: median 3.5" in text
    assert "false-positive rate 0.7" in text
    assert "Forecast hit rate 0.5 (1 of 2 incidents in 1 forecast(s))" in text


def flags_url(flag: Flag, action: str = "") -> str:
    tail = f"{flag.pk}/{action}/" if action else ""
    return f"/api/v1/assessments/{flag.assessment_id}/flags/{tail}"


def test_flags_are_listed_with_acknowledgement_to_who_sees_the_assessment(
    world, seeded, client_for
):
    flag = Flag.objects.get(kind="hotspots", key="22")
    # when
    mine = client_for(world.police_submitter).get(flags_url(flag))
    theirs = client_for(world.levies_analyst).get(flags_url(flag))
    # then
    assert mine.status_code == 200
    rows = {row["key"]: row for row in mine.json()["results"]}
    assert rows["22"]["acknowledgement"]["action"] == "inquiry"
    assert rows["22"]["acknowledgement"]["by"] == "police_analyst"
    assert rows["23"]["acknowledgement"] is None
    assert theirs.status_code == 404
    assert AuditEntry.objects.filter(event="assessment.flags_read").count() == 1


def test_acknowledging_is_once_with_a_valid_action_and_reason(world, seeded, client_for):
    flag = Flag.objects.get(kind="hotspots", key="23")
    analyst = client_for(world.police_admin)
    url = flags_url(flag, "acknowledge")
    # a reason is needed for no action; an unknown action is refused
    no_reason = analyst.post(url, {"action": "none"}, format="json")
    assert (no_reason.status_code, list(no_reason.json()["errors"])) == (400, ["reason"])
    bad = analyst.post(url, {"action": "arrest"}, format="json")
    assert (bad.status_code, list(bad.json()["errors"])) == (400, ["action"])
    # a submitter sees the flag but does not act on it; another agency does not see it
    assert client_for(world.police_submitter).post(url, {"action": "patrol"}).status_code == 403
    assert client_for(world.levies_admin).post(url, {"action": "patrol"}).status_code == 404
    # once
    first = analyst.post(url, {"action": "patrol"}, format="json")
    assert first.status_code == 200
    assert first.json()["acknowledgement"]["action"] == "patrol"
    again = analyst.post(url, {"action": "inquiry"}, format="json")
    assert again.status_code == 409
    assert Flag.objects.get(pk=flag.pk).action == "patrol"
    changes = AuditEntry.objects.filter(object_pk=str(flag.pk), content_type__model="flag")
    assert changes.filter(actor=world.police_admin).count() == 1  # the acknowledgement


def test_a_computed_outcome_is_not_recorded_by_hand_but_a_links_is(world, seeded, client_for):
    analyst = client_for(world.police_analyst)
    cell_flag = Flag.objects.get(kind="forecast", key="4")
    with freeze_time(AFTER_WEEK):
        computed = analyst.post(flags_url(cell_flag, "outcome"), {"occurred": True})
    assert computed.status_code == 409
    # given: an approved links result
    pair = [str(factories.incident(world.police, world.police_submitter).pk) for _ in range(2)]
    links = pending(
        world, "links", {"links": [{"incidents": pair, "agencies": ["police", "police"]}]}, {}, {}
    )
    reviewer = factories.member(world.police, "coordinator", "police_coordinator")
    assessment_review(
        actor=reviewer, assessment=links, decision="approve", rationale="links checked by hand"
    )
    link_flag = links.flags.get()
    assert (link_flag.key, link_flag.period_end) == ("|".join(pair), None)
    # when
    recorded = analyst.post(
        flags_url(link_flag, "outcome"), {"occurred": False, "note": "two events"}, format="json"
    )
    # then
    assert recorded.status_code == 200, recorded.content
    assert recorded.json()["outcome"]["source"] == "recorded"
    assert analyst.post(flags_url(link_flag, "outcome"), {"occurred": True}).status_code == 409


def test_a_withdrawn_results_flags_leave_the_kpis_and_take_no_acknowledgement(
    world, seeded, client_for
):
    from analytics.services import assessment_withdraw

    forecast = seeded[0]
    assessment_withdraw(
        actor=world.police_analyst, assessment=forecast, rationale="grid was misconfigured"
    )
    flag = forecast.flags.get(key="5")
    with pytest.raises(Exception, match="withdrawn"):
        flag_acknowledge(actor=world.police_admin, flag=flag, action="patrol")
    with freeze_time(AFTER_WEEK):
        response = client_for(world.police_analyst).get("/api/v1/kpis/", {"period": "week"})
    assert sum(w["flags"] for w in response.json()["periods"]) == 4


@pytest.mark.parametrize(
    ("k", "shown"),
    [
        # every count shown: the rates of the hand count
        (1, {"ack": 4, "median": 3.5, "fp": 0.7, "forecast_fp": 0.8333, "hit": 0.5}),
        # 1 forecast hit, 1 hotspots miss are small: the breakdown's month and the hit rate hide
        (3, {"ack": 4, "median": 3.5, "fp": 0.7, "forecast_fp": None, "hit": None}),
        # 4 acknowledgements and 3 incidents are small: their median and rates hide with them
        (5, {"ack": None, "median": None, "fp": None, "forecast_fp": None, "hit": None}),
    ],
)
def test_transparency_publishes_flag_kpis_under_the_suppression_rule(
    world, seeded, settings, client_for, k, shown
):
    # given
    settings.FUSION_TRANSPARENCY_MIN_CELL = k
    with freeze_time(AFTER_WEEK):
        flags_update_task()
    # when: published once March 2026 is complete
    with freeze_time(datetime(2026, 4, 2, tzinfo=UTC)):
        body = client_for(None).get("/api/v1/transparency/").json()
    # then
    march = body["months"].index("2026-03")
    measures, kpis = body["measures"], body["flag_kpis"]
    assert measures["flags_raised"]["monthly"][march] == 10
    assert measures["flags_acknowledged"]["monthly"][march] == shown["ack"]
    assert kpis["median_hours_to_acknowledge"][march] == shown["median"]
    assert kpis["false_positive_rate"][march] == shown["fp"]
    assert kpis["by_method"]["forecast"]["false_positive_rate"][march] == shown["forecast_fp"]
    assert kpis["forecast_hit_rate"][march] == shown["hit"]
    assert "police" not in str(kpis)  # no agency
    assert "Quetta" not in str(kpis)  # no district


def test_a_real_hotspots_run_flags_its_hot_cells_and_their_outcome_follows_the_grid(
    world, scene, client_for, django_capture_on_commit_callbacks
):
    import numpy as np

    from analytics.methods.grid import Grid
    from analytics.services import assessment_run
    from tests.analytics.conftest import BBOX, BEFORE, HOT, hotspot_request

    # given: a hotspots run over the scene, approved by a second analyst
    response = client_for(world.police_analyst).post(
        "/api/v1/assessments/", hotspot_request(), format="json"
    )
    assessment = Assessment.objects.get(pk=response.json()["id"])
    assessment_run(str(assessment.pk))
    assessment.refresh_from_db()
    reviewer = factories.member(world.police, "analyst", "police_reviewer")
    assessment_review(
        actor=reviewer, assessment=assessment, decision="approve",
        rationale="cluster checked against patrol logs",
        acknowledged_warnings=assessment.result["warnings"],
    )  # fmt: skip
    hot = assessment.result["hot_cells"]
    assert sorted(int(f.key) for f in assessment.flags.all()) == sorted(hot) != []
    # when: an incident at the cluster in the week after the window, then the task
    when = BEFORE + timedelta(days=2)
    happened(world, world.police, world.police_submitter, HOT, when)
    computed = flags_update(now=BEFORE + timedelta(days=8))
    # then: the flag of the grid cell holding it (as the runner's grid locates it) has it
    spec = assessment.result["grid"]
    grid = Grid(spec["south"], spec["west"], spec["cell_m"], spec["nx"], spec["ny"],
                (BBOX[1] + BBOX[3]) / 2)  # fmt: skip
    cell_id = int(grid.locate(np.array([HOT[0]]), np.array([HOT[1]]))[0])
    assert computed == len(hot)
    assert {f.key for f in assessment.flags.filter(outcome=True)} == {str(cell_id)}


def test_a_failed_computation_is_recorded_and_a_person_may_then_decide(world, seeded, client_for):
    # given: a hotspots result whose stored grid is broken
    hot = Flag.objects.filter(kind="hotspots")
    for flag in hot:
        flag.place = {**flag.place, "grid": {"west": 67.0}}
        flag.save()
    # when
    with freeze_time(AFTER_WEEK):
        computed = flags_update_task()
    # then: the others are computed, these carry the reason and no outcome
    assert computed == 8
    failed = Flag.objects.get(kind="hotspots", key="23")
    assert failed.outcome is None
    assert "KeyError" in failed.outcome_error
    # a person records it; the next run keeps what they recorded
    with freeze_time(AFTER_WEEK):
        response = client_for(world.police_analyst).post(
            flags_url(failed, "outcome"), {"occurred": True, "note": "seen on patrol"}
        )
    assert response.status_code == 200, response.content
    with freeze_time(AFTER_WEEK + timedelta(hours=1)):
        flags_update_task()
    failed.refresh_from_db()
    assert (failed.outcome, failed.outcome_source) == (True, "recorded")


@pytest.mark.parametrize(
    ("kind", "result"),
    [("hotspots", {"hot_cells": [], "cells": []}), ("surges", {"flagged": []}), ("links", {})],
)
def test_a_result_with_nothing_flagged_is_approved_without_flags(world, kind, result):
    assessment = pending(world, kind, result, {}, {})
    reviewer = factories.member(world.police, "coordinator", "police_coordinator")
    assessment_review(
        actor=reviewer, assessment=assessment, decision="approve", rationale="nothing to flag here"
    )
    assert assessment.flags.count() == 0


def test_listing_flags_and_kpis_take_a_fixed_number_of_queries(
    world, seeded, client_for, django_assert_max_num_queries
):
    api = client_for(world.police_analyst)
    forecast = seeded[0]
    api.get(f"/api/v1/assessments/{forecast.pk}/flags/")  # warm: token, roles
    with django_assert_max_num_queries(QUERIES):
        listed = api.get(f"/api/v1/assessments/{forecast.pk}/flags/")
    assert len(listed.json()["results"]) == 6
    with django_assert_max_num_queries(QUERIES):
        assert api.get("/api/v1/kpis/", {"periods": 12}).status_code == 200
