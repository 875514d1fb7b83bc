"""How the oversight pages show what the API answered: a refusal as a page of its own (the
API's status and words, no data) and filters passed on as given."""

import re

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from fusion.console.api_client import Answer

# What an <input type="datetime-local"> sends: a time without an offset, read as UTC.
_LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")


def refusal(request: HttpRequest, answer: Answer) -> HttpResponse:
    """The API's refusal (403, 404, ...) as a page with its status and its words."""
    context = {"status": answer.status, "detail": answer.detail}
    return render(request, "console/oversight/refused.html", context, status=answer.status)


def filters(query: QueryDict, names: tuple[str, ...], times: tuple[str, ...] = ()) -> dict:
    """The filters the page's form gave, for the API: empty ones left out, and a time from a
    datetime-local field (no offset) read as UTC. Anything else is passed as typed, so a bad
    value gets the API's own 400 naming the field."""
    params = {}
    for name in names:
        value = query.get(name, "").strip()
        if not value:
            continue
        if name in times and _LOCAL_TIME.match(value):
            value += "+00:00"
        params[name] = value
    return params
