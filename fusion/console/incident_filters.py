"""The incident pages' filter form: the API list's own filters (incidents.filters.IncidentFilter),
read from the page's query and handed to the API unchanged, so a bad value is the API's 400
naming its field; and the choices the form offers, read through the API."""

from typing import Any
from urllib.parse import parse_qs, urlparse

from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext_lazy as _

from fusion.console import api_client
from fusion.console.api_client import Answer
from fusion.console.times import api_time

# The API list's filters, in the order the form shows them.
FILTERS = (
    "agency",
    "category",
    "severity_min",
    "occurred_after",
    "occurred_before",
    "district",
    "tlp",
    "bbox",
    "q",
    "shared",
)
TLPS = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
SHARED = (("", _("All I may see")), ("true", _("Only other agencies'")), ("false", _("Only mine")))


def filter_params(query: QueryDict) -> dict[str, list[str]]:
    """The filters given in the page's query (empty fields left out; a filter given twice
    stays twice, for the API to refuse)."""
    params = {}
    for name in FILTERS:
        values = [value for value in query.getlist(name) if value != ""]
        if values:
            params[name] = values
    return params


def values_of(query: QueryDict) -> dict[str, str]:
    """What the form's fields hold: the first value of each filter."""
    return {name: query.get(name, "") for name in FILTERS}


def cursor_url(request: HttpRequest, api_link: str | None) -> str | None:
    """The console URL of the page an API `next`/`previous` link points to: the same query
    with that link's cursor."""
    if not api_link:
        return None
    cursor = parse_qs(urlparse(api_link).query).get("cursor", [""])[0]
    query = request.GET.copy()
    query["cursor"] = cursor
    return f"{request.path}?{query.urlencode()}"


def district_rows(request: HttpRequest) -> list[dict[str, Any]]:
    """The district register's districts (name, bbox, centre), through the API; none when the
    register is off or the API refuses."""
    answer = api_client.get(request, "incidents/districts/")
    return answer.data["districts"] if answer.ok else []


def form_choices(request: HttpRequest) -> dict[str, Any]:
    """Agencies, categories and districts (through the API), TLP labels."""
    agencies = api_client.get(request, "agencies/", {"page_size": 500})
    categories = api_client.get(request, "incidents/categories/")
    agency_rows = agencies.data.get("results", []) if agencies.ok else []
    districts = district_rows(request)
    return {
        "agencies": [row["code"] for row in agency_rows],
        "categories": categories.data if categories.ok else [],
        "category_slugs": [row["slug"] for row in categories.data] if categories.ok else [],
        "districts": [row["name"] for row in districts],
        "district_rows": districts,
        "tlps": TLPS,
        "shared_choices": SHARED,
        "severities": range(1, 6),
    }


def filter_context(request: HttpRequest) -> dict[str, Any]:
    """Everything the filter form's template needs."""
    return {"filters": values_of(request.GET), **form_choices(request)}


def list_page(request: HttpRequest, page_size: int) -> tuple[Answer, dict[str, Any]]:
    """One page of the API list for the page's filters and cursor, and what the list's
    template and the filter form need (the answer included, for its refusal)."""
    params: dict[str, Any] = {**filter_params(request.GET), "page_size": page_size}
    if request.GET.get("cursor"):
        params["cursor"] = request.GET["cursor"]
    answer = api_client.get(request, "incidents/", params)
    data = answer.data if answer.ok else {}
    context = {
        "answer": answer,
        "incidents": readable(data.get("results", [])),
        "next_url": cursor_url(request, data.get("next")),
        "previous_url": cursor_url(request, data.get("previous")),
        **filter_context(request),
    }
    return answer, context


def readable(rows: list[dict]) -> list[dict]:
    """The API's rows with their occurrence time parsed, for the page to format."""
    return [{**row, "occurred": api_time(row.get("occurred_at"))} for row in rows]
