"""Drift of each method's realised accuracy from what it promised: flags that turned out
wrong more often than the result's backtest or the model card said they would.

A result is approved on the strength of its figures: a forecast's own rolling backtest says
which share of incidents its flagged cells caught in the periods before (its winning model's
`hit_rate_coverage` at the coverage asked for); the links model card says which share of
proposed pairs were one event on held-out labelled data (`province_held_out.precision`).
Once the flags' periods are over, their outcomes say what happened (analytics.flag_outcomes,
as the flag's agency sees the incidents). A single result below its promise is noise; flag
after flag below it is drift, which no single reviewer sees. This check looks for it, for
oversight.

Per agency and method (each agency's flags are decided against the incidents it sees, so its
realised figures are its own; pooling agencies would hide one whose data drifted), over the
flags of results approved in the last DRIFT_LOOKBACK_DAYS (default 90; withdrawn results left
out) that have an outcome:

- `forecast_hit_rate` (forecast): hits = incidents in the flagged cells in the forecast
  period, n = incidents anywhere in the forecast's grid in that period, summed over the
  forecasts whose flags all have computed outcomes. Expected = the forecasts' own promised
  hit rates, weighted by their n. A finding when, with n >= DRIFT_MIN_INCIDENTS (default 30),
  P(X <= hits) < DRIFT_ALPHA (default 0.01) for X ~ Binomial(n, bound), bound = expected x
  (1 - DRIFT_TOLERANCE) (default 0.2: the realised rate is credibly below four fifths of the
  promise).
- `link_precision` (links): hits = recorded outcomes "one event", n = recorded outcomes.
  Expected = the links model card's precision on the held-out set (its latest reference
  backtest); the same bound and one-sided test, with n >= DRIFT_MIN_FLAGS (default 20).
- `false_positive_rate` (hotspots, surges): n = flags with an outcome, misses = those where
  no incident occurred in the flag's period. Their backtests measure false alarms on
  simulated data without any pattern (whether a run flags anything at all), which is not a
  rate per flag, so the bound is a configured ceiling, DRIFT_FALSE_POSITIVE_CEILING (default
  0.5: most of the places flagged saw nothing). A finding when, with n >= DRIFT_MIN_FLAGS,
  P(X >= misses) < DRIFT_ALPHA for X ~ Binomial(n, ceiling).

The tests are exact one-sided binomial tests (scipy.stats.binom). They treat incidents and
flags as independent trials, which clustered incidents are not; a forecast's promised rates
vary, and a binomial at their weighted mean has at least the variance of the true
Poisson-binomial, so the test is conservative there. Small samples never alarm: below the
minimums nothing is tested. The check runs daily; findings are per week (windows of 7 days
aligned on the epoch): at most one per agency, method and measure a week, a re-run updating
its figures. They hold rates and counts, never an incident or a person.
"""

import math
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from scipy.stats import binom

from analytics.choices import Kind, OutcomeSource, Status
from analytics.models import Assessment, Flag
from analytics.registry import latest_backtest
from fusion.models import MonitorFinding, MonitorRun
from fusion.oversight.monitor_runs import keep_finding, monitored
from fusion.oversight.read_monitor import window_start

CHECK = "metric_drift"
WEEK = timedelta(days=7)
HIT_RATE = "forecast_hit_rate"
LINK_PRECISION = "link_precision"
FALSE_POSITIVES = "false_positive_rate"


def metric_drift_check(*, now: datetime | None = None) -> MonitorRun:
    """Compare the realised accuracy of the flags of the lookback period ending at `now` with
    what was promised; returns the run. Actor: the system. A failure is recorded on the run
    (`error`) and raised again."""
    now = now or timezone.now()
    lookback = timedelta(days=settings.DRIFT_LOOKBACK_DAYS)

    def check(run: MonitorRun) -> tuple[int, int]:
        tests = measured(now - lookback, now)
        with transaction.atomic():
            found = [_record(run, now, test) for test in tests if test["drifted"]]
        return len(tests), len(found)

    return monitored(CHECK, now - lookback, now, check)


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def promised_hit_rate(backtest: dict | None) -> float | None:
    """The hit rate a forecast's own backtest promised at its coverage: its winning model's
    mean `hit_rate_coverage` over the folds (None when it measured none)."""
    backtest = backtest or {}
    return _finite((backtest.get(backtest.get("winner") or "") or {}).get("hit_rate_coverage"))


def card_precision() -> float | None:
    """The links model card's precision on the held-out labelled set (latest reference run)."""
    run = latest_backtest(Kind.LINKS)
    return _finite(((run.metrics if run else {}).get("province_held_out") or {}).get("precision"))


def below(hits: int, n: int, expected: float, least: int) -> dict[str, Any]:
    """One-sided test that the success rate hits/n is below expected x (1 - tolerance)."""
    bound = expected * (1 - settings.DRIFT_TOLERANCE)
    p = float(binom.cdf(hits, n, bound)) if n else 1.0
    drifted = n >= least and p < settings.DRIFT_ALPHA
    return {"realised": hits / n if n else None, "expected": expected, "bound": bound,
            "n": n, "events": hits, "p_value": p, "least": least, "drifted": drifted}  # fmt: skip


def above(misses: int, n: int, least: int) -> dict[str, Any]:
    """One-sided test that the false-positive rate misses/n is above the ceiling."""
    ceiling = settings.DRIFT_FALSE_POSITIVE_CEILING
    p = float(binom.sf(misses - 1, n, ceiling)) if n else 1.0
    drifted = n >= least and p < settings.DRIFT_ALPHA
    return {"realised": misses / n if n else None, "expected": ceiling, "bound": ceiling,
            "n": n, "events": misses, "p_value": p, "least": least, "drifted": drifted}  # fmt: skip


def measured(since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Per agency and method with flags of the period, the measure tested (see the module
    docstring): each a dict of agency, method, measure and the test's figures."""
    flags = Flag.objects.filter(
        assessment__status=Status.APPROVED,
        created_at__gte=since,
        created_at__lt=until,
        outcome__isnull=False,
    )
    tests = _forecasts(flags.filter(kind=Kind.FORECAST))
    tests += _links(flags.filter(kind=Kind.LINKS))
    tests += _false_positives(flags.filter(kind__in=[Kind.HOTSPOTS, Kind.SURGES]))
    return tests


def _forecasts(flags) -> list[dict[str, Any]]:
    per: dict[int, dict] = {}
    rows = flags.values_list(
        "agency_id", "assessment_id", "outcome_source", "outcome_incidents", "place"
    )
    for agency, assessment, source, hits, place in rows.iterator(chunk_size=500):
        one = per.setdefault(assessment, {"agency": agency, "hits": 0, "area": None, "ok": True})
        area = (place or {}).get("area_incidents")
        if source != OutcomeSource.COMPUTED or hits is None or area is None:
            one["ok"] = False  # a flag decided by hand: the forecast's hits are not all known
            continue
        one["hits"] += hits
        one["area"] = area
    # flags still open leave the forecast's hits incomplete
    open_ = set(
        Flag.objects.filter(assessment_id__in=list(per), outcome__isnull=True).values_list(
            "assessment_id", flat=True
        )
    )
    promised = dict(
        Assessment.objects.filter(pk__in=list(per)).values_list("pk", "result__backtest")
    )
    by_agency: dict[int, list] = defaultdict(list)
    for pk, one in per.items():
        expected = promised_hit_rate(promised.get(pk))
        if one["ok"] and pk not in open_ and one["area"] and expected is not None:
            by_agency[one["agency"]].append((min(one["hits"], one["area"]), one["area"], expected))
    tests = []
    for agency, forecasts in sorted(by_agency.items()):
        hits, n = sum(f[0] for f in forecasts), sum(f[1] for f in forecasts)
        expected = sum(f[1] * f[2] for f in forecasts) / n
        test = below(hits, n, expected, settings.DRIFT_MIN_INCIDENTS)
        tests.append({"agency": agency, "method": Kind.FORECAST, "measure": HIT_RATE,
                      "results": len(forecasts), **test})  # fmt: skip
    return tests


def _links(flags) -> list[dict[str, Any]]:
    outcomes: dict[int, list[bool]] = defaultdict(list)
    for agency, outcome in flags.values_list("agency_id", "outcome"):
        outcomes[agency].append(outcome)
    expected = card_precision() if outcomes else None
    if expected is None:
        return []
    return [
        {"agency": agency, "method": Kind.LINKS, "measure": LINK_PRECISION,
         "results": None, **below(sum(v), len(v), expected, settings.DRIFT_MIN_FLAGS)}
        for agency, v in sorted(outcomes.items())
    ]  # fmt: skip


def _false_positives(flags) -> list[dict[str, Any]]:
    outcomes: dict[tuple[int, str], list[bool]] = defaultdict(list)
    for agency, kind, outcome in flags.values_list("agency_id", "kind", "outcome"):
        outcomes[(agency, kind)].append(outcome)
    return [
        {"agency": agency, "method": kind, "measure": FALSE_POSITIVES, "results": None,
         **above(v.count(False), len(v), settings.DRIFT_MIN_FLAGS)}
        for (agency, kind), v in sorted(outcomes.items())
    ]  # fmt: skip


def _record(run: MonitorRun, now: datetime, test: dict[str, Any]) -> MonitorFinding:
    week = window_start(now, WEEK)
    key = f"{CHECK}:{test['measure']}:{test['agency']}:{test['method']}:{week.isoformat()}"
    figures = {
        "count": round(test["realised"], 4),
        "norm": round(test["expected"], 4),
        "threshold": round(test["bound"], 4),
        "window_end": now,
        "details": {
            "method": test["method"], "n": test["n"], "events": test["events"],
            "p_value": test["p_value"], "alpha": settings.DRIFT_ALPHA,
            "least": test["least"], "results": test["results"],
            "lookback_days": settings.DRIFT_LOOKBACK_DAYS,
        },
    }  # fmt: skip
    identity = {
        "kind": MonitorFinding.Kind.METRIC_DRIFT, "agency_id": test["agency"],
        "measure": test["measure"], "window_start": week, "run": run,
    }  # fmt: skip
    return keep_finding(key, identity, figures)
