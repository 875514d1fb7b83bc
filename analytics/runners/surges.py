"""Surges runner: per (district, category) tests of the last period against a baseline, the same
test on aggregates (province, each category, each district), and a level-shift and trend test
on the province-wide series over the whole window.

Three families, each at the requested `fdr`: the (district, category) rows (Benjamini-Hochberg
over them, as before; they alone feed `flagged`, the evidence and the bias checks), the
aggregate rows (Benjamini-Hochberg over all of them), and the level-shift test (one test).
"""

from datetime import datetime

import numpy as np

from analytics import periods
from analytics.methods.level_shift import level_shift, trend
from analytics.methods.surges import surges
from analytics.runners.common import Job, bias_for, ids_by_unit, persistence_sets
from analytics.snapshot import Inputs

ALL = "*"


def run_surges(job: Job) -> dict:
    inputs, scope, params, previous, progress = job.parts()
    after = datetime.fromisoformat(scope["occurred_after"])
    before = datetime.fromisoformat(scope["occurred_before"])
    n_periods = periods.whole_periods(after, before, params["period"])
    if n_periods < 2:
        raise ValueError(f"the window holds {n_periods} whole {params['period']}s; at least 2")
    period = periods.period_index(inputs.t, before, params["period"], n_periods)
    keep = (period >= 0) & (period < n_periods)
    pairs = sorted(
        {
            (inputs.district_names[d], inputs.category_names[c])
            for d, c in zip(inputs.district[keep], inputs.category[keep], strict=True)
        }
    )
    index = {pair: k for k, pair in enumerate(pairs)}
    group = np.array(
        [
            index.get((inputs.district_names[d], inputs.category_names[c]), -1)
            for d, c in zip(inputs.district, inputs.category, strict=True)
        ],
        dtype=np.int64,
    )
    progress(30)
    edges = periods.boundaries(before, params["period"], n_periods)
    test = {
        "n_periods": n_periods,
        "baseline_periods": min(params["baseline_periods"], n_periods - 1),
        "fdr": params["fdr"],
        "min_observed": params["min_observed"],
        "lengths": np.diff([edge.timestamp() for edge in edges]) / 86400.0,
    }
    found = surges(period[keep], group[keep], n_groups=len(pairs), **test).to_dict()
    progress(60)
    significant = {row["group"] for row in found["groups"] if row["significant"]}
    tested = np.where(period == n_periods - 1, group, -1)
    evidence = ids_by_unit(tested, significant, inputs.ids)
    tested_start = edges[-2].isoformat()  # the tested period's start
    rows = [
        surge_row(
            ("district_category", *pairs[row["group"]]),
            tested_start,
            row,
            evidence.get(row["group"], []),
        )
        for row in found["groups"]
    ]
    aggregates, aggregate_warnings = aggregate_rows(inputs, period, keep, test, tested_start)
    progress(75)
    shift, trend_row = province_change(period[keep], edges, test["lengths"], params)
    progress(90)
    flagged = np.isin(tested, list(significant)) if significant else np.zeros(inputs.n, bool)
    keys = sorted(f"{pairs[g][0]}|{pairs[g][1]}" for g in significant)
    same = previous is not None
    checks = bias_for(
        inputs, flagged, "surges", persistence_sets(set(keys), previous, "flagged", same)
    )
    method = {k: v for k, v in found.items() if k not in ("groups", "warnings")}
    return {
        "surges": rows,
        "aggregates": aggregates,
        "level_shift": shift,
        "trend": trend_row,
        "flagged": keys,
        "parameters": {
            **params,
            "method": method,
            "period_days": float(test["lengths"][-1]),
            "window_periods": n_periods,
        },
        "bias_checks": checks,
        "warnings": [
            *short_baseline(params, n_periods),
            *found["warnings"],
            *aggregate_warnings,
            *shift.pop("warnings"),
            *checks["warnings"],
        ],
    }


def aggregate_rows(
    inputs: Inputs, period: np.ndarray, keep: np.ndarray, test: dict, tested_start: str
) -> tuple[list[dict], list[str]]:
    """The surge test on the province-wide series (district and category "*"), on each category
    across districts and on each district across categories, with Benjamini-Hochberg over all
    these rows. A level is left out when it would repeat the (district, category) rows (one
    district or one category in scope)."""
    units = [("province", ALL, ALL, keep)]
    districts = sorted({int(d) for d in inputs.district[keep]})
    categories = sorted({int(c) for c in inputs.category[keep]})
    if len(districts) > 1:
        units += [
            ("category", ALL, inputs.category_names[c], keep & (inputs.category == c))
            for c in categories
        ]
    if len(categories) > 1:
        units += [
            ("district", inputs.district_names[d], ALL, keep & (inputs.district == d))
            for d in districts
        ]
    member = [np.flatnonzero(unit[3]) for unit in units]
    rows_of = np.concatenate([np.full(m.size, k) for k, m in enumerate(member)] or [[]])
    at = np.concatenate(member or [[]]).astype(np.int64)
    found = surges(period[at], rows_of.astype(np.int64), n_groups=len(units), **test)
    last = test["n_periods"] - 1
    out = []
    for row in found.groups:
        level, district, category, mask = units[row["group"]]
        ids = np.flatnonzero(mask & (period == last)) if row["significant"] else []
        out.append(
            surge_row((level, district, category), tested_start, row, [inputs.ids[k] for k in ids])
        )
    warnings = [w.replace("groups", "aggregate rows") for w in found.warnings if "sparse" in w]
    return out, warnings


def province_change(
    period: np.ndarray, edges: list[datetime], days: np.ndarray, params: dict
) -> tuple[dict, dict]:
    """Level shift (changepoint scan) and log-linear trend of all incidents in scope, per
    period over the whole window (`edges`, the periods' boundaries, and `days`, their
    lengths: calendar months enter as exposure)."""
    name = params["period"]
    n_periods = len(days)
    counts = np.bincount(period, minlength=n_periods)[:n_periods]
    starts = [e.date().isoformat() for e in edges[:-1]]
    shift = level_shift(counts, exposure=days, alpha=params["fdr"]).to_dict()
    per_year = 365.25 / periods.NOMINAL_DAYS[name]
    found = trend(counts, periods_per_year=per_year, exposure=days, alpha=params["fdr"])
    trend_row = {**found.to_dict(), "summary": trend_summary(found.to_dict(), name)}
    first = shift["first_period"]
    shift.update(
        series="all incidents in scope, every district and category",
        period=name,
        period_starts=starts,
        counts=[int(c) for c in counts],
        first_period_start=starts[first] if first < n_periods else None,
        change_period_start=(
            starts[shift["change_period"]] if shift["change_period"] is not None else None
        ),
    )
    shift["summary"] = shift_summary(shift, name, n_periods - first)
    shift["warnings"] = []
    if not shift["tested"]:
        shift["warnings"].append(
            f"level shift not tested: {n_periods - first} {name}s from the first incident on; "
            f"the test needs at least 8 (widen the window)"
        )
    return shift, trend_row


def shift_summary(shift: dict, name: str, span: int) -> str:
    if not shift["tested"]:
        return f"not tested: too short a history ({span} {name}s with incidents)"
    low, high = shift["ratio_ci"] or (None, None)
    interval = f"95% CI {low:.2f}-{high:.2f}x; " if low is not None else ""
    if not shift["significant"]:
        return (
            f"no level shift in incidents per {name} over the {span} {name}s from "
            f"{shift['first_period_start']} (p = {shift['p']:.2g})"
        )
    verb = "rose" if shift["ratio"] > 1 else "fell"
    floor = 1 / (shift["n_boot"] + 1)  # the smallest p the bootstrap can give
    p = f"p <= {floor:.2g}" if shift["p"] <= floor * (1 + 1e-9) else f"p = {shift['p']:.2g}"
    return (
        f"incidents per {name} {verb} {shift['ratio']:.2g}x from {shift['change_period_start']} "
        f"on ({shift['before_rate']:.3g} before, {shift['after_rate']:.3g} after; {interval}{p})"
    )


def trend_summary(found: dict, name: str) -> str:
    if not found["tested"]:
        return "not tested: too short a history"
    low, high = found["ci"]
    ratio = found["rate_ratio_per_year"]
    word = "rising" if ratio > 1 else "falling"
    if not found["significant"]:
        word = "no clear trend"
    return (
        f"{word}: incidents per {name} x{ratio:.2g} per year "
        f"(95% CI {low:.2g}-{high:.2g}; p = {found['p']:.2g})"
    )


def short_baseline(params: dict, n_periods: int) -> list[str]:
    """A warning when the window holds fewer periods than the baseline asked for."""
    if n_periods - 1 >= params["baseline_periods"]:
        return []
    return [
        f"short window: {n_periods - 1} baseline {params['period']}(s) before the tested one "
        f"where baseline_periods asks for {params['baseline_periods']}; expected levels rest "
        "on fewer periods (widen occurred_after)"
    ]


TEST_FIELDS = ("observed", "expected", "baseline", "distribution", "p", "q", "significant")


def surge_row(unit: tuple[str, str, str], tested_start: str, row: dict, ids: list) -> dict:
    """A result row: the unit (level, district, category), its test and its evidence."""
    level, district, category = unit
    return {
        "level": level,
        "district": district,
        "category": category,
        "period_start": tested_start,
        **{key: row[key] for key in TEST_FIELDS},
        "incidents": ids,
    }
