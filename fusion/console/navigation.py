"""The console's navigation, by the roles the signed-in user holds (a context processor): each
page a role may use, and nothing it may not (a page that is not listed still answers what the
API answers, never more)."""

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from fusion.console.access import roles
from fusion.console.language import RTL

CONTENT = {"submitter", "analyst", "agency_admin", "coordinator"}
# (url name, label, roles that see it)
ITEMS: list[tuple[str, Any, set[str]]] = [
    ("console:home", _("Overview"), CONTENT | {"oversight"}),
    ("console:incidents-map", _("Incidents"), CONTENT),
    ("console:inbox", _("Deconfliction"), CONTENT),
    ("console:assessments", _("Assessments"), {"analyst", "coordinator", "agency_admin"}),
    ("console:reports", _("Reports"), {"analyst", "coordinator", "agency_admin"}),
    ("console:kpis", _("KPIs"), {"coordinator", "agency_admin", "oversight"}),
    ("console:sharing", _("Sharing"), {"agency_admin"}),
    ("console:audit", _("Audit log"), {"oversight", "agency_admin"}),
    ("console:complaints", _("Complaints"), {"oversight"}),
    ("console:transparency", _("Transparency"), {"oversight"}),
    ("console:oversight-assessments", _("Assessment records"), {"oversight"}),
    ("console:notifications", _("Notifications"), CONTENT | {"oversight"}),
]


def _closeness(path: str, url: str) -> int:
    """How well a page's path falls under a navigation item: the item's own page best, then
    the longest item it lies under, then an item of the same section (/incidents/map/ for
    /incidents/<id>/); 0 for none."""
    if path == url:
        return 10_000
    if url != "/" and path.startswith(url):
        return len(url) * 2
    section = "/" + url.strip("/").split("/")[0] + "/"
    return 1 if url != "/" and path.startswith(section) else 0


def console(request: HttpRequest) -> dict[str, Any]:
    code = getattr(request, "LANGUAGE_CODE", "en")
    context: dict[str, Any] = {"console_rtl": code in RTL, "console_language": code}
    user = getattr(request, "user", None)
    if request.path.startswith("/api/") or user is None or not user.is_authenticated:
        return context
    held = roles(request)
    items = []
    for name, label, wanted in ITEMS:
        if not held & wanted:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:  # a page not built in this deployment
            continue
        items.append({"url": url, "label": label, "current": False})
    best = max(items, key=lambda item: _closeness(request.path, item["url"]), default=None)
    if best is not None and _closeness(request.path, best["url"]) > 0:
        best["current"] = True
    context.update(console_nav=items, console_roles=sorted(held))
    return context
