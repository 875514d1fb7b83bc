"""Real responses validate against the published OpenAPI schema: the cases where they did not
(fields marked required but absent, null where a string was promised, GeoJSON lists, previews,
errors of document endpoints)."""

from datetime import UTC, datetime
from typing import Any

import jsonschema
import pytest
from drf_spectacular.generators import SchemaGenerator

from analytics.models import Assessment
from fusion.models import SharingAgreement
from fusion.sharing.access_requests import access_request_approve, access_request_create
from tests import factories


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def _as_json_schema(node: Any) -> Any:
    """OpenAPI 3.0's `nullable` as JSON Schema's null type; refs point into components."""
    if isinstance(node, list):
        return [_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _as_json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        elif "$ref" in out or "allOf" in out or "oneOf" in out:
            out = {"anyOf": [out, {"type": "null"}]}
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def assert_conforms(
    openapi: dict, path: str, method: str, response: Any, media_type: str = "application/json"
) -> None:
    """The response's status is documented for the operation, and its body fits the schema
    documented for its media type."""
    operation = openapi["paths"][path][method]
    documented = operation["responses"]
    assert str(response.status_code) in documented, (response.status_code, list(documented))
    content = documented[str(response.status_code)].get("content", {})
    assert media_type in content, (media_type, list(content))
    assert response["Content-Type"].split(";")[0] == media_type
    schema = {
        **_as_json_schema(content[media_type]["schema"]),
        "components": _as_json_schema(openapi["components"]),
    }
    jsonschema.validate(response.json(), schema)


@pytest.fixture
def approved_hotspots(world) -> Assessment:
    done = datetime(2025, 6, 2, tzinfo=UTC)
    cell = {
        "id": 7,
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[67.0, 30.0], [67.1, 30.0], [67.1, 30.1], [67.0, 30.0]]],
        },
        "count": 4,
        "z": 2.5,
        "p": 0.01,
        "q": 0.03,
        "significant": True,
        "kind": "hot",
        "incidents": [],
    }
    return Assessment.objects.create(
        kind="hotspots", status="approved", requester=world.police_analyst,
        agency=world.police, scope={}, params={}, scope_key="schema", method_version="1",
        code_version="schema", result={"cells": [cell], "warnings": [], "bias_checks": {}},
        tlp="AMBER", finished_at=done, reviewed_at=done, reviewed_by=world.police_submitter,
    )  # fmt: skip


def test_incident_without_persons_asked_for_fits_the_schema(openapi, world, client_for):
    incident = factories.incident(world.police, world.police_submitter)
    response = client_for(world.police_analyst).get(f"/api/v1/incidents/{incident.pk}/")
    assert response.status_code == 200
    assert "persons" not in response.json()
    assert_conforms(openapi, "/api/v1/incidents/{id}/", "get", response)


def test_incident_list_as_geojson_fits_the_schema(openapi, world, client_for):
    factories.incident(world.police, world.police_submitter)
    response = client_for(world.police_analyst).get("/api/v1/incidents/?format=geojson")
    assert response.status_code == 200
    assert response.json()["type"] == "FeatureCollection"
    assert_conforms(openapi, "/api/v1/incidents/", "get", response, "application/geo+json")


def test_one_incident_as_geojson_fits_the_schema(openapi, world, client_for):
    incident = factories.incident(world.police, world.police_submitter)
    response = client_for(world.police_analyst).get(
        f"/api/v1/incidents/{incident.pk}/?format=geojson"
    )
    assert response.status_code == 200
    assert_conforms(openapi, "/api/v1/incidents/{id}/", "get", response, "application/geo+json")


def test_assessment_without_standing_fits_the_schema(openapi, world, client_for, approved_hotspots):
    response = client_for(world.police_analyst).get(f"/api/v1/assessments/{approved_hotspots.pk}/")
    assert response.status_code == 200
    assert response.json()["standing"] is None
    assert_conforms(openapi, "/api/v1/assessments/{id}/", "get", response)


def test_assessment_list_without_results_fits_the_schema(
    openapi, world, client_for, approved_hotspots
):
    response = client_for(world.police_analyst).get("/api/v1/assessments/")
    assert response.status_code == 200
    assert response.json()["results"]
    assert "result" not in response.json()["results"][0]
    assert_conforms(openapi, "/api/v1/assessments/", "get", response)


def test_assessment_geojson_fits_the_schema(openapi, world, client_for, approved_hotspots):
    response = client_for(world.police_analyst).get(
        f"/api/v1/assessments/{approved_hotspots.pk}/?format=geojson"
    )
    assert response.status_code == 200
    assert_conforms(openapi, "/api/v1/assessments/{id}/", "get", response, "application/geo+json")


def test_assessment_list_refuses_geojson_as_documented(openapi, world, client_for):
    response = client_for(world.police_analyst).get("/api/v1/assessments/?format=geojson")
    assert response.status_code == 400
    assert_conforms(openapi, "/api/v1/assessments/", "get", response)
    parameters = openapi["paths"]["/api/v1/assessments/"]["get"]["parameters"]
    (format_param,) = [p for p in parameters if p["name"] == "format"]
    assert format_param["schema"]["enum"] == ["json"]


def test_agreement_change_preview_fits_the_schema(openapi, world, client_for):
    agreement = SharingAgreement.objects.create(owner=world.police, recipient=world.levies)
    response = client_for(world.police_admin).patch(
        f"/api/v1/sharing-agreements/{agreement.pk}/?dry_run=true", {}, format="json"
    )
    assert response.status_code == 200
    assert_conforms(openapi, "/api/v1/sharing-agreements/{id}/", "patch", response)


def test_export_error_is_documented_as_json(openapi, world, client_for):
    response = client_for(world.police_analyst).get("/api/v1/export/?format=csv")
    assert response.status_code == 400
    assert_conforms(openapi, "/api/v1/export/", "get", response)


def test_page_past_the_last_is_a_documented_404(openapi, world, client_for):
    response = client_for(world.police_admin).get("/api/v1/sharing-agreements/?page=9")
    assert response.status_code == 404
    assert_conforms(openapi, "/api/v1/sharing-agreements/", "get", response)
    parameters = openapi["paths"]["/api/v1/sharing-agreements/"]["get"]["parameters"]
    (page,) = [p for p in parameters if p["name"] == "page"]
    assert page["schema"]["minimum"] == 1


def test_oversight_refused_an_assessment_is_a_documented_403(
    openapi, world, client_for, approved_hotspots
):
    response = client_for(world.overseer).get(f"/api/v1/assessments/{approved_hotspots.pk}/")
    assert response.status_code == 403
    assert_conforms(openapi, "/api/v1/assessments/{id}/", "get", response)


def test_notifications_of_every_source_fit_the_schema(openapi, world, client_for):
    public = factories.incident(world.police, world.police_submitter, tlp="CLEAR")
    hidden = factories.incident(world.police, world.police_submitter, tlp="AMBER")
    asked = access_request_create(
        actor=world.levies_analyst, incident_id=public.pk, purpose="schema check of notices"
    )
    access_request_approve(actor=world.police_admin, request=asked, level="view_persons")
    refused = client_for(world.levies_analyst).get(f"/api/v1/incidents/{hidden.pk}/")
    assert refused.status_code == 404

    admin = client_for(world.police_admin).get("/api/v1/notifications/")
    requester = client_for(world.levies_analyst).get("/api/v1/notifications/")

    assert {n["kind"] for n in admin.json()["results"]} >= {"access_request", "refused_read"}
    assert [n["kind"] for n in requester.json()["results"]] == ["access_request_approved"]
    for response in (admin, requester):
        assert_conforms(openapi, "/api/v1/notifications/", "get", response)
    # documented item by item, not as any object
    item = openapi["components"]["schemas"]["Notification"]
    assert {"id", "kind", "at", "agency", "by_agency"} <= set(item["required"])
