"""The "Request an assessment" form: its fields (the parameters of each kind with their
documented defaults, from analytics.scope) and the API request body made from what was posted.

The form checks nothing itself: every value goes to the API as typed, and the API's 400 names
the field, which the page shows beside the input it came from."""

import math
from datetime import date
from typing import Any

from django.http import QueryDict

from analytics.choices import Kind
from analytics.scope import PARAMS

# Parameters that take a number; the others are words (choices) or dates.
_NUMBERS = (int, float)


def param_fields(values: QueryDict | None = None) -> list[dict[str, Any]]:
    """One fieldset per kind: its parameters with input type, default, bounds and choices, and
    what was typed (re-shown after a refusal)."""
    fieldsets = []
    for kind in Kind:
        fields = []
        for name, (spec, default) in PARAMS[kind].items():
            field_name = f"{kind.value}-{name}"
            fields.append(
                {
                    "name": field_name,
                    "param": name,
                    "id": f"f-{field_name}",
                    "type": _input_type(spec.kind, spec.choices),
                    "choices": spec.choices,
                    "default": "" if default is None else default,
                    "low": spec.low,
                    "high": spec.high,
                    "value": (values or {}).get(field_name, ""),
                }
            )
        fieldsets.append({"kind": kind.value, "label": kind.label, "fields": fields})
    return fieldsets


def _input_type(kind: type, choices: tuple[str, ...]) -> str:
    if kind is date:
        return "date"
    if kind is str:
        return "select"
    return "number-or-word" if choices else "number"


def _number(text: str) -> Any:
    """A typed number as JSON takes it; anything else (words, and nan, inf or 1e999, which
    JSON cannot carry) is sent as typed, for the API to refuse by name (or to accept, as
    `auto`)."""
    try:
        number = int(text) if text.lstrip("-").isdigit() else float(text)
    except ValueError:
        return text
    return number if isinstance(number, int) or math.isfinite(number) else text


def request_body(data: QueryDict) -> dict[str, Any]:
    """The API request for the posted form: only the chosen kind's parameters, those left
    empty taking their defaults; dates as UTC midnight."""
    kind = data.get("kind", "")
    params: dict[str, Any] = {}
    for name, (spec, _default) in PARAMS.get(kind, {}).items():
        typed = data.get(f"{kind}-{name}", "").strip()
        if typed:
            params[name] = _number(typed) if spec.kind in _NUMBERS else typed
    body: dict[str, Any] = {"kind": kind, "params": params}
    for name in ("occurred_after", "occurred_before"):
        day = data.get(name, "").strip()
        if day:
            body[name] = f"{day}T00:00:00+00:00"
    categories = [c for c in data.getlist("categories") if c]
    if categories:
        body["categories"] = categories
    districts = [d for d in data.getlist("districts") if d]
    if districts:
        body["area"] = {"districts": districts}
    if data.get("tlp_max"):
        body["tlp_max"] = data["tlp_max"]
    return body


def field_ids(kind: str) -> dict[str, str]:
    """The input that each API error key belongs to, for the chosen kind."""
    ids = {
        "kind": "f-kind",
        "occurred_after": "f-occurred_after",
        "occurred_before": "f-occurred_before",
        "categories": "f-categories",
        "area.districts": "f-districts",
        "area": "f-districts",
        "tlp_max": "f-tlp_max",
    }
    for name in PARAMS.get(kind, {}):
        ids[f"params.{name}"] = f"f-{kind}-{name}"
    return ids
