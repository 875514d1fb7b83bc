"""Model cards show metrics derived from incidents only to readers who may see their source."""

import pytest

from analytics.models import Assessment, BacktestRun
from tests.analytics.conftest import AFTER, BBOX, BEFORE

pytestmark = pytest.mark.django_db


@pytest.fixture
def police_forecast(world, scene, client_for, django_capture_on_commit_callbacks):
    body = {
        "kind": "forecast",
        "params": {"forecast_start": BEFORE.date().isoformat(), "cell_size_km": 1.0},
        "area": {"bbox": BBOX},
        "occurred_after": AFTER.isoformat(),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.police_analyst).post(
            "/api/v1/assessments/", body, format="json"
        )
    assessment = Assessment.objects.get(pk=response.json()["id"])
    assert assessment.status == "pending_review", assessment.error
    return assessment


def _forecast_card(api) -> dict:
    cards = api.get("/api/v1/models/").json()["results"]
    return next(card for card in cards if card["method"] == "forecast")


@pytest.mark.parametrize("reader", ["levies_analyst", "levies_admin", "coordinator", "overseer"])
def test_a_card_names_no_assessment_hidden_from_its_reader(
    world, client_for, police_forecast, reader
):
    # given: the police forecast measured a backtest on police incidents
    assert BacktestRun.objects.filter(assessment=police_forecast).exists()
    api = client_for(getattr(world, reader))
    # when
    assert api.get(f"/api/v1/assessments/{police_forecast.pk}/").status_code in (403, 404)
    response = api.get("/api/v1/models/")
    # then: nothing of it, neither its id, its input count nor its metrics
    body = response.content.decode()
    assert response.status_code == 200
    assert f"assessment {police_forecast.pk}" not in body
    assert f"{police_forecast.input_count} incidents" not in body
    card = _forecast_card(api)
    assert card["metrics"]["latest_backtest"] is None
    assert card["metrics"]["latest_assessment_backtest"] is None


def test_the_requester_sees_the_backtest_of_its_own_forecast(world, client_for, police_forecast):
    # when
    card = _forecast_card(client_for(world.police_analyst))
    # then
    run = BacktestRun.objects.get(assessment=police_forecast)
    assert card["metrics"]["latest_assessment_backtest"]["values"] == run.metrics
    assert card["metrics"]["latest_backtest"] is None  # none on reference data yet
