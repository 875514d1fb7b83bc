"""Notifications as the console shows them: each kind named in words, and the fields the API
gave beside the common ones, each with a label (values as the API gave them)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from fusion.console.times import api_time

KINDS = {
    "access_request": _("Access request for your incident"),
    "access_request_approved": _("Your access request was approved"),
    "access_request_denied": _("Your access request was denied"),
    "match": _("Deconfliction match"),
    "refused_read": _("Refused read of your incident"),
    "person_search": _("Person search returned your persons"),
    "person_match_confirmed": _("Person match confirmed to another agency"),
    "match_hint_withheld": _("Match hint withheld (budget spent)"),
    "match_budget_spent": _("Match hint budget spent"),
    "account_locked": _("Account locked after failed sign-ins"),
    "unusual_reads": _("Unusual reads"),
    "bias_drift": _("Bias drift"),
    "metric_drift": _("Metric drift"),
}
# Fields shown in their own columns, or not at all.
COMMON = {"id", "kind", "at", "agency", "by_agency", "incident"}
LABELS = {
    "access_request": _("Access request"),
    "status": _("Status"),
    "level": _("Level"),
    "expires_at": _("Expires"),
    "reason": _("Reason"),
    "match": _("Match"),
    "match_kind": _("Match kind"),
    "score": _("Score"),
    "persons": _("Persons returned"),
    "budget": _("Budget"),
    "username": _("User"),
    "minutes": _("Minutes"),
    "measure": _("Measure"),
    "count": _("Count"),
    "norm": _("Norm"),
    "threshold": _("Threshold"),
    "window_start": _("Window start"),
    "window_end": _("Window end"),
    "method": _("Method"),
    "district": _("District"),
    "n": _("Trials"),
    "p_value": _("p-value"),
}


def notification_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per notification: time, kind in words, agencies, incident, other details."""
    return [
        {
            "at": api_time(item.get("at")),
            "kind": KINDS.get(item.get("kind", ""), item.get("kind", "")),
            "agency": item.get("agency"),
            "by_agency": item.get("by_agency"),
            "incident": item.get("incident"),
            "details": [
                (LABELS.get(name, name), value)
                for name, value in item.items()
                if name not in COMMON and value not in (None, "")
            ],
        }
        for item in items
    ]
