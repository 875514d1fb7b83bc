"""Level shift and trend: has the rate of a whole count series moved, and since when?

The surge test (analytics.methods.surges) compares the last period with the eight before it.
A rise that persists is absorbed into that moving baseline within a few periods, so a series
that doubles and stays doubled is flagged at most once or twice and then never again. This
module tests the whole window instead, on one series (in the runner: every incident in
scope, all districts and categories).

Level shift (a changepoint scan). For each candidate change period tau, the counts before and
from tau on are fitted with one rate each, log mu_t = a + b * [t >= tau] + log w_t (w_t the
period's length, so calendar months of 28-31 days are on one footing), and compared with one
rate for the whole series by the Poisson likelihood ratio

    LR(tau) = 2 * [S1 log(S1 / E1) + S2 log(S2 / E2)],   E_k = N * W_k / W,

(S_k the counts and W_k the exposure of each segment, N and W the totals): the binary-
segmentation statistic for one change in a Poisson mean (Worsley 1986, Biometrika 73:91-104;
Killick & Eckley 2014, J. Stat. Softw. 58(3)). The before segment has at least
`min_before` periods, the after segment at least one, so a shift is tested from the first
period it touches. Counts of incidents are overdispersed (a bad week brings several
incidents), so LR is divided by a quasi-Poisson dispersion phi: the Pearson statistic of the
best step fit over n - 2 degrees of freedom, floored at 1 (McCullagh & Nelder 1989, Generalized
Linear Models, 2nd ed., sec. 4.5; the quasi-likelihood ratio LR / phi). The statistic is
T = LR(tau*) / phi at the tau* that maximises LR.

The null distribution of a maximum over change points is not chi-squared (the maximum of
n - min_before correlated statistics; Worsley 1986 gives bounds), so the p-value is by
parametric bootstrap (Davison & Hinkley 1997, Bootstrap Methods, ch. 4): `n_boot` series
with the null's constant rate N * w_t / W, negative binomial with variance phi * mu when the
fitted phi exceeds 1, else Poisson, each put through the same scan with its own phi; then
p = (1 + #{T* >= T}) / (n_boot + 1). The seed is fixed, so a result can be reproduced. The
shift is reported when p <= alpha (two-sided: rises and falls), with the change period, the
rate before and after (per period of average length), their ratio and a 95% Wald interval
for the ratio given tau*, exp(log ratio +- 1.96 sqrt(phi (1/S1 + 1/S2))).

Trend. A log-linear Poisson regression on time, log mu_t = a + b t + log w_t, fitted by
Newton-Raphson, with quasi-Poisson standard errors (Pearson phi over n - 2, floored at 1).
Reported as the rate ratio per year, exp(b * periods_per_year), its 95% interval and the Wald
p-value; `significant` when the interval excludes 1. A level shift also shows as a trend:
the two answer "since when?" and "how fast?", and both can be significant for one step.

Leading empty periods are dropped before either test: a window that starts before the data
do would otherwise show a rise from nothing. A series is tested when it has at least
`min_periods` periods from its first incident on.

Measured (bench/level_shift.py, 500-1500 seeded runs; analytics/backtests/surges.py for the
model card), 52 weekly periods, alpha 0.05, 499 bootstrap draws. False alarms on stationary
series: level shift 4-6.4% of Poisson runs (mean 5-40 a period) and 5-8% of negative-binomial
runs (variance 2x the mean; 5.5-6.2% over 1500 runs at means 5 and 10); trend 3-6.8%. A x2
shift, tested with the window ending at its first and at its second period, is flagged by
one of the two in 80% of Poisson runs at 10 incidents a period, 99% at 20, 100% at 40 (49% at
5); negative binomial 47% at 10, 79% at 20, 99% at 40. The per-period test of the series'
last period (the province-wide row of a surges result) is more sensitive to a change in the
last one or two periods; with it, "flagged within two periods" rises to 94% (Poisson, 10 a
period) and 96% (negative binomial, 20 a period). Twelve periods after the shift the
per-period row flags it in 5-7% of runs (its baseline has absorbed the new level), the
level-shift test in 100%. Below about 10 incidents a period, two periods are too few to tell
a doubling from chance. Pure numpy/scipy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

Z95 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class LevelShift:
    """The changepoint scan on one series; `change_period` is the first period after it."""

    tested: bool
    first_period: int
    change_period: int | None
    before_rate: float | None
    after_rate: float | None
    ratio: float | None
    ratio_ci: tuple[float, float] | None
    statistic: float | None
    dispersion: float | None
    p: float | None
    alpha: float
    n_boot: int
    significant: bool

    def to_dict(self) -> dict:
        out = dict(self.__dict__)
        out["ratio_ci"] = list(self.ratio_ci) if self.ratio_ci else None
        return out


@dataclass(frozen=True)
class Trend:
    """Log-linear Poisson trend: rate ratio per year with a quasi-Poisson interval."""

    tested: bool
    rate_ratio_per_year: float | None
    ci: tuple[float, float] | None
    dispersion: float | None
    p: float | None
    significant: bool

    def to_dict(self) -> dict:
        out = dict(self.__dict__)
        out["ci"] = list(self.ci) if self.ci else None
        return out


def _xlogx_ratio(s: np.ndarray, e: np.ndarray) -> np.ndarray:
    """s * log(s / e) with 0 log 0 = 0."""
    safe = np.where(s > 0, s, 1.0)
    return np.where(s > 0, s * np.log(safe / e), 0.0)


def _scan(x: np.ndarray, w: np.ndarray, min_before: int) -> tuple[np.ndarray, ...]:
    """For series in the rows of x (exposure w): LR max, its tau and the step fit's phi."""
    n = x.shape[1]
    taus = np.arange(min_before, n)
    c = np.cumsum(x, axis=1)
    cw = np.cumsum(w)
    total, wtotal = c[:, -1:], cw[-1]
    s1 = c[:, taus - 1]
    s2 = total - s1
    e1 = total * cw[taus - 1] / wtotal
    e2 = total - e1
    lr = 2.0 * (_xlogx_ratio(s1, e1) + _xlogx_ratio(s2, e2))
    best = np.argmax(lr, axis=1)
    rows = np.arange(x.shape[0])
    tau = taus[best]
    r1 = s1[rows, best] / cw[tau - 1]
    r2 = s2[rows, best] / (wtotal - cw[tau - 1])
    after = np.arange(n)[None, :] >= tau[:, None]
    mu = np.where(after, r2[:, None], r1[:, None]) * w[None, :]
    ok = mu > 0
    pearson = np.where(ok, (x - mu) ** 2 / np.where(ok, mu, 1.0), 0.0).sum(axis=1)
    phi = np.maximum(pearson / max(n - 2, 1), 1.0)
    return lr[rows, best], tau, phi, s1[rows, best], s2[rows, best]


def _draw(rng: np.random.Generator, mu: np.ndarray, phi: float, size: int) -> np.ndarray:
    if phi <= 1.0:
        return rng.poisson(mu, size=(size, mu.size)).astype(float)
    return rng.negative_binomial(mu / (phi - 1.0), 1.0 / phi, size=(size, mu.size)).astype(float)


def _prepare(counts: np.ndarray, exposure: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(counts, dtype=float)
    if x.ndim != 1 or np.any(x < 0) or not np.all(np.isfinite(x)):
        raise ValueError("counts must be a one-dimensional array of non-negative counts")
    w = np.ones_like(x) if exposure is None else np.asarray(exposure, dtype=float)
    if w.shape != x.shape or np.any(w <= 0) or not np.all(np.isfinite(w)):
        raise ValueError("exposure must be positive and as long as counts")
    return x, w / w.mean() if w.size else w


def first_nonempty(counts: np.ndarray) -> int:
    """Index of the first period with a count (len(counts) if there is none)."""
    hit = np.flatnonzero(np.asarray(counts) > 0)
    return int(hit[0]) if hit.size else len(counts)


def level_shift(
    counts: np.ndarray,
    *,
    exposure: np.ndarray | None = None,
    alpha: float = 0.05,
    n_boot: int = 499,
    min_before: int = 4,
    min_periods: int = 8,
    seed: int = 20261207,
) -> LevelShift:
    """Scan `counts` (one per period, oldest first) for one change in rate (module docstring).
    Periods are indexed as in `counts`; leading empty periods are skipped."""
    x, w = _prepare(counts, exposure)
    start = first_nonempty(x)
    x, w = x[start:], w[start:]
    untested = LevelShift(
        False, start, None, None, None, None, None, None, None, None, alpha, n_boot, False
    )
    if x.size < max(min_periods, min_before + 1):
        return untested
    lr, tau, phi, s1, s2 = (float(v[0]) for v in _scan(x[None, :], w, min_before))
    tau = int(tau)
    stat = lr / phi
    rng = np.random.default_rng(seed)
    null = _draw(rng, x.sum() * w / w.sum(), phi, n_boot)
    b_lr, _, b_phi, _, _ = _scan(null, w, min_before)
    p = float((1 + np.count_nonzero(b_lr / b_phi >= stat - 1e-9)) / (n_boot + 1))
    before = s1 / w[:tau].sum()
    after = s2 / w[tau:].sum()
    ratio = after / before
    half = Z95 * np.sqrt(phi * (1.0 / s1 + 1.0 / s2)) if s2 > 0 else np.inf
    ci = (float(ratio * np.exp(-half)), float(ratio * np.exp(half))) if s2 > 0 else None
    return LevelShift(
        tested=True,
        first_period=start,
        change_period=start + tau,
        before_rate=float(before),
        after_rate=float(after),
        ratio=float(ratio),
        ratio_ci=ci,
        statistic=float(stat),
        dispersion=float(phi),
        p=p,
        alpha=alpha,
        n_boot=n_boot,
        significant=bool(p <= alpha),
    )


def _poisson_trend(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Newton-Raphson for log mu = a + b t + log w (t centred); coefficients and information."""
    t = np.arange(x.size) - (x.size - 1) / 2.0
    design = np.column_stack([np.ones_like(t), t])
    beta = np.array([np.log(x.sum() / w.sum()), 0.0])
    for _ in range(50):
        mu = w * np.exp(design @ beta)
        info = design.T @ (mu[:, None] * design)
        step = np.linalg.solve(info, design.T @ (x - mu))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            break
    mu = w * np.exp(design @ beta)
    return beta, design.T @ (mu[:, None] * design)


def trend(
    counts: np.ndarray,
    *,
    periods_per_year: float,
    exposure: np.ndarray | None = None,
    alpha: float = 0.05,
    min_periods: int = 8,
) -> Trend:
    """Rate ratio per year of a log-linear Poisson trend, quasi-Poisson interval (docstring)."""
    x, w = _prepare(counts, exposure)
    start = first_nonempty(x)
    x, w = x[start:], w[start:]
    if x.size < min_periods:
        return Trend(False, None, None, None, None, False)
    beta, info = _poisson_trend(x, w)
    t = np.arange(x.size) - (x.size - 1) / 2.0
    mu = w * np.exp(beta[0] + beta[1] * t)
    phi = max(float(((x - mu) ** 2 / mu).sum() / (x.size - 2)), 1.0)
    se = float(np.sqrt(phi * np.linalg.inv(info)[1, 1]))
    low = (beta[1] - Z95 * se) * periods_per_year
    high = (beta[1] + Z95 * se) * periods_per_year
    p = float(2 * stats.norm.sf(abs(beta[1]) / se))
    return Trend(
        tested=True,
        rate_ratio_per_year=float(np.exp(beta[1] * periods_per_year)),
        ci=(float(np.exp(low)), float(np.exp(high))),
        dispersion=phi,
        p=p,
        significant=bool(p <= alpha),
    )
