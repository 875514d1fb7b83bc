"""What an assessment request may ask: its scope and parameters, normalised with defaults.

Every default is written into the stored record, so the record says exactly what was run.
Scope is limited to places, periods and categories: any filter on persons is refused
(an assessment never scores or ranks a natural person).
"""

import hashlib
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from analytics import periods
from analytics.choices import Kind
from fusion.errors import Invalid
from incidents.choices import TLP, TLP_ORDER
from incidents.districts import register, unknown_district
from incidents.selectors import active_category_slugs

PERSON_KEYS = frozenset(
    {
        "person",
        "persons",
        "person_id",
        "national_id",
        "full_name",
        "name",
        "phone",
        "suspect",
        "victim",
        "witness",
    }
)
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 1, 1)
PERSON_REFUSAL = "Assessments are about places and periods; filters on persons are not allowed."


@dataclass(frozen=True)
class Spec:
    """A parameter: its type, bounds and default per kind."""

    kind: type
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()


PARAMS: dict[str, dict[str, tuple[Spec, Any]]] = {
    Kind.HOTSPOTS: {
        # "auto": the suggestion for the data, resolved and stored at request time
        "cell_size_km": (Spec(float, 0.05, 50.0, choices=("auto",)), 1.0),
        "fdr": (Spec(float, 0.001, 0.5), 0.05),
        # without area.bbox: "trim" leaves incidents far outside the rest out of the grid
        "outliers": (Spec(str, choices=("keep", "trim")), "keep"),
    },
    Kind.SURGES: {
        "period": (Spec(str, choices=periods.NAMES), "week"),
        "baseline_periods": (Spec(int, 2, 104), 8),
        "fdr": (Spec(float, 0.001, 0.5), 0.05),
        "min_observed": (Spec(int, 1, 1000), 3),
    },
    Kind.FORECAST: {
        "cell_size_km": (Spec(float, 0.05, 50.0), 1.0),
        "period": (Spec(str, choices=periods.NAMES), "week"),
        "forecast_start": (Spec(date), None),
        "coverage": (Spec(float, 0.001, 0.5), 0.05),
        "folds": (Spec(int, 1, 12), 4),
    },
    Kind.LINKS: {
        "max_distance_m": (Spec(float, 10.0, 20_000.0), 1000.0),
        "max_hours": (Spec(float, 0.1, 24.0 * 14), 24.0),
        "threshold": (Spec(float, 0.05, 0.99), 0.6),
    },
}


def refuse_person_keys(data: Any, path: str = "") -> None:
    """400 naming the first key, at any depth, that would filter on persons."""
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{path}.{key}" if path else str(key)
            if str(key).lower() in PERSON_KEYS:
                raise Invalid(PERSON_REFUSAL, errors={name: [PERSON_REFUSAL]})
            refuse_person_keys(value, name)
    elif isinstance(data, list):
        for value in data:
            refuse_person_keys(value, path)


def _number(name: str, value: Any, spec: Spec) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        named = "".join(f' or "{c}"' for c in spec.choices)
        raise Invalid(errors={name: [f"Must be a {spec.kind.__name__}{named}."]})
    if spec.kind is int and (isinstance(value, float) and not value.is_integer()):
        raise Invalid(errors={name: ["Must be a whole number."]})
    try:
        value = spec.kind(value)
        within = math.isfinite(value) and spec.low <= value <= spec.high
    except OverflowError:
        within = False
    if not within:
        raise Invalid(errors={name: [f"Must lie between {spec.low:g} and {spec.high:g}."]})
    return value


def _param(name: str, value: Any, spec: Spec) -> Any:
    if spec.kind is not str and isinstance(value, str) and value in spec.choices:
        return value  # a named alternative to a number, e.g. cell_size_km "auto"
    if spec.kind is str:
        if value not in spec.choices:
            raise Invalid(errors={name: [f"Must be one of: {', '.join(spec.choices)}."]})
        return value
    if spec.kind is date:
        try:
            if not isinstance(value, str) or not ISO_DAY.fullmatch(value):
                raise ValueError(value)
            day = date.fromisoformat(value)
        except ValueError:
            raise Invalid(errors={name: ["Must be a date, YYYY-MM-DD."]}) from None
        if not EARLIEST <= day <= LATEST:
            raise Invalid(errors={name: [f"Must lie between {EARLIEST} and {LATEST}."]})
        return day.isoformat()
    return _number(name, value, spec)


def normalise_params(kind: str, params: Any) -> dict[str, Any]:
    """The kind's parameters with defaults filled in (null means the default); unknown names
    are a 400 naming them."""
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise Invalid(errors={"params": ["Must be an object."]})
    specs = PARAMS[kind]
    unknown = sorted(set(params) - set(specs))
    if unknown:
        raise Invalid(errors={f"params.{k}": [f"Unknown parameter for {kind}."] for k in unknown})
    out = {}
    for name, (spec, default) in specs.items():
        value = params.get(name)
        value = default if value is None else value
        out[name] = None if value is None else _param(f"params.{name}", value, spec)
    if kind == Kind.FORECAST and out["forecast_start"] is None:
        out["forecast_start"] = timezone.now().date().isoformat()
    return out


def normalise_area(area: Any) -> dict[str, Any]:
    """`{"bbox": [min_lon, min_lat, max_lon, max_lat]}` and/or `{"districts": [...]}`."""
    if area in (None, {}):
        return {}
    if not isinstance(area, dict):
        raise Invalid(errors={"area": ["Must be an object with bbox and/or districts."]})
    unknown = sorted(set(area) - {"bbox", "districts"})
    if unknown:
        raise Invalid(errors={f"area.{k}": ["Unknown area field."] for k in unknown})
    out: dict[str, Any] = {}
    if "bbox" in area:
        out["bbox"] = _bbox(area["bbox"])
    if "districts" in area:
        districts = area["districts"]
        if (
            not isinstance(districts, list)
            or not districts
            or not all(isinstance(d, str) and d.strip() for d in districts)
        ):
            raise Invalid(
                errors={"area.districts": ["Must be a non-empty list of district names."]}
            )
        out["districts"] = _districts(districts)
    return out


def _districts(names: list[str]) -> list[str]:
    """The districts as the register names them (aliases accepted); unknown ones are a 400."""
    current = register()
    found = {name: current.canonical(name) for name in names}
    unknown = [unknown_district(name) for name, district in found.items() if district is None]
    if unknown:
        raise Invalid(errors={"area.districts": unknown})
    return sorted({district for district in found.values() if district})


def _bbox(value: Any) -> list[float]:
    msg = "Must be [min_lon, min_lat, max_lon, max_lat] in degrees."
    if not isinstance(value, list) or len(value) != 4:
        raise Invalid(errors={"area.bbox": [msg]})
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in value):
        raise Invalid(errors={"area.bbox": [msg]})
    try:
        west, south, east, north = (float(v) for v in value)
    except OverflowError:
        raise Invalid(errors={"area.bbox": [msg]}) from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise Invalid(errors={"area.bbox": [msg]})
    km2 = (
        (east - west)
        * 111.32
        * math.cos(math.radians((south + north) / 2))
        * (north - south)
        * 110.57
    )
    cap = settings.ASSESSMENT_MAX_AREA_KM2
    if km2 > cap:
        raise Invalid(errors={"area.bbox": [f"Covers {km2:,.0f} km², above the {cap:,} cap."]})
    return [west, south, east, north]


def normalise_categories(categories: Any) -> list[str]:
    if categories in (None, []):
        return []
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        raise Invalid(errors={"categories": ["Must be a list of category slugs."]})
    unknown = sorted(set(categories) - active_category_slugs())
    if unknown:
        raise Invalid(errors={"categories": [f"Unknown categories: {', '.join(unknown)}."]})
    return sorted(set(categories))


def normalise_tlp_max(value: Any) -> str | None:
    """The most restrictive TLP an input may carry (None: every visible incident). A result
    carries its strictest input's TLP, so one TLP:RED incident in scope makes it RED;
    `"AMBER"` leaves RED and AMBER+STRICT incidents out and keeps the result shareable."""
    if value in (None, ""):
        return None
    if value not in TLP.values:
        raise Invalid(errors={"tlp_max": [f"Must be one of: {', '.join(TLP.values)}."]})
    return value


def allowed_tlps(tlp_max: str | None) -> list[str]:
    """The labels an input may carry under `tlp_max`."""
    if tlp_max is None:
        return list(TLP.values)
    return [label.value for label in TLP_ORDER[: TLP_ORDER.index(TLP(tlp_max)) + 1]]


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value, UTC)
    return value


# Default surge window in periods: a year of weeks, three years of months, 90 days. The per-period
# test reads only its baseline and tested periods; the level-shift and trend tests read the whole
# window and need a reference level well before any change. Never longer than the window cap.
SURGE_HISTORY_PERIODS = {"day": 90, "week": 52, "month": 36}


def _surge_window_start(before: datetime, params: dict) -> datetime:
    """Start of the default surge window: SURGE_HISTORY_PERIODS periods, or baseline_periods + 1
    if longer; no longer than the cap allows unless the baseline alone needs it."""
    name = params["period"]
    need = periods.shift(before, name, -(params["baseline_periods"] + 1))
    cap = before - timedelta(days=settings.ASSESSMENT_MAX_WINDOW_DAYS)
    if need < cap:
        return need  # refused below, as the baseline alone does not fit
    return max(min(need, periods.shift(before, name, -SURGE_HISTORY_PERIODS[name])), cap)


def normalise_window(
    kind: str, params: dict, after: datetime | None, before: datetime | None
) -> tuple[datetime, datetime]:
    """The time window: defaults end now (a forecast: at its start) and reach back a year
    (surges: SURGE_HISTORY_PERIODS periods); capped at ASSESSMENT_MAX_WINDOW_DAYS (links:
    ASSESSMENT_MAX_LINK_WINDOW_DAYS, as they run in time chunks)."""
    after, before = _aware(after), _aware(before)
    for name, value in (("occurred_after", after), ("occurred_before", before)):
        if value is not None and not EARLIEST <= value.date() <= LATEST:
            raise Invalid(errors={name: [f"Must lie between {EARLIEST} and {LATEST}."]})
    if kind == Kind.FORECAST:
        start = datetime.combine(date.fromisoformat(params["forecast_start"]), time(), UTC)
        if before is not None and before != start:
            raise Invalid(
                errors={"occurred_before": ["A forecast reads incidents before forecast_start."]}
            )
        before = start
    before = (before or timezone.now()).astimezone(UTC)
    if after is None:
        after = before - timedelta(days=365)
        if kind == Kind.SURGES:
            after = _surge_window_start(before, params)
    after = after.astimezone(UTC)
    if after >= before:
        raise Invalid(errors={"occurred_after": ["Must be before occurred_before."]})
    cap = settings.ASSESSMENT_MAX_WINDOW_DAYS
    if kind == Kind.LINKS:
        cap = settings.ASSESSMENT_MAX_LINK_WINDOW_DAYS
    if before - after > timedelta(days=cap):
        raise Invalid(errors={"occurred_after": [f"The window may span at most {cap} days."]})
    if kind == Kind.SURGES and periods.whole_periods(after, before, params["period"]) < 2:
        raise Invalid(
            errors={"occurred_after": [f"Surges need at least 2 whole {params['period']}s."]}
        )
    return after, before


def scope_key(kind: str, agency_id: int, scope: dict, params: dict) -> str:
    """Identifies "the same question": kind, agency, area, categories and parameters, without
    the time window, so successive runs of a question can be compared (flag persistence)."""
    timeless = {k: v for k, v in params.items() if k != "forecast_start"}
    material = {
        "kind": kind,
        "agency": agency_id,
        "area": scope.get("area", {}),
        "categories": scope.get("categories", []),
        **({"tlp_max": scope["tlp_max"]} if scope.get("tlp_max") else {}),
        "params": timeless,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()
