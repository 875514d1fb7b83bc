"""Assessments through the API: lifecycle, scope, evidence, review, visibility, GeoJSON."""

import json

import pytest

from analytics.models import Assessment, AssessmentInput
from analytics.runners import RUNNERS, Job
from analytics.snapshot import load_inputs
from fusion import outbox
from fusion.models import AuditEntry
from fusion.sharing.shares import share_grant, share_revoke
from incidents.models import Incident
from tests import factories
from tests.analytics.conftest import AFTER, BBOX, BEFORE, HOT, hotspot_request, ingest, records

pytestmark = pytest.mark.django_db
URL = "/api/v1/assessments/"


def run(api, body, capture):
    """POST the request and let the commit hook run the task in-process."""
    with capture(execute=True):
        response = api.post(URL, body, format="json")
    assert response.status_code == 202, response.content
    return Assessment.objects.get(pk=response.json()["id"])


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def test_request_is_accepted_queued_and_computed_into_a_pending_result(
    world, scene, client_for, capture
):
    api = client_for(world.police_analyst)
    with capture(execute=False) as hooks:
        response = api.post(URL, hotspot_request(), format="json")
    body = response.json()
    assert response.status_code == 202
    assert body["status"] == "queued"
    assert body["input_count"] == 160  # the police incidents; the levies ones are not visible
    assert len(body["input_hash"]) == 64
    assert body["method_version"]
    assert body["code_version"]
    assert len(hooks) == 1  # the task is sent once the request commits

    hooks[0]()
    done = api.get(f"{URL}{body['id']}/").json()
    assert done["status"] == "pending_review"
    assert done["progress"] == 100
    assert set(done["timings"]) == {"load_s", "compute_s", "total_s"}
    result = done["result"]
    assert {"cells", "bias_checks", "warnings", "notice", "parameters"} <= set(result)
    hot = [c for c in result["cells"] if c["kind"] == "hot"]
    assert hot, "the planted cluster is not found"
    cluster = {str(i) for i in scene.cluster}
    evidence = {i for c in hot for i in c["incidents"]}
    assert len(cluster & evidence) >= 30
    for cell in hot:
        assert cell["q"] <= 0.05
        assert cell["significant"]
        assert cell["geometry"]["type"] == "Polygon"
    assert {"district_disparity", "reporting_density"} <= set(result["bias_checks"])


def test_adding_incidents_the_requester_cannot_see_leaves_the_result_byte_identical(
    world, scene, client_for, capture
):
    api = client_for(world.police_analyst)
    run(api, hotspot_request(), capture)  # an earlier run: both below compare with one
    first = run(api, hotspot_request(), capture)
    assert first.result["bias_checks"]["persistence"]["share_repeated"] == 1.0
    ingest(world.levies, world.levies_submitter, records(200, seed=9, centre=HOT))
    second = run(api, hotspot_request(), capture)
    assert second.input_hash == first.input_hash
    assert json.dumps(second.result, sort_keys=True) == json.dumps(first.result, sort_keys=True)

    # the same incidents, once shared with police, do change it: the test can fail
    for incident in Incident.objects.filter(agency=world.levies):
        share_grant(
            actor=world.levies_admin,
            incident=incident,
            agency=world.police,
            level="view",
            purpose="joint analysis",
        )
    third = run(api, hotspot_request(), capture)
    assert third.input_count > first.input_count
    assert third.result != first.result


def test_the_snapshot_holds_only_visible_incidents_and_reproduces_the_result(
    world, scene, client_for, capture
):
    assessment = run(client_for(world.police_analyst), hotspot_request(), capture)
    stored = set(
        AssessmentInput.objects.filter(assessment=assessment).values_list("incident_id", flat=True)
    )
    assert stored == set(scene.cluster) | set(scene.background)
    assert not stored & set(scene.hidden)
    # re-running the method on the stored snapshot gives the stored result
    job = Job(
        load_inputs(assessment),
        assessment.scope,
        {**assessment.params, "seed": assessment.seed},
        None,
        lambda pct: None,
    )
    again = json.loads(json.dumps(RUNNERS["hotspots"](job), sort_keys=True))
    assert all(again[k] == assessment.result[k] for k in again)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "hotspots", "params": {"national_id": "123"}}, "params.national_id"),
        ({"kind": "forecast", "area": {"person": "x"}}, "area.person"),
        ({"kind": "hotspots", "national_id": "35202"}, "national_id"),
        ({"kind": "hotspots", "params": {"bandwidth": 2}}, "params.bandwidth"),
        ({"kind": "hotspots", "params": {"fdr": 2}}, "params.fdr"),
        ({"kind": "hotspots", "params": {"cell_size_km": "big"}}, "params.cell_size_km"),
        ({"kind": "surges", "params": {"period": "year"}}, "params.period"),
        ({"kind": "hotspots", "area": {"bbox": [1, 2, 3]}}, "area.bbox"),
        ({"kind": "hotspots", "area": {"bbox": [-170, -80, 170, 80]}}, "area.bbox"),
        ({"kind": "hotspots", "categories": ["no-such"]}, "categories"),
        ({"kind": "nothing"}, "kind"),
        ({"kind": "hotspots", "params": {"cell_size_km": 10**400}}, "params.cell_size_km"),
        ({"kind": "surges", "params": {"baseline_periods": 10**400}}, "params.baseline_periods"),
        ({"kind": "hotspots", "area": {"bbox": [10**400, 0, 1, 1]}}, "area.bbox"),
        ({"kind": "forecast", "params": {"forecast_start": "0001-01-01"}}, "params.forecast_start"),
        ({"kind": "hotspots", "occurred_before": "0001-01-02T00:00:00Z"}, "occurred_before"),
        (
            {
                "kind": "hotspots",
                "params": {"cell_size_km": 0.05},
                "area": {"bbox": [66.0, 29.5, 67.5, 31.0]},
            },
            "params.cell_size_km",
        ),
        (
            {
                "kind": "surges",
                "params": {"period": "month"},
                "occurred_after": "2025-05-01T00:00:00Z",
                "occurred_before": "2025-06-15T00:00:00Z",
            },
            "occurred_after",
        ),
        (
            {
                "kind": "hotspots",
                "occurred_after": "2020-01-01T00:00:00Z",
                "occurred_before": "2025-01-01T00:00:00Z",
            },
            "occurred_after",
        ),
    ],
)
def test_bad_requests_get_400_naming_the_field_and_store_nothing(world, client_for, body, field):
    response = client_for(world.police_analyst).post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Assessment.objects.exists()


def test_null_parameters_take_their_defaults(world, scene, client_for, capture):
    api = client_for(world.police_analyst)
    nulls = {"cell_size_km": None, "fdr": None}
    assessment = run(api, hotspot_request(params=nulls), capture)
    assert assessment.params == {"cell_size_km": 1.0, "fdr": 0.05, "outliers": "keep"}
    assert assessment.status == "pending_review"


def test_a_grid_too_fine_for_the_snapshot_extent_is_refused_at_request(world, client_for):
    # no bbox: the grid would cover the extent of the visible incidents, Quetta to Gwadar
    rows = records(20, seed=2, centre=HOT) + records(20, seed=3, centre=(25.12, 62.33))
    ingest(world.police, world.police_submitter, rows)
    body = {**hotspot_request(), "params": {"cell_size_km": 0.2}, "area": {}}
    response = client_for(world.police_analyst).post(URL, body, format="json")
    assert response.status_code == 400
    assert "cells, above the" in response.json()["errors"]["params.cell_size_km"][0]
    assert not Assessment.objects.exists()
    assert not AssessmentInput.objects.exists()


def test_bad_ids_and_formats_are_404_and_400(world, scene, client_for, capture):
    api = client_for(world.police_analyst)
    assert api.get(f"{URL}not-a-uuid/").status_code == 404
    assert api.post(f"{URL}not-a-uuid/review/", {}, format="json").status_code == 404
    assessment = run(api, hotspot_request(), capture)
    response = api.get(f"{URL}{assessment.pk}/?format=xml")
    assert response.status_code == 400
    assert "format" in response.json()["errors"]
    response = api.get(f"{URL}?format=geojson")
    assert response.status_code == 400
    assert "format" in response.json()["errors"]


def test_submitters_and_oversight_cannot_request(world, client_for):
    assert client_for(world.police_submitter).post(URL, hotspot_request()).status_code == 403
    assert client_for(world.overseer).post(URL, hotspot_request()).status_code == 403


def test_open_assessments_are_capped_per_user(world, scene, client_for, settings, capture):
    settings.ASSESSMENT_MAX_OPEN_PER_USER = 2
    api = client_for(world.police_analyst)
    sizes = (1.0, 2.0, 3.0)
    with capture(execute=False):
        codes = [
            api.post(URL, hotspot_request(params={"cell_size_km": km}), format="json").status_code
            for km in sizes
        ]
    assert codes == [202, 202, 429]
    assert Assessment.objects.count() == 2


def test_a_repeated_request_while_open_is_answered_with_the_first(
    world, scene, client_for, capture
):
    api = client_for(world.police_analyst)
    window_left_to_default = {k: v for k, v in hotspot_request().items() if "occurred" not in k}
    with capture(execute=False):  # no worker has taken them yet
        first = api.post(URL, hotspot_request(), format="json")
        again = api.post(URL, hotspot_request(), format="json")
        other = api.post(URL, window_left_to_default, format="json")
        other_again = api.post(URL, window_left_to_default, format="json")
    assert [r.status_code for r in (first, again, other, other_again)] == [202] * 4
    assert first.json()["id"] == again.json()["id"]
    assert again.json()["status"] == "queued"
    assert other.json()["id"] == other_again.json()["id"] != first.json()["id"]
    assert Assessment.objects.count() == 2
    assert outbox.waiting() == 2  # one run message each, not one per POST


def review(api, assessment, **body):
    return api.post(f"{URL}{assessment.pk}/review/", body, format="json")


def approve_body(assessment, rationale="Checked the cluster against patrol logs."):
    warnings = assessment.result["warnings"]
    return {"decision": "approve", "rationale": rationale, "acknowledged_warnings": warnings}


def test_four_eyes_review(world, scene, client_for, capture):
    assessment = run(client_for(world.police_analyst), hotspot_request(), capture)
    other = factories.member(world.police, "analyst")
    # the requester may not review: 403
    response = review(client_for(world.police_analyst), assessment, **approve_body(assessment))
    assert response.status_code == 403
    # no rationale: 400 naming it
    response = review(client_for(other), assessment, decision="approve", rationale="ok")
    assert response.status_code == 400
    assert "rationale" in response.json()["errors"]
    # someone who cannot see it: 404; a submitter of the agency is not a reviewer: 404
    assert (
        review(client_for(world.levies_analyst), assessment, **approve_body(assessment)).status_code
        == 404
    )
    assert (
        review(
            client_for(world.police_submitter), assessment, **approve_body(assessment)
        ).status_code
        == 404
    )
    # another analyst approves, acknowledging the warnings
    response = review(client_for(other), assessment, **approve_body(assessment))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    assert response.json()["review"]["reviewer"] == other.username
    # decided once: a second review conflicts
    response = review(client_for(other), assessment, **approve_body(assessment))
    assert response.status_code == 409
    entry = AuditEntry.objects.filter(object_pk=str(assessment.pk), actor=other).latest("id")
    assert "status" in entry.changes_dict


def test_approving_requires_acknowledging_every_warning(world, client_for, capture):
    # a sparse scope: too few incidents for the method, so the result carries a warning
    ingest(world.police, world.police_submitter, records(5, seed=4))
    assessment = run(client_for(world.police_analyst), hotspot_request(), capture)
    warnings = assessment.result["warnings"]
    assert any("too sparse" in w for w in warnings)
    other = factories.member(world.police, "analyst")
    body = {"decision": "approve", "rationale": "Looked at all the cells by hand."}
    response = review(client_for(other), assessment, **body)
    assert response.status_code == 400
    assert "acknowledged_warnings" in response.json()["errors"]
    response = review(client_for(other), assessment, **body, acknowledged_warnings=warnings)
    assert response.status_code == 200


def listed(api):
    return {a["id"] for a in api.get(URL).json()["results"]}


def test_only_approved_results_reach_other_users(world, scene, client_for, capture):
    assessment = run(client_for(world.police_analyst), hotspot_request(), capture)
    key = str(assessment.pk)
    reviewer = factories.member(world.police, "analyst")
    assert key in listed(client_for(world.police_analyst))
    assert key in listed(client_for(reviewer))  # a possible reviewer sees it pending
    for user in (
        world.police_submitter,
        world.police_admin,
        world.levies_analyst,
        world.coordinator,
    ):
        assert key not in listed(client_for(user))
        assert client_for(user).get(f"{URL}{key}/").status_code == 404
    review(client_for(reviewer), assessment, **approve_body(assessment))
    assert key in listed(client_for(world.police_submitter))
    assert client_for(world.police_admin).get(f"{URL}{key}/").status_code == 200
    assert key not in listed(client_for(world.levies_analyst))


def police_cluster_shared_with_levies(world) -> list:
    """40 police incidents in the Quetta cluster, each shared with the levies; the grants."""
    police_ids = ingest(world.police, world.police_submitter, records(40, seed=5, centre=HOT))
    return [
        share_grant(
            actor=world.police_admin,
            incident=Incident.objects.get(pk=i),
            agency=world.levies,
            level="view",
            purpose="joint analysis",
        )
        for i in police_ids
    ]


def test_a_result_is_hidden_from_others_when_one_of_its_inputs_no_longer_is_visible(
    world, client_for, capture
):
    grants = police_cluster_shared_with_levies(world)
    levies_reviewer = factories.member(world.levies, "analyst")
    assessment = run(client_for(world.levies_analyst), hotspot_request(), capture)
    assert assessment.input_count == 40
    review(client_for(levies_reviewer), assessment, **approve_body(assessment))
    key = str(assessment.pk)
    assert key in listed(client_for(world.levies_submitter))
    share_revoke(actor=world.police_admin, share=grants[0])
    assert key not in listed(client_for(world.levies_submitter))
    assert key in listed(client_for(world.levies_analyst))  # the requester keeps their record


def test_geojson_only_for_approved_spatial_results(world, scene, client_for, capture):
    api = client_for(world.police_analyst)
    assessment = run(api, hotspot_request(), capture)
    url = f"{URL}{assessment.pk}/?format=geojson"
    assert api.get(url).status_code == 409
    review(
        client_for(factories.member(world.police, "analyst")),
        assessment,
        **approve_body(assessment),
    )
    response = api.get(url)
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["tlp"] == "AMBER"
    assert len(body["features"]) == len(assessment.result["cells"])
    surges = run(api, {**hotspot_request(), "kind": "surges", "params": {}}, capture)
    response = api.get(f"{URL}{surges.pk}/?format=geojson")
    assert response.status_code == 400
    assert "format" in response.json()["errors"]


def test_reading_a_result_is_logged(world, scene, client_for, capture):
    api = client_for(world.police_analyst)
    assessment = run(api, hotspot_request(), capture)
    api.get(f"{URL}{assessment.pk}/")
    assert AuditEntry.objects.filter(
        event="assessment.read", object_pk=str(assessment.pk), actor=world.police_analyst
    ).exists()


def test_a_planted_surge_is_found(world, client_for, capture):
    # eleven quiet weeks of a few robberies, then a burst in the last week
    rows = []
    for week in range(12):
        n = 25 if week == 11 else 3
        for k, row in enumerate(records(n, seed=100 + week)):
            start = AFTER + (BEFORE - AFTER) * week / 12
            row["occurred_at"] = start + (BEFORE - AFTER) / 12 * (k + 0.5) / (n + 1)
            row["reported_at"] = row["occurred_at"]
            row["longitude"] = 66.95  # all in Quetta
            row["district"] = "Quetta"
            rows.append(row)
    ingest(world.police, world.police_submitter, rows)
    body = {**hotspot_request(), "kind": "surges", "params": {"period": "week"}}
    assessment = run(client_for(world.police_analyst), body, capture)
    assert assessment.status == "pending_review", assessment.error
    flagged = [s for s in assessment.result["surges"] if s["significant"]]
    assert [(s["district"], s["category"], s["observed"]) for s in flagged] == [
        ("Quetta", "robbery", 25)
    ]
    assert len(flagged[0]["incidents"]) == 25
    assert flagged[0]["period_start"] == "2025-05-26T00:00:00+00:00"


def test_forecast_and_links_complete_with_their_result_shapes(world, scene, client_for, capture):
    api = client_for(world.police_analyst)
    body = {
        "kind": "forecast",
        "params": {"forecast_start": BEFORE.date().isoformat(), "cell_size_km": 1.0},
        "area": {"bbox": BBOX},
        "occurred_after": AFTER.isoformat(),
    }
    forecast = run(api, body, capture)
    assert forecast.status == "pending_review", forecast.error
    result = forecast.result
    assert {
        "forecast_start",
        "period",
        "model",
        "cells",
        "backtest",
        "bias_checks",
        "warnings",
    } <= set(result)
    assert result["backtest"]["winner"] == result["model"]
    assert {"hit_rate_1", "pai_1", "hit_rate_5", "pai_5"} <= set(result["backtest"]["prior_counts"])
    assert all(c["flagged"] and "geometry" in c for c in result["cells"])

    links = run(api, {**hotspot_request(), "kind": "links", "params": {}}, capture)
    assert links.status == "pending_review", links.error
    assert links.result["links"] == []  # one agency's incidents: nothing to link
    assert any("one agency" in w for w in links.result["warnings"])


def test_links_join_reports_of_one_event_by_two_agencies_the_requester_sees(
    world, client_for, capture
):
    when = AFTER + (BEFORE - AFTER) / 2
    event = {
        "occurred_at": when,
        "reported_at": when + (BEFORE - AFTER) / 100,
        "category": "bombing-ied",
        "killed": 3,
        "injured": 7,
        "latitude": 30.1910,
        "longitude": 67.0100,
        "district": "Quetta",
    }
    police = ingest(
        world.police,
        world.police_submitter,
        [factories.record(**event, description="IED blast near the bus stand, 3 dead 7 injured")],
    )
    shared, unshared = ingest(
        world.levies,
        world.levies_submitter,
        [
            factories.record(
                **{**event, "latitude": 30.1925},
                description="Explosion at bus stand: three killed, seven injured",
            ),
            factories.record(
                **{**event, "longitude": 67.0112},
                description="IED blast at the bus stand, 3 killed and 7 injured",
            ),
        ],
    )
    share_grant(
        actor=world.levies_admin,
        incident=Incident.objects.get(pk=shared),
        agency=world.police,
        level="view",
        purpose="deconfliction",
    )
    body = {**hotspot_request(), "kind": "links", "params": {}}
    links = run(client_for(world.police_analyst), body, capture)
    assert links.status == "pending_review", links.error
    found = links.result["links"]
    assert [sorted(link["incidents"]) for link in found] == [sorted([str(police[0]), str(shared)])]
    assert sorted(found[0]["agencies"]) == ["levies", "police"]
    assert found[0]["reasons"]
    assert str(unshared) not in json.dumps(links.result)  # not visible to the requester


def test_large_results_list_the_significant_cells_first_and_say_so(
    world, scene, client_for, capture, monkeypatch
):
    monkeypatch.setattr("analytics.runners.hotspots.MAX_LISTED_CELLS", 12)
    assessment = run(client_for(world.police_analyst), hotspot_request(), capture)
    cells = assessment.result["cells"]
    assert len(cells) == 12
    assert set(assessment.result["hot_cells"]) <= {c["id"] for c in cells}
    assert any("cells qualify; the 12 most significant" in w for w in assessment.result["warnings"])


def test_flag_persistence_compares_only_with_runs_the_requester_may_see(world, client_for, capture):
    grants = police_cluster_shared_with_levies(world)
    first = run(client_for(world.levies_analyst), hotspot_request(), capture)
    second = run(client_for(factories.member(world.levies, "analyst")), hotspot_request(), capture)
    assert second.compared_with_id == first.pk  # a pending run its reviewers may see
    assert second.result["bias_checks"]["persistence"]["share_repeated"] == 1.0
    share_revoke(actor=world.police_admin, share=grants[0])
    # neither earlier run is visible to a third analyst now: nothing to compare with
    third = run(client_for(factories.member(world.levies, "analyst")), hotspot_request(), capture)
    assert third.input_count == 39
    assert third.compared_with_id is None
    assert third.result["bias_checks"].get("persistence") is None


def mis_geocoded(world) -> list[str]:
    """Two police incidents far from the Quetta scene (in Gwadar and Kech, hundreds of km away),
    as mistyped coordinates put them."""
    rows = records(1, seed=41, centre=(25.12, 62.33)) + records(1, seed=42, centre=(26.0, 63.05))
    return sorted(str(i) for i in ingest(world.police, world.police_submitter, rows))


def test_mis_geocoded_incidents_that_blow_up_the_extent_are_named_in_the_refusal(
    world, scene, client_for
):
    far = mis_geocoded(world)
    # no bbox: 0.25 km cells over every visible incident, Gwadar to Quetta, are 4 million
    body = hotspot_request(area={}, params={"cell_size_km": 0.25})
    response = client_for(world.police_analyst).post(URL, body, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert "cells, above the" in errors["params.cell_size_km"][0]
    assert "2 incident(s) lie far outside the rest" in errors["area"][0]
    named = errors["area"][0]
    assert all(i in named for i in far)
    assert not any(str(i) in named for i in scene.cluster + scene.background)
    assert "area.bbox" in named
    assert '"trim"' in named
    assert not Assessment.objects.exists()  # nothing is half-written
    assert not AssessmentInput.objects.exists()


def test_outliers_can_be_trimmed_and_are_listed_in_the_result(world, scene, client_for, capture):
    far = mis_geocoded(world)
    api = client_for(world.police_analyst)
    body = hotspot_request(area={}, params={"cell_size_km": 0.25, "outliers": "trim"})
    assessment = run(api, body, capture)
    assert assessment.params["outliers"] == "trim"
    assert assessment.input_count == 162  # the snapshot holds them; the run leaves them out
    result = assessment.result
    assert result["outliers"] == {"ids": far, "trimmed": True}
    trimmed = [w for w in result["warnings"] if w.startswith("2 incident(s) far outside")]
    assert len(trimmed) == 1
    assert all(i in trimmed[0] for i in far)
    assert result["grid"]["nx"] < 200
    assert result["grid"]["ny"] < 200
    evidence = {i for cell in result["cells"] for i in cell["incidents"]}
    assert evidence
    assert not evidence & set(far)
    hot = [c for c in result["cells"] if c["kind"] == "hot"]
    assert hot
    assert all(c["count"] > 0 for c in hot)
    bad = api.post(URL, hotspot_request(params={"outliers": "drop"}), format="json")
    assert bad.status_code == 400
    assert "params.outliers" in bad.json()["errors"]


def test_sparse_data_are_warned_about_with_a_cell_size_and_auto_uses_it(
    world, scene, client_for, capture
):
    api = client_for(world.police_analyst)
    default = run(api, hotspot_request(), capture).result  # 160 incidents, 1 km cells
    suggested = default["cell_size_suggestion_km"]
    assert 1.0 < suggested < 5.0
    assert default["density"]["expected_per_neighbourhood"] < 5
    sparse = [w for w in default["warnings"] if w.startswith("sparse data")]
    assert len(sparse) == 1
    assert f"about {suggested:g} km" in sparse[0]

    auto = run(api, hotspot_request(params={"cell_size_km": "auto"}), capture)
    assert auto.params["cell_size_km"] == suggested  # the record says what ran
    assert auto.params["cell_size_auto"] is True
    assert auto.result["grid"]["cell_m"] == suggested * 1000.0
    assert auto.result["density"]["expected_per_neighbourhood"] >= 5
    assert not any(w.startswith("sparse data") for w in auto.result["warnings"])
    assert any(c["kind"] == "hot" for c in auto.result["cells"])  # the cluster is still found


def test_outliers_kept_within_the_cap_are_named_in_a_warning(world, scene, client_for, capture):
    far = mis_geocoded(world)
    body = hotspot_request(area={}, params={"cell_size_km": 5.0})  # 11,000 cells: within the cap
    result = run(client_for(world.police_analyst), body, capture).result
    assert result["outliers"] == {"ids": far, "trimmed": False}
    kept = [w for w in result["warnings"] if w.startswith("2 incident(s) lie far outside")]
    assert len(kept) == 1
    assert all(i in kept[0] for i in far)
    assert result["grid"]["ny"] > 100  # the grid still reaches them
