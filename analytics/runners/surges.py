"""Surges runner: per (district, category) tests of the last period against a baseline."""

from datetime import datetime

import numpy as np

from analytics import periods
from analytics.methods.surges import surges
from analytics.runners.common import Job, bias_for, ids_by_unit, persistence_sets


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
    found = surges(
        period[keep],
        group[keep],
        n_groups=len(pairs),
        n_periods=n_periods,
        baseline_periods=min(params["baseline_periods"], n_periods - 1),
        fdr=params["fdr"],
        min_observed=params["min_observed"],
    ).to_dict()
    progress(70)
    significant = {row["group"] for row in found["groups"] if row["significant"]}
    tested = np.where(period == n_periods - 1, group, -1)
    evidence = ids_by_unit(tested, significant, inputs.ids)
    tested_from = periods.shift(before, params["period"], -1)
    tested_start = tested_from.isoformat()
    rows = [
        {
            "district": pairs[row["group"]][0],
            "category": pairs[row["group"]][1],
            "period_start": tested_start,
            "observed": row["observed"],
            "expected": row["expected"],
            "baseline": row["baseline"],
            "distribution": row["distribution"],
            "p": row["p"],
            "q": row["q"],
            "significant": row["significant"],
            "incidents": evidence.get(row["group"], []),
        }
        for row in found["groups"]
    ]
    flagged = np.isin(tested, list(significant)) if significant else np.zeros(inputs.n, bool)
    keys = sorted(f"{pairs[g][0]}|{pairs[g][1]}" for g in significant)
    same = previous is not None
    checks = bias_for(
        inputs, flagged, "surges", persistence_sets(set(keys), previous, "flagged", same)
    )
    method = {k: v for k, v in found.items() if k not in ("groups", "warnings")}
    return {
        "surges": rows,
        "flagged": keys,
        "parameters": {
            **params,
            "method": method,
            "period_days": periods.days_in(tested_from, params["period"]),
        },
        "bias_checks": checks,
        "warnings": [*found["warnings"], *checks["warnings"]],
    }
