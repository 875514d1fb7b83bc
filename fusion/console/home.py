"""The console's first page after sign-in: who the user acts as, and the pages of their roles."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from agencies.models import Agency
from agencies.selectors import roles_of
from fusion.console import api_client
from fusion.console.access import signed_in


@signed_in
def home(request: HttpRequest) -> HttpResponse:
    """The user's agencies and roles, and how many notifications wait for them."""
    held = roles_of(request.user)
    agencies = Agency.objects.filter(pk__in=held).order_by("code")
    memberships = [{"agency": agency, "role": held[agency.pk]} for agency in agencies]
    notifications = api_client.get(request, "notifications/")
    waiting = None
    if notifications.ok and isinstance(notifications.data, dict):
        waiting = notifications.data.get("count", len(notifications.data.get("results", [])))
    context = {"memberships": memberships, "notifications_waiting": waiting}
    return render(request, "console/home.html", context)
