"""Multi-scale lagged counts combined by an L2-regularised Poisson regression, and the
rank-averaging ensemble, for `analytics.methods.forecast`.

Regression (after Mohler & Porter 2018, Stat. Anal. Data Min. 11:227-236, and Flaxman,
Chirico, Pereira & Loeffler 2019, Ann. Appl. Stat. 13:2564-2585, whose winning entries to the
NIJ crime forecasting challenge were regularised models of lagged counts at several spatial
and temporal scales). For a cell at origin o the features are log(1 + count) of the incidents
in the cell itself, in its 3 x 3 and in its 7 x 7 block of cells, over each of the last
`LAG_PERIODS` periods before o (12 features; a lag longer than the history window is cut to the
window, and counts over a lag reaching back before the first incident are scaled up to the
lag's length, at least one period). Features are standardised over the training rows. The
expected count over [o, o + P) is exp(b0 + z . b + log P): a Poisson regression with an
exposure offset, fitted by L-BFGS (scipy) on the mean Poisson deviance plus `L2` / 2 |b|^2
(b0 unpenalised). Training rows are every cell at each of the `TRAIN_PERIODS` origins before
the forecast's origin (their targets: the counts of the period that follows each, which ends
at or before the forecast's origin), so only incidents before the origin are used. Origins
without any incident before them are left out; with none left the model returns the cells'
prior counts. No step draws random numbers. `L2` = 0.1 and `TRAIN_PERIODS` = 4 were chosen on
the 8 tuning weeks of the SF 2012 H2 file (bench/forecast_sf.py; the last 12 weeks held out):
the regression's mean hit rate over prior counts', averaged over 4 categories x coverages 1%
and 5%, was 1.090 for them, against 1.052-1.080 for L2 in {0.001, 0.01, 1} and 8 periods.

Ensemble: the mean, over the models given, of each cell's rank among the cells (average ranks
for ties, divided by the number of cells) - a consensus of scores on different scales.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

LAG_PERIODS = (1, 4, 13, 52)
BLOCKS = (1, 3, 7)  # cells per side of the neighbourhoods counted
TRAIN_PERIODS = 4
L2 = 0.1


def _box(counts: np.ndarray, side: int) -> np.ndarray:
    """Sum over the side x side block of cells centred on each cell (cells off the grid are 0)."""
    if side == 1:
        return counts
    r = side // 2
    ny, nx = counts.shape
    table = np.zeros((ny + 1, nx + 1))
    table[1:, 1:] = counts.cumsum(0).cumsum(1)
    rows, cols = np.arange(ny), np.arange(nx)
    r0, r1 = np.clip(rows - r, 0, ny)[:, None], np.clip(rows + r + 1, 0, ny)[:, None]
    c0, c1 = np.clip(cols - r, 0, nx)[None, :], np.clip(cols + r + 1, 0, nx)[None, :]
    return table[r1, c1] - table[r0, c1] - table[r1, c0] + table[r0, c0]


def lag_features(
    t: np.ndarray,
    cell: np.ndarray,
    shape: tuple[int, int],
    origin: float,
    period: float,
    window_days: float,
) -> np.ndarray:
    """(cells x 12) log1p counts of each cell and its 3 x 3 and 7 x 7 blocks over the last
    1, 4, 13 and 52 periods before `origin` (t sorted; `cell` the incidents' cell ids)."""
    n_cells = shape[0] * shape[1]
    columns = []
    first = float(t[0]) if t.size else origin
    for lag in LAG_PERIODS:
        days = min(lag * period, window_days)
        lo = int(np.searchsorted(t, origin - days, side="left"))
        hi = int(np.searchsorted(t, origin, side="left"))
        counts = np.bincount(cell[lo:hi], minlength=n_cells).astype(float).reshape(shape)
        seen = max(min(days, origin - first), period)
        counts *= days / seen if seen < days else 1.0
        columns.extend(np.log1p(_box(counts, side)).ravel() for side in BLOCKS)
    return np.column_stack(columns)


@dataclass(frozen=True)
class PoissonFit:
    """Standardisation and coefficients of a fitted regression."""

    mean: np.ndarray
    scale: np.ndarray
    intercept: float
    coef: np.ndarray
    n_rows: int
    n_origins: int
    converged: bool

    def predict(self, features: np.ndarray, period: float) -> np.ndarray:
        z = (features - self.mean) / self.scale
        return np.exp(np.clip(self.intercept + z @ self.coef + math.log(period), -50.0, 50.0))

    def to_dict(self) -> dict:
        return {
            "intercept": float(self.intercept),
            "coefficients": [float(c) for c in self.coef],
            "features": [
                f"log1p count {b}x{b} cells, last {lag} period(s)"
                for lag in LAG_PERIODS
                for b in BLOCKS
            ],
            "training_rows": self.n_rows,
            "training_origins": self.n_origins,
            "l2": L2,
            "converged": self.converged,
        }


def fit_poisson(
    features: np.ndarray, counts: np.ndarray, exposure: np.ndarray, l2: float | None = None
) -> PoissonFit:
    """Minimise mean(exp(eta) - y eta) + l2 / 2 |b|^2, eta = b0 + z b + log(exposure) (l2
    defaults to L2)."""
    l2 = L2 if l2 is None else l2
    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale[scale <= 1e-12] = 1.0
    z = (features - mean) / scale
    offset = np.log(exposure)
    m = max(counts.size, 1)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        eta = np.clip(theta[0] + z @ theta[1:] + offset, -50.0, 50.0)
        mu = np.exp(eta)
        value = float((mu - counts * eta).sum()) / m + 0.5 * l2 * float(theta[1:] @ theta[1:])
        resid = (mu - counts) / m
        grad = np.concatenate([[resid.sum()], z.T @ resid + l2 * theta[1:]])
        return value, grad

    rate = max(float(counts.sum()), 0.5) / float(exposure.sum())
    theta0 = np.concatenate([[math.log(rate)], np.zeros(z.shape[1])])
    result = optimize.minimize(
        loss, theta0, jac=True, method="L-BFGS-B", options={"maxiter": 500, "gtol": 1e-8}
    )
    return PoissonFit(
        mean, scale, float(result.x[0]), result.x[1:], int(counts.size), 0, bool(result.success)
    )


def regression_risk(
    feature_at: Callable[[int], np.ndarray],
    counts_after: Callable[[int], np.ndarray],
    length_of: Callable[[int], float],
    usable: Callable[[int], bool],
    k: int,
) -> tuple[np.ndarray | None, PoissonFit | None]:
    """Expected counts over the period starting at origin k, fitted on origins k+1 ..
    k+TRAIN_PERIODS (feature_at(j): features at origin j; counts_after(j): counts per cell of
    the period from origin j to origin j-1; length_of(j): that period's days; usable(j): whether
    any incident precedes origin j). None when no training origin is usable."""
    rows = [j for j in range(k + 1, k + 1 + TRAIN_PERIODS) if usable(j)]
    if not rows or not usable(k):
        return None, None
    x = np.concatenate([feature_at(j) for j in rows])
    y = np.concatenate([counts_after(j) for j in rows])
    exposure = np.concatenate([np.full(feature_at(j).shape[0], length_of(j)) for j in rows])
    fit = fit_poisson(x, y, exposure)
    fit = PoissonFit(
        fit.mean, fit.scale, fit.intercept, fit.coef, fit.n_rows, len(rows), fit.converged
    )
    return fit.predict(feature_at(k), length_of(k)), fit


def rank_mean(scores: list[np.ndarray]) -> np.ndarray:
    """Mean over the score maps of each cell's average rank divided by the number of cells."""
    return np.mean([stats.rankdata(s, method="average") / s.size for s in scores], axis=0)
