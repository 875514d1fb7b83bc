"""The service as a whole: health probes, the OpenAPI schema and docs, error pages."""

import pytest
import yaml
from django.core.management import call_command
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def test_healthz_and_readyz_need_no_auth(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] is True


def test_readyz_reports_unreachable_broker(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] is False


def test_readyz_reaches_real_redis_broker(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"
    assert client.get("/readyz").json()["checks"]["broker"] is True


def test_openapi_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    validate(schema)
    paths = schema["paths"]
    for path in (
        "/api/v1/incidents/",
        "/api/v1/incidents/{id}/",
        "/api/v1/auth/token/",
        "/api/v1/incidents/categories/",
        "/api/v1/audit/",
        "/api/v1/users/",
        "/api/v1/agencies/{agency_code}/members/",
    ):
        assert path in paths
    for path, operations in paths.items():
        for method, operation in operations.items():
            if path != "/api/v1/auth/token/":
                assert "401" in operation["responses"], (path, method)


def test_docs_served_without_a_cdn(client):
    response = client.get("/api/v1/docs/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "cdn." not in html
    assert "unpkg" not in html


def test_unknown_route_is_json_404_under_the_api_and_a_page_elsewhere(client):
    response = client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    page = client.get("/nowhere")  # the console's
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")
    assert b"Not found" in page.content


def test_anonymous_api_is_401(client):
    assert client.get("/api/v1/incidents/").status_code == 401
    assert client.get("/api/v1/agencies/").status_code == 401
    assert client.get("/api/v1/audit/").status_code == 401


def test_wsgi_worker_loads_every_view_at_start():
    """A fresh process importing the WSGI application has the URLconf and the views behind it
    loaded, so the first request does not pay for importing them (scipy among them)."""
    import os
    import subprocess
    import sys

    probe = "import sys, config.wsgi; print('analytics.api.views' in sys.modules)"
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", probe], capture_output=True, text=True, env=os.environ.copy(),
        check=True, timeout=120,
    )  # fmt: skip
    assert done.stdout.strip() == "True"
