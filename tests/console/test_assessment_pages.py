"""Assessment pages through the Django test client: a hidden assessment is a 404, the form's
errors name their field, the requester's review is refused with the API's 403, a double
submit makes one assessment, the progress partial stops polling when the run is done, and the
result links each hot cell to the incidents behind it."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from django.urls import reverse

from agencies.models import Agency, User
from analytics.models import Assessment
from fusion.console import assessment_results
from incidents.bulk import incident_upsert_batch
from tests import factories

pytestmark = pytest.mark.django_db

AFTER = datetime(2025, 3, 1, tzinfo=UTC)
BEFORE = datetime(2025, 6, 1, tzinfo=UTC)
HOTSPOTS = ((30.20, 67.00), (30.26, 67.09))  # two clusters in Quetta


@dataclass
class Centre:
    centre: Agency
    analyst_a: User
    analyst_b: User
    coordinator: User
    other_analyst: User  # of the police: sees nothing of the centre's


def seed_incidents(agency: Agency, submitter: User, *, clustered: int = 75, background: int = 60):
    """`clustered` incidents around each of two points (±300 m) and `background` scattered
    over ±0.15°, all within AFTER..BEFORE."""
    rng = np.random.default_rng(7)
    span = (BEFORE - AFTER).total_seconds()
    places = [p for p in HOTSPOTS for _ in range(clustered)]
    places += [
        (30.20 + rng.uniform(-0.15, 0.15), 67.0 + rng.uniform(-0.15, 0.15))
        for _ in range(background)
    ]
    rows = []
    for lat, lon in places:
        when = AFTER + timedelta(seconds=float(rng.uniform(0, span)))
        rows.append(
            factories.record(
                latitude=round(float(lat + rng.uniform(-0.0027, 0.0027)), 6),
                longitude=round(float(lon + rng.uniform(-0.0031, 0.0031)), 6),
                occurred_at=when,
                reported_at=when + timedelta(hours=1),
                category="robbery",
            )
        )
    return incident_upsert_batch(actor=submitter, agency=agency, records=rows).ids


def make_centre() -> Centre:
    centre = factories.agency("bfc", "fusion_centre")
    police = factories.agency("police", "police")
    seed_incidents(centre, factories.member(centre, "submitter", "bfc_submitter"))
    return Centre(
        centre=centre,
        analyst_a=factories.member(centre, "analyst", "analyst_a"),
        analyst_b=factories.member(centre, "analyst", "analyst_b"),
        coordinator=factories.member(centre, "coordinator", "bfc_coordinator"),
        other_analyst=factories.member(police, "analyst", "police_analyst"),
    )


def form(**overrides: str) -> dict[str, str]:
    data = {
        "kind": "hotspots",
        "occurred_after": AFTER.date().isoformat(),
        "occurred_before": BEFORE.date().isoformat(),
        "categories": "robbery",
        "hotspots-cell_size_km": "1",
        "idempotency_key": "key-1",
    }
    data.update(overrides)
    return data


@pytest.fixture
def world() -> Centre:
    return make_centre()


def request_assessment(client, capture, **overrides: str) -> Assessment:
    """Post the form and let the run happen (in-process, once the request commits)."""
    with capture(execute=True):
        answer = client.post(reverse("console:assessment-new"), form(**overrides))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    return Assessment.objects.get(pk=answer["Location"].rstrip("/").rsplit("/", 1)[-1])


def test_a_hidden_assessment_is_a_404_and_not_listed(
    world, client, django_capture_on_commit_callbacks
) -> None:
    # given an assessment of the fusion centre
    client.force_login(world.analyst_a)
    assessment = request_assessment(client, django_capture_on_commit_callbacks)
    url = reverse("console:assessment", kwargs={"pk": assessment.pk})
    assert client.get(url).status_code == 200
    # when an analyst of another agency opens it
    client.force_login(world.other_analyst)
    # then it is not found, as a missing id is, and not in their list
    assert client.get(url).status_code == 404
    progress = reverse("console:assessment-progress", kwargs={"pk": assessment.pk})
    assert client.get(progress).status_code == 404
    listing = client.get(reverse("console:assessments")).content.decode()
    assert str(assessment.pk) not in listing
    assert "No assessment yet." in listing


def test_form_errors_name_the_field(world, client) -> None:
    # given an analyst on the form
    client.force_login(world.analyst_a)
    assert client.get(reverse("console:assessment-new")).status_code == 200
    # when the cell size is out of bounds
    bad = form(**{"hotspots-cell_size_km": "999"})
    answer = client.post(reverse("console:assessment-new"), bad)
    # then the API's 400 is the page's, and the message sits at the input, which is marked
    page = answer.content.decode()
    assert answer.status_code == 400
    assert "params.cell_size_km" in page  # the error summary names the API's field
    assert 'id="e-f-hotspots-cell_size_km"' in page
    assert "Must lie between 0.05 and 50." in page
    assert 'value="999"' in page  # what was typed is kept
    assert not Assessment.objects.exists()


def test_the_requester_may_not_review_and_is_told_why(
    world, client, django_capture_on_commit_callbacks
) -> None:
    # given a result pending review
    client.force_login(world.analyst_a)
    assessment = request_assessment(client, django_capture_on_commit_callbacks)
    assert assessment.status == "pending_review"
    url = reverse("console:assessment", kwargs={"pk": assessment.pk})
    assert "you may not review it" in client.get(url).content.decode()
    # when its requester posts a review anyway
    review = reverse("console:assessment-review", kwargs={"pk": assessment.pk})
    answer = client.post(review, {"decision": "approve", "rationale": "Looks right to me."})
    # then the API's 403 and its reason are shown, and nothing changed
    assert answer.status_code == 403
    assert "may not review their own assessment" in answer.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == "pending_review"


def test_a_double_submit_makes_one_assessment(world, client) -> None:
    # given the form shown once (one key), submitted twice
    client.force_login(world.analyst_a)
    first = client.post(reverse("console:assessment-new"), form())
    second = client.post(reverse("console:assessment-new"), form())
    # then one assessment, and both answers lead to it
    assert Assessment.objects.count() == 1
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]


def test_a_colleague_reviews_and_hot_cells_link_to_their_incidents(
    world, client, django_capture_on_commit_callbacks
) -> None:
    client.force_login(world.analyst_a)
    assessment = request_assessment(client, django_capture_on_commit_callbacks)
    warnings = assessment.result["warnings"]
    progress = reverse("console:assessment-progress", kwargs={"pk": assessment.pk})
    assert client.get(progress)["HX-Refresh"] == "true"  # done: the page stops polling
    client.force_login(world.analyst_b)
    review = reverse("console:assessment-review", kwargs={"pk": assessment.pk})
    if warnings:  # approving without acknowledging them is the API's 400, named
        refused = client.post(review, {"decision": "approve", "rationale": "Checked the cells."})
        assert refused.status_code == 400
        assert "acknowledged_warnings" in refused.content.decode()
    answer = client.post(
        review,
        {
            "decision": "approve",
            "rationale": "Checked the cells.",
            "acknowledged_warnings": warnings,
        },
    )
    assert answer.status_code == 302
    client.force_login(world.coordinator)
    page = client.get(reverse("console:assessment", kwargs={"pk": assessment.pk})).content.decode()
    hot = [c for c in assessment.result["cells"] if c["kind"] == "hot"]
    assert hot
    ring = hot[0]["geometry"]["coordinates"][0]
    west = min(p[0] for p in ring)
    assert f"bbox={west:.6f}%2C" in page
    assert "occurred_after=2025-03-01T00%3A00%3A00%2B00%3A00" in page
    assert "category=robbery" in page


@pytest.mark.parametrize("typed", ["nan", "inf", "-Infinity", "1e999"])
def test_a_number_json_cannot_carry_is_refused_by_name(world, client, typed) -> None:
    client.force_login(world.analyst_a)
    # when
    answer = client.post(reverse("console:assessment-new"), form(**{"hotspots-fdr": typed}))
    # then: the field's error, not a malformed request
    assert answer.status_code == 400
    assert 'id="e-f-hotspots-fdr"' in answer.content.decode()
    assert not Assessment.objects.exists()


def test_reports_and_kpis_pages_answer_as_the_api(world, client) -> None:
    client.force_login(world.coordinator)
    assert client.get(reverse("console:reports")).status_code == 200
    kpis = client.get(reverse("console:kpis"), {"period": "week", "periods": "4"})
    assert kpis.status_code == 200
    assert kpis.content.decode().count('<th scope="row">') >= 8  # 4 weeks in two tables
    refused = client.get(reverse("console:kpis"), {"period": "year"})
    assert refused.status_code == 400
    assert "period" in refused.content.decode()
    # a parameter given twice is the API's 400 too, not its last value
    twice = client.get(reverse("console:kpis"), {"period": ["week", "month"]})
    assert twice.status_code == 400
    assert "Give it once." in twice.content.decode()
    # oversight reads no agency's flag KPIs: the API's refusal, shown as such
    client.force_login(factories.member(factories.agency("watch", "oversight"), "oversight"))
    oversight = client.get(reverse("console:kpis"))
    assert oversight.status_code == 403
    assert 'class="error-summary"' in oversight.content.decode()


def test_the_progress_partial_polls_while_the_run_is_open(world, client) -> None:
    # given a request whose run has not started (its commit hook is not run here)
    client.force_login(world.analyst_a)
    answer = client.post(reverse("console:assessment-new"), form())
    pk = answer["Location"].rstrip("/").rsplit("/", 1)[-1]
    # when the page and its partial are read
    page = client.get(answer["Location"]).content.decode()
    partial = client.get(reverse("console:assessment-progress", kwargs={"pk": pk}))
    # then both poll every 2 s, and the page is not told to reload yet
    assert 'hx-trigger="every 2s"' in page
    assert 'hx-trigger="every 2s"' in partial.content.decode()
    assert "HX-Refresh" not in partial
    assert "Status: queued, 0% done." in partial.content.decode()


def approved(world, client, capture) -> Assessment:
    client.force_login(world.analyst_a)
    assessment = request_assessment(client, capture)
    client.force_login(world.analyst_b)
    review = reverse("console:assessment-review", kwargs={"pk": assessment.pk})
    body = {
        "decision": "approve",
        "rationale": "Checked the cells.",
        "acknowledged_warnings": assessment.result["warnings"],
    }
    assert client.post(review, body).status_code == 302
    return assessment


def test_a_flag_is_acknowledged_once_and_none_needs_a_reason(
    world, client, django_capture_on_commit_callbacks
) -> None:
    # given an approved result with flags, read by a coordinator of its agency
    assessment = approved(world, client, django_capture_on_commit_callbacks)
    flag = assessment.flags.order_by("id").first()
    client.force_login(world.coordinator)
    url = reverse(
        "console:assessment-flag-acknowledge", kwargs={"pk": assessment.pk, "flag": flag.pk}
    )
    # when "none" comes without a reason, then the API's 400 names the field
    refused = client.post(url, {"action": "none", "reason": ""})
    assert refused.status_code == 400
    assert '<span class="field-name">reason</span>' in refused.content.decode()
    # when it is acknowledged with a patrol, then the page shows who and what
    done = client.post(url, {"action": "patrol"})
    assert done.status_code == 302
    page = client.get(reverse("console:assessment", kwargs={"pk": assessment.pk}))
    assert "patrol — bfc_coordinator" in page.content.decode()
    # and a second acknowledgement is the API's 409
    assert client.post(url, {"action": "inquiry"}).status_code == 409


@pytest.mark.parametrize(
    ("kind", "fields", "caption"),
    [
        ("surges", {"surges-period": "week"}, "Significant surges (of"),
        ("forecast", {"forecast-forecast_start": "2025-06-01"}, "Flagged cells by rank"),
        ("links", {}, "Reports that may be one event"),
    ],
)
def test_each_kind_of_result_is_shown_for_review(
    world, client, django_capture_on_commit_callbacks, kind, fields, caption
) -> None:
    # given a request of each kind, computed
    client.force_login(world.analyst_a)
    overrides = {"kind": kind, "hotspots-cell_size_km": "", **fields}
    if kind == "forecast":
        overrides["occurred_before"] = ""  # a forecast reads up to its start
    assessment = request_assessment(client, django_capture_on_commit_callbacks, **overrides)
    assert assessment.status == "pending_review", assessment.error
    # when its requester opens it, then its result's table is shown for the colleague's review
    page = client.get(reverse("console:assessment", kwargs={"pk": assessment.pk}))
    assert page.status_code == 200
    assert caption in page.content.decode()


def test_kpis_show_the_apis_time_to_insight(world, client) -> None:
    # given: a result of the centre requested 6 hours before a colleague approved it this week
    now = datetime.now(UTC)
    approved = Assessment.objects.create(
        kind="hotspots", status="approved", requester=world.analyst_a, agency=world.centre,
        reviewed_by=world.analyst_b, reviewed_at=now, decision="approve", rationale="checked",
        scope={}, params={}, scope_key="kpi", method_version="1", code_version="test",
        result={"warnings": []}, tlp="GREEN",
    )  # fmt: skip
    Assessment.objects.filter(pk=approved.pk).update(created_at=now - timedelta(hours=6))
    client.force_login(world.coordinator)
    # when
    page = client.get(reverse("console:kpis"), {"period": "week", "periods": "4"})
    api = client.get("/api/v1/kpis/", {"period": "week", "periods": "4"}).json()
    # then: the page shows the API's figure for this week, and none for the weeks before
    assert api["periods"][-1]["time_to_insight"] == {"count": 1, "median": 6.0, "mean": 6.0}
    text = page.content.decode()
    assert text.count('<td class="num">1</td><td class="num">6.0</td><td class="num">6.0</td>') == 1
    assert text.count('<td class="num">0</td><td class="num">—</td><td class="num">—</td>') >= 3


def test_the_incidents_behind_a_cell_of_several_categories_are_one_list(world, client) -> None:
    # given: a cell of an assessment of two categories
    assessment = {"scope": {"categories": ["robbery", "kidnapping"]}}
    url = assessment_results.incidents_url([66.9, 30.1, 67.1, 30.3], assessment)
    client.force_login(world.coordinator)
    # when: its link is followed
    page = client.get(url)
    # then: the list of either category (the API takes the parameter once)
    assert "category=robbery%2Ckidnapping" in url
    assert page.status_code == 200
    # and the filter form keeps both, so filtering again does not drop them
    assert '<option value="robbery,kidnapping" selected>' in page.content.decode()
