"""The incident pages' filter form: the API list's own filters (incidents.filters.IncidentFilter),
read from the page's query and handed to the API unchanged, so a bad value is the API's 400
naming its field; and the choices the form offers, read through the API."""

from typing import Any
from urllib.parse import parse_qs, urlparse

from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext_lazy as _

from fusion.console import api_client
from fusion.console.times import api_time
from incidents.districts import register

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


def form_choices(request: HttpRequest) -> dict[str, Any]:
    """Agencies and categories (through the API), districts (the register), TLP labels."""
    agencies = api_client.get(request, "agencies/", {"page_size": 500})
    categories = api_client.get(request, "incidents/categories/")
    agency_rows = agencies.data.get("results", []) if agencies.ok else []
    return {
        "agencies": [row["code"] for row in agency_rows],
        "categories": categories.data if categories.ok else [],
        "districts": register().names(),
        "tlps": TLPS,
        "shared_choices": SHARED,
        "severities": range(1, 6),
    }


def filter_context(request: HttpRequest) -> dict[str, Any]:
    """Everything the filter form's template needs."""
    return {"filters": values_of(request.GET), **form_choices(request)}


def readable(rows: list[dict]) -> list[dict]:
    """The API's rows with their occurrence time parsed, for the page to format."""
    return [{**row, "occurred": api_time(row.get("occurred_at"))} for row in rows]
