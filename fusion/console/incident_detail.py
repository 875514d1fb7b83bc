"""One incident through the API (GET incidents/{id}/): its TLP banner, what the API withheld,
and its persons behind a stated purpose (include=persons&purpose=…, which the API requires and
logs). An incident the user may not see is the API's 404."""

from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from fusion.console import api_client
from fusion.console.access import signed_in
from fusion.console.times import api_time

PURPOSE_FIELDS = ("purpose", "purpose_code", "case_ref")
TIMES = ("occurred_at", "reported_at")


@signed_in
@require_http_methods(["GET", "POST"])
def incident_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    """GET: the incident. POST (the purpose form): the incident read again with its persons;
    the API's refusal (a missing purpose: 400) is shown with the form."""
    path = f"incidents/{pk}/"
    incident = api_client.get(request, path).or_404()
    context: dict[str, Any] = {"incident": incident, "tlp": incident["tlp"], "asked": {}}
    context["times"] = {name: api_time(incident.get(name)) for name in TIMES}
    status = 200
    if request.method == "POST":
        asked = {name: request.POST.get(name, "") for name in PURPOSE_FIELDS}
        answer = api_client.get(request, path, {"include": "persons", **asked})
        context.update(asked=asked, persons_answer=answer)
        if answer.status == 404:  # hidden since the first read
            raise Http404
        if answer.ok:
            context.update(incident=answer.data, persons=answer.data.get("persons", []))
        status = answer.status
    purposes = api_client.get(request, "purposes/")
    context["purpose_codes"] = purposes.data if purposes.ok else []
    return render(request, "console/incidents/detail.html", context, status=status)
