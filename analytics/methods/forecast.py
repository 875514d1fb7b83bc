"""Short-term forecasts of where incidents will occur, chosen by a rolling-origin backtest on
the comparison a user faces: how many of the next period's incidents fall in the cells flagged,
every model flagging the same number of cells.

Five models each give a score (an expected count, or for the ensemble a rank) per grid cell
for the period [origin, origin + P):

1. `prior_counts` - the classic hotspot map: each cell's count over the history window before
   the origin, turned into a rate per day and scaled to the period.
2. `kde` - prospective hotspotting (Bowers, Johnson & Pease 2004, Br. J. Criminol.
   44:641-658; Johnson & Bowers 2004, Eur. J. Criminol. 1:237-255): a Gaussian kernel density
   of past incidents in which incident i weighs exp(-(origin - t_i) / tau), so that recent
   incidents count more, divided by the integral of that weight over the span of history (an
   exponentially weighted rate per day) and multiplied by P. The bandwidth h and the decay
   tau are chosen per requested coverage from the grid `KDE_BANDWIDTHS` (multiples of the cell
   side) x `KDE_TAUS_DAYS` by an inner rolling backtest: the candidate with the best mean hit
   rate at the requested coverage over the `INNER_FOLDS` periods just before the origin, so
   only incidents before the origin are used (ties go to the candidate listed first). A wide
   kernel that spreads risk over never-hit cells can do well at 5% and badly at 1%; choosing
   per coverage lets it narrow.
3. `etas` - a space-time self-exciting point process without magnitudes (Mohler, Short,
   Brantingham, Schoenberg & Tita 2011, JASA 106:100-108, after the seismologists' ETAS
   model, Ogata 1998, Ann. Inst. Stat. Math. 50:379-402):

       lambda(s, t) = mu0 m(s) + sum_{t_i < t} K h(t - t_i) g(s - s_i)

   with h(u) = omega exp(-omega u) and g a circular Gaussian of scale sigma, both truncated
   to the pair cut-offs below and renormalised. K is the branching ratio (the expected number
   of incidents each incident triggers), mu0 the background rate per day over the grid and m
   the background's distribution over the grid: an adaptive Gaussian kernel density of the
   incidents, each weighted by its probability of being background (stochastic declustering,
   Zhuang, Ogata & Vere-Jones 2002, JASA 97:369-380), mixed with a uniform share
   `BACKGROUND_FLOOR` so that no place is impossible. As in Zhuang et al. and Mohler et al.,
   each incident's bandwidth follows the local density: the half-width of the smallest square
   around it that holds `ETAS_NEIGHBOURS` other incidents, among 1/4, 1/2, 1, 2, ... 8 cell
   sides (`ETAS_BANDWIDTH_CELLS`; counted on the sub-grid below). The background is taken at
   each incident's sub-cell. A background smoother than the real hotspots, or averaged over
   whole cells, is mistaken for triggering: on simulated fixed hotspots without any
   triggering, a fixed 125 m bandwidth averaged over 250 m cells gave K = 0.4 for hotspots
   120 m wide, and 0.7 for hotspots 60 m wide even at sub-cell resolution; the adaptive
   background gives K <= 0.01 for hotspots 60 to 400 m wide. Each incident's own kernel is
   part of the background at its place, which biases K a little low (0.46-0.48 for a
   simulated 0.5). Fitted by expectation-maximisation (Veen & Schoenberg 2008, JASA
   103:614-624): the E-step gives each incident j the probabilities p_ij that incident i
   triggered it and p_jj that it is background; the M-step sets mu0 = sum p_jj / T,
   K = sum p_ij / sum_i H(origin - t_i) (H the delay kernel's cumulative mass, K bounded to
   [0, `ETAS_K_MAX`]), omega and sigma to the p-weighted maximum-likelihood estimates of a
   truncated exponential delay and a truncated Gaussian distance (sigma bounded to
   [`ETAS_SIGMA_MIN_M`, `ETAS_SIGMA_MAX_M`]; incidents geocoded to the same point, as block
   addresses are, drive it to the lower bound, where it stands for repeats at one place) and
   m as above, until the log-likelihood changes by less than `ETAS_TOLERANCE` (relative) or
   after `ETAS_MAX_ITERATIONS` iterations. Only pairs at most `ETAS_CUTOFF_DAYS` apart in time
   and 3 `ETAS_SIGMA_MAX_M` in space are considered; they are found by sorting the incidents
   into square buckets of that radius and, within a bucket, by time, so that the candidate
   parents of an incident are 9 runs of a sorted array - never an n x n matrix. EM uses the
   incidents in the history window before the origin; when they form more than
   `ETAS_MAX_CANDIDATES` candidate pairs (pairs in neighbouring buckets within the time
   cut-off, before the distance test) the oldest are left out of EM until they do not (they
   still shape the background, with the mean background probability as weight), and
   `capped`, `em_window_days` and a warning say so. The forecast is the background over the
   period plus the incidents that the incidents of the last `ETAS_CUTOFF_DAYS` days are
   expected to trigger within it; offspring of incidents inside the period are not added.
4. `regression` - multi-scale lagged counts combined by an L2-regularised Poisson regression
   (Mohler & Porter 2018, Stat. Anal. Data Min. 11:227-236; Flaxman, Chirico, Pereira &
   Loeffler 2019, Ann. Appl. Stat. 13:2564-2585): log(1 + count) of the cell, its 3 x 3 and
   its 7 x 7 block over the last 1, 4, 13 and 52 periods, fitted on the `TRAIN_PERIODS`
   periods before the origin (see `analytics.methods.forecast_regression`).
5. `ensemble` - the mean of the rank-normalised scores of kde, regression and etas
   (`ENSEMBLE`; on the tuning weeks below it hit 7.9% more than prior counts on average over
   the 4 categories x 2 coverages, against 7.5% with prior counts added, 6.7% for prior counts,
   kde and regression).

`MODELS` lists them simplest first (prior_counts, kde, regression, etas, ensemble). ETAS
stays a candidate and an ensemble member although it takes most of the time (on 3,296 SF
vandalism incidents, 20 weekly folds: 19.8 s of 22.3 s under a profiler, about 0.9 s per EM
fit, against 2.1 s for all regression fits and 0.2 s for the kde), because a forecast runs as
a background job, a default request (4 folds) fits it only 5 times, and it was among the best
models on the held-out weeks below (vandalism at 5%, robbery at 1%).

Kernel masses per cell are exact Gaussian integrals over the cell (products of normal CDF
differences along x and y) for incidents binned to sub-cells of 1/`SUBCELLS` of the cell side
(fewer on grids of more than 160,000 cells), so positions move by at most a tenth of a cell
(the ETAS background's kernels of `COARSE_CELLS` cells or more start from cell centres).
Incidents outside the grid are ignored.

History. Each model sees the incidents in the `HISTORY_DAYS` days before its origin, in whole
periods (the last round(365 / P) periods: 364 days for weekly periods). Counts become expected
counts for the period by dividing by the span of history (the window, or less when the data
begin later; at least one period) and multiplying by P.

Evaluation (rolling origin, Tashman 2000, Int. J. Forecast. 16:437-450): for k = 1..folds each
model is fitted on the incidents before origin_k and scored on the incidents of
[origin_k, origin_{k-1}), origin_0 = start. The origins step back by P, or are given
(`origins`: calendar months, whose lengths differ; each fold's expected counts are scaled to
its own period's days). In every fold every model flags exactly ceil(a n_cells) cells, the
cells of highest score with ties broken by cell id - the same rule for all, so prior counts,
whose zero-count cells tie, are compared on exactly the same area as the others. The hit rate
is the share of the period's incidents inside flagged cells and the Predictive Accuracy Index
PAI = hit rate / share of cells flagged (Chainey, Tompson & Uhlig 2008, Security Journal
21:4-28). Hit rate and PAI are recorded per fold at a = 1%, 5% and the requested coverage,
with each model's ratio to prior_counts' mean hit rate and the folds it beat prior_counts in.
Folds without any incident are skipped. The model with the highest mean hit rate at the
requested coverage wins (within 1e-9 the simpler one, in the order of `MODELS`: prior_counts
first), so prior counts win unless another model hits more incidents on the same area - and a
warning says so when they do. The final forecast is the winner fitted on every incident
before `start`, flagging the top `coverage` share of cells. Incidents at or after `start` are
dropped before anything else. No step draws random numbers: incidents are put in a canonical
order first, so the result does not depend on the order of the input either.

Measured (bench/forecast_sf.py: San Francisco 2012 H2, 2,499 cells of 250 m, weekly; the
constants above were tuned on the 8 weeks 14 August - 8 October only, the last 12 weeks,
9 October - 31 December, held out). On the held-out weeks, the model that was best on the
tuning weeks hit, relative to prior counts on the same number of cells (mean hit rate over
prior counts', weeks it hit more / fewer):

    category        1% of cells (25)              5% of cells (125)
    robbery         ensemble    1.013  3 / 4      regression  1.005  5 / 5
    vehicle theft   regression  0.869  4 / 6      ensemble    1.071  8 / 3
    drug/narcotic   etas        0.999  6 / 4      kde         0.976  4 / 8
    vandalism       regression  1.058  6 / 5      etas        1.061 10 / 2

and the forecast's own choice (the best mean over the 4 weeks before each week, as with
folds=4): robbery 0.997 and 1.012, vehicle theft 0.891 and 1.001, drug/narcotic 0.986 and
0.986, vandalism 1.029 and 1.067. No model beats prior counts at equal area by 10% on robbery
or vehicle theft: the gains of 5-25% on the tuning weeks mostly vanish on the held-out weeks.
Prior counts remain a strong baseline on sparse weekly data, which is why they win ties and a
warning says when nothing beat them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize, sparse, special

from analytics.methods import forecast_regression as reg
from analytics.methods.grid import Grid

MODELS = ("prior_counts", "kde", "regression", "etas", "ensemble")  # simplest first
ENSEMBLE = ("kde", "regression", "etas")
TIE = 1e-9
SHARES = {"1": 0.01, "5": 0.05}
HISTORY_DAYS = 365.0
MIN_TRAINING_EVENTS = 30
INNER_FOLDS = 4
KDE_BANDWIDTHS = (1.0, 0.5, 0.25, 2.0)  # x cell_m
KDE_TAUS_DAYS = (56.0, 14.0, 224.0)
SUBCELLS = 5
MAX_SUBCELLS = 4_000_000
KERNEL_REACH = 5.0  # kernel masses are computed out to this many bandwidths
COARSE_CELLS = 4.0  # wider kernels are computed from incidents binned to cells
ETAS_NEIGHBOURS = 15
ETAS_BANDWIDTH_CELLS = (0.25, 8.0)  # bounds of the background bandwidths, x cell_m
ETAS_CUTOFF_DAYS = 60.0
ETAS_SIGMA_MIN_M = 10.0
ETAS_SIGMA_MAX_M = 500.0
ETAS_K_MAX = 0.95
ETAS_MAX_CANDIDATES = 4_000_000
ETAS_MAX_ITERATIONS = 300
ETAS_TOLERANCE = 1e-6
BACKGROUND_FLOOR = 1e-3
PAIR_CHUNK = 2_000_000


@dataclass(frozen=True)
class EtasFit:
    """A fitted self-exciting model: branching ratio K, delay rate omega (per day), distance
    scale sigma (metres), background rate mu0 (incidents per day over the grid) and the
    background's spatial distribution (a probability per cell)."""

    K: float
    omega: float
    sigma: float
    mu0: float
    iterations: int
    converged: bool
    log_likelihood: float
    n_events: int
    n_pairs: int
    window_days: float
    capped: bool
    background_bandwidth_m: float
    background: np.ndarray

    def to_dict(self) -> dict:
        """JSON-friendly parameters (the background map left out)."""
        return _plain(
            {
                "K": self.K,
                "omega": self.omega,
                "sigma": self.sigma,
                "mu0": self.mu0,
                "em_iterations": self.iterations,
                "converged": self.converged,
                "log_likelihood": self.log_likelihood,
                "n_events": self.n_events,
                "n_pairs": self.n_pairs,
                "em_window_days": self.window_days,
                "capped": self.capped,
                "background_bandwidth_m_median": self.background_bandwidth_m,
                "background_neighbours": ETAS_NEIGHBOURS,
                "cutoff_days": ETAS_CUTOFF_DAYS,
                "cutoff_m": 3.0 * ETAS_SIGMA_MAX_M,
            }
        )


@dataclass(frozen=True)
class ForecastResult:
    """Risk, rank (1 = highest) and flag per cell, with the backtest behind them. The risk is
    an expected count over the period, except for the ensemble, whose risk is the mean rank
    share of its members (in (0, 1], see `parameters["risk_unit"]`)."""

    risk: np.ndarray
    rank: np.ndarray
    flagged: np.ndarray
    model: str
    backtest: dict
    parameters: dict
    warnings: tuple[str, ...]

    def to_dict(self) -> dict:
        """JSON-friendly copy: the flagged cells by rank, backtest, parameters and warnings."""
        cells = np.flatnonzero(self.flagged)
        cells = cells[np.argsort(self.rank[cells], kind="stable")]
        return _plain(
            {
                "model": self.model,
                "cells": [
                    {
                        "id": int(c),
                        "risk": float(self.risk[c]),
                        "rank": int(self.rank[c]),
                        "flagged": True,
                    }
                    for c in cells
                ],
                "backtest": self.backtest,
                "parameters": self.parameters,
                "warnings": list(self.warnings),
            }
        )


def _plain(value: Any) -> Any:
    """Plain Python containers and numbers (NaN and infinities become None)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    return value


# ---------------------------------------------------------------------------------------------
# Ranking and scoring


def top_cells(risk: np.ndarray, share: float) -> np.ndarray:
    """Ids of the ceil(share * n) cells of highest risk, highest first (ties by cell id)."""
    risk = np.asarray(risk, dtype=float)
    n_flag = min(math.ceil(round(share * risk.size, 9)), risk.size)
    if n_flag == 0:
        return np.zeros(0, dtype=np.int64)
    threshold = -np.partition(-risk, n_flag - 1)[n_flag - 1]
    above = np.flatnonzero(risk > threshold)
    tied = np.flatnonzero(risk == threshold)[: n_flag - above.size]
    chosen = np.concatenate([above, tied])
    return chosen[np.lexsort((chosen, -risk[chosen]))]


def hit_rate_and_pai(risk: np.ndarray, cells: np.ndarray, share: float) -> tuple[float, float]:
    """Share of the incidents in `cells` (cell ids; -1 = outside the grid, ignored) that fall in
    the top `share` of cells by `risk`, and the Predictive Accuracy Index: that hit rate divided
    by the share of cells flagged. NaN for both when no incident is inside the grid."""
    risk = np.asarray(risk, dtype=float)
    cells = np.asarray(cells, dtype=np.int64)
    cells = cells[cells >= 0]
    top = top_cells(risk, share)
    if cells.size == 0 or top.size == 0:
        return math.nan, math.nan
    flagged = np.zeros(risk.size, dtype=bool)
    flagged[top] = True
    hit_rate = float(flagged[cells].mean())
    return hit_rate, hit_rate / (top.size / risk.size)


def _scores(risk: np.ndarray, cells: np.ndarray) -> dict[str, float]:
    out = {}
    for name, share in SHARES.items():
        out[f"hit_rate_{name}"], out[f"pai_{name}"] = hit_rate_and_pai(risk, cells, share)
    return out


# ---------------------------------------------------------------------------------------------
# Events and kernel masses


@dataclass(frozen=True)
class _Events:
    """Incidents before `start` inside the grid, in canonical order (by time, then x, then y)."""

    x: np.ndarray
    y: np.ndarray
    t: np.ndarray
    cell: np.ndarray
    sub: np.ndarray

    def between(self, begin: float, end: float) -> slice:
        """Incidents with begin <= t < end."""
        lo = int(np.searchsorted(self.t, begin, side="left"))
        return slice(lo, int(np.searchsorted(self.t, end, side="left")))

    def window(self, origin: float, days: float) -> slice:
        """Incidents with origin - days <= t < origin."""
        return self.between(origin - days, origin)


class _Kernels:
    """Gaussian masses per cell (or per sub-cell) of incidents binned to sub-cells."""

    def __init__(self, grid: Grid) -> None:
        self.grid = grid
        self.f = max(1, min(SUBCELLS, math.isqrt(MAX_SUBCELLS // max(grid.n_cells, 1))))
        self.n_sub = grid.n_cells * self.f**2
        self._axes: dict[tuple[int, float, int, int], sparse.csr_matrix] = {}

    def sub_ids(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        step = self.grid.cell_m / self.f
        nsx, nsy = self.grid.nx * self.f, self.grid.ny * self.f
        col = np.clip(np.floor(x / step).astype(np.int64), 0, nsx - 1)
        row = np.clip(np.floor(y / step).astype(np.int64), 0, nsy - 1)
        return row * nsx + col

    def _axis(self, n: int, h: float, source: int, target: int) -> sparse.csr_matrix:
        """(n source) x (n target) matrix: mass over each target bin of a 1-D Gaussian of scale h
        at each source bin's centre, along an axis of n cells cut into `source` and `target`
        bins per cell (1 or f)."""
        key = (n, h, source, target)
        if key not in self._axes:
            cell = self.grid.cell_m
            step = cell / target
            reach = math.ceil(KERNEL_REACH * h / step) + 1
            bins = np.arange(n * source)
            centre = (bins + 0.5) * cell / source
            home = np.floor(centre / step).astype(np.int64)
            cols = home[:, None] + np.arange(-reach, reach + 1)[None, :]
            ok = (cols >= 0) & (cols < n * target)
            mass = special.ndtr(((cols + 1) * step - centre[:, None]) / h) - special.ndtr(
                (cols * step - centre[:, None]) / h
            )
            rows = np.broadcast_to(bins[:, None], cols.shape)
            self._axes[key] = sparse.csr_matrix(
                (mass[ok], (rows[ok], cols[ok])), shape=(n * source, n * target)
            )
        return self._axes[key]

    def _separable(self, counts: np.ndarray, h: float, source: int, target: int) -> np.ndarray:
        rows = self._axis(self.grid.ny, h, source, target).T @ counts
        return np.asarray((self._axis(self.grid.nx, h, source, target).T @ rows.T).T).ravel()

    def counts(self, sub: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
        shape = (self.grid.ny * self.f, self.grid.nx * self.f)
        return np.bincount(sub, weights, minlength=self.n_sub).reshape(shape)

    def smooth(self, sub: np.ndarray, weights: np.ndarray | None, h: float) -> np.ndarray:
        """Sum over incidents of weight x Gaussian(h) mass in each cell, by cell id."""
        return self._separable(self.counts(sub, weights), h, self.f, 1)

    def smooth_variable(
        self, sub: np.ndarray, weights: np.ndarray | None, h: np.ndarray
    ) -> np.ndarray:
        """Sum over incidents of weight x Gaussian(h_i) mass in each sub-cell (row-major over
        the sub-grid). Kernels of a cell or more are integrated over cells and spread evenly
        over their sub-cells (they hardly vary within a cell); from COARSE_CELLS cells on, the
        incidents are also binned to cell centres first."""
        weights = np.ones(sub.size) if weights is None else weights
        fine = np.zeros(self.n_sub)
        coarse = np.zeros(self.grid.n_cells)
        for value in np.unique(h):
            pick = h == value
            counts = self.counts(sub[pick], weights[pick])
            if value < self.grid.cell_m:
                fine += self._separable(counts, value, self.f, self.f)
            elif value < COARSE_CELLS * self.grid.cell_m:
                coarse += self._separable(counts, value, self.f, 1)
            else:
                coarse += self._separable(self.to_cells(counts), value, 1, 1)
        if coarse.any():
            spread = np.repeat(np.repeat(coarse.reshape(self.grid.shape), self.f, 0), self.f, 1)
            fine += spread.ravel() / self.f**2
        return fine

    def to_cells(self, fine: np.ndarray) -> np.ndarray:
        """Sub-cell values summed per cell (rows x columns of cells)."""
        ny, nx, f = self.grid.ny, self.grid.nx, self.f
        return fine.reshape(ny, f, nx, f).sum(axis=(1, 3))


# ---------------------------------------------------------------------------------------------
# Models


@dataclass
class _Context:
    """Everything the models share for one call: incidents, kernels, windows and caches.
    `origins[k]` is the start of the period k periods before `start` (origins[0] = start);
    beyond the list, origins step back by `period`."""

    events: _Events
    kernels: _Kernels
    grid: Grid
    start: float
    period: float
    window_days: float
    origins: tuple[float, ...]
    coverage: float
    kde_scores: dict = field(default_factory=dict)
    etas_cache: dict = field(default_factory=dict)
    kde_choice: dict = field(default_factory=dict)
    features: dict = field(default_factory=dict)
    regression_fits: dict = field(default_factory=dict)
    risks: dict = field(default_factory=dict)

    def origin(self, k: int) -> float:
        if k < 0:
            return self.start + self.period
        if k < len(self.origins):
            return self.origins[k]
        return self.origins[-1] - (k - len(self.origins) + 1) * self.period

    def length(self, k: int) -> float:
        """Days of the period that starts at origin k."""
        return self.origin(k - 1) - self.origin(k)

    def span(self, origin: float) -> float:
        """Days of history a model at `origin` sees (at least one period)."""
        if self.events.t.size == 0 or self.events.t[0] >= origin:
            return self.period
        return max(min(self.window_days, origin - float(self.events.t[0])), self.period)

    def test_cells(self, k: int) -> np.ndarray:
        """Cells of the incidents of the period that starts at origin k."""
        return self.events.cell[self.events.between(self.origin(k), self.origin(k - 1))]


def _prior_counts(ctx: _Context, k: int) -> np.ndarray:
    origin = ctx.origin(k)
    cells = ctx.events.cell[ctx.events.window(origin, ctx.window_days)]
    counts = np.bincount(cells, minlength=ctx.grid.n_cells).astype(float)
    return counts * ctx.length(k) / ctx.span(origin)


def _kde_image(ctx: _Context, k: int, h: float, tau: float) -> np.ndarray:
    origin = ctx.origin(k)
    window = ctx.events.window(origin, ctx.window_days)
    weights = np.exp(-(origin - ctx.events.t[window]) / tau)
    image = ctx.kernels.smooth(ctx.events.sub[window], weights, h)
    return image * ctx.length(k) / (tau * -math.expm1(-ctx.span(origin) / tau))


def _kde_score(ctx: _Context, k: int, h: float, tau: float) -> float:
    """Hit rate at the requested coverage of one candidate on the period starting at origin k
    (kept, not the image)."""
    key = (k, h, tau)
    if key not in ctx.kde_scores:
        image = _kde_image(ctx, k, h, tau)
        ctx.kde_scores[key] = hit_rate_and_pai(image, ctx.test_cells(k), ctx.coverage)[0]
    return ctx.kde_scores[key]


def _kde_candidates(grid: Grid) -> list[tuple[float, float]]:
    return [(b * grid.cell_m, tau) for b in KDE_BANDWIDTHS for tau in KDE_TAUS_DAYS]


def _select_kde(ctx: _Context, k: int) -> tuple[float, float]:
    """The (bandwidth, tau) with the best mean hit rate at the requested coverage over the inner
    folds before origin k."""
    if k not in ctx.kde_choice:
        candidates = _kde_candidates(ctx.grid)
        inner = [j for j in range(k + 1, k + 1 + INNER_FOLDS) if (ctx.test_cells(j) >= 0).any()]
        best, best_score = candidates[0], -math.inf
        for h, tau in candidates:
            if not inner:
                break
            score = float(np.mean([_kde_score(ctx, j, h, tau) for j in inner]))
            if score > best_score + 1e-9:
                best, best_score = (h, tau), score
        ctx.kde_choice[k] = best
    return ctx.kde_choice[k]


def _kde(ctx: _Context, k: int) -> np.ndarray:
    h, tau = _select_kde(ctx, k)
    return _kde_image(ctx, k, h, tau)


def _etas_fit(ctx: _Context, k: int) -> EtasFit:
    if k not in ctx.etas_cache:
        ctx.etas_cache[k] = _fit_etas(ctx.events, ctx.kernels, ctx.origin(k), ctx.window_days)
    return ctx.etas_cache[k]


def _etas(ctx: _Context, k: int) -> np.ndarray:
    return _etas_risk(_etas_fit(ctx, k), ctx.events, ctx.kernels, ctx.origin(k), ctx.length(k))


def _features(ctx: _Context, k: int) -> np.ndarray:
    if k not in ctx.features:
        ctx.features[k] = reg.lag_features(
            ctx.events.t,
            ctx.events.cell,
            ctx.grid.shape,
            ctx.origin(k),
            ctx.period,
            ctx.window_days,
        )
    return ctx.features[k]


def _regression(ctx: _Context, k: int) -> np.ndarray:
    def counts_after(j: int) -> np.ndarray:
        return np.bincount(ctx.test_cells(j), minlength=ctx.grid.n_cells).astype(float)

    def usable(j: int) -> bool:
        return bool(ctx.events.t.size) and float(ctx.events.t[0]) < ctx.origin(j)

    risk, fit = reg.regression_risk(
        lambda j: _features(ctx, j), counts_after, ctx.length, usable, k
    )
    ctx.regression_fits[k] = fit
    return _prior_counts(ctx, k) if risk is None else risk


def _ensemble(ctx: _Context, k: int) -> np.ndarray:
    return reg.rank_mean([_risk(ctx, name, k) for name in ENSEMBLE])


def _risk(ctx: _Context, name: str, k: int) -> np.ndarray:
    """A model's risk map at origin k (kept for the call)."""
    if (name, k) not in ctx.risks:
        ctx.risks[name, k] = PREDICTORS[name](ctx, k)
    return ctx.risks[name, k]


PREDICTORS = {
    "prior_counts": _prior_counts,
    "kde": _kde,
    "regression": _regression,
    "ensemble": _ensemble,
    "etas": _etas,
}


# ---------------------------------------------------------------------------------------------
# Self-exciting model: pairs, EM, forecast


def _truncated_exp_rate(mean: float, cutoff: float) -> float:
    """Rate r of an exponential truncated to [0, cutoff] whose mean is `mean` (the MLE from
    data with that mean), bounded to r * cutoff in [1e-3, 1e6]."""
    lo, hi = 1e-3, 1e6

    def excess(z: float) -> float:  # mean / cutoff of the truncated exponential, minus target
        return 1.0 / z - 1.0 / math.expm1(min(z, 700.0)) - mean / cutoff

    if not math.isfinite(mean) or excess(lo) <= 0.0:
        return lo / cutoff
    if excess(hi) >= 0.0:
        return hi / cutoff
    return optimize.brentq(excess, lo, hi, xtol=1e-12, rtol=1e-10) / cutoff


class _Buckets:
    """Incidents (sorted by time) sorted into square buckets of side `radius` and, within a
    bucket, by time: the candidate parents of an incident are then 9 contiguous runs."""

    def __init__(self, x: np.ndarray, y: np.ndarray, t: np.ndarray, radius: float) -> None:
        self.x, self.y, self.t, self.radius = x, y, t, radius
        bx = np.floor(x / radius).astype(np.int64)
        by = np.floor(y / radius).astype(np.int64)
        bx -= bx.min(initial=0) - 1
        by -= by.min(initial=0) - 1
        self.width = int(bx.max(initial=0)) + 2
        bucket = by * self.width + bx
        self.order = np.lexsort((t, bucket))  # bucket-sorted position -> time index
        self.rel = t - t[0] if t.size else t
        self.scale = float(self.rel.max(initial=0.0)) + ETAS_CUTOFF_DAYS + 1.0
        self.bucket = bucket[self.order]
        self.key = self.bucket * self.scale + self.rel[self.order]

    def ranges(self, since: int) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        """Bucket-sorted positions q of the incidents from time index `since` on, and for each
        of the 9 buckets around them the runs [lo, hi) of positions holding incidents of the
        last ETAS_CUTOFF_DAYS days (from `since` on). The queries rise with q, which keeps the
        binary searches cache-friendly."""
        q = np.flatnonzero(self.order >= since)
        if q.size == 0:
            return q, []
        rel = self.rel[self.order[q]]
        earliest = np.maximum(rel - ETAS_CUTOFF_DAYS, self.rel[since])
        runs = []
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                base = (self.bucket[q] + dy * self.width + dx) * self.scale
                lo = np.searchsorted(self.key, base + earliest, side="left")
                hi = np.searchsorted(self.key, base + rel, side="right")
                runs.append((lo, hi))
        return q, runs

    def n_candidates(self, since: int) -> int:
        _, runs = self.ranges(since)
        return int(sum(int((hi - lo).sum()) for lo, hi in runs))

    def first_kept(self, cap: int) -> int:
        """Smallest time index from which at most `cap` candidate pairs remain."""
        if self.n_candidates(0) <= cap:
            return 0
        lo, hi = 0, self.t.size - 1  # n_candidates(lo) > cap >= n_candidates(hi)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self.n_candidates(mid) > cap:
                lo = mid
            else:
                hi = mid
        return hi

    def pairs(self, since: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Parent i, child j (time indices minus `since`), delay t_j - t_i in (0, cutoff] and
        squared distance <= radius^2 of every pair among the incidents from `since` on."""
        q, runs = self.ranges(since)
        x, y, t, order = self.x, self.y, self.t, self.order
        parts: list[tuple[np.ndarray, ...]] = []
        for lo, hi in runs:
            counts = hi - lo
            ends = np.cumsum(counts)
            first = 0
            while first < counts.size:  # chunks of at most PAIR_CHUNK candidates
                last = int(np.searchsorted(ends, ends[first] - counts[first] + PAIR_CHUNK, "right"))
                last = max(last, first + 1)
                c = counts[first:last]
                total = int(c.sum())
                if total:
                    child = np.repeat(order[q[first:last]], c)
                    offset = np.arange(total) - np.repeat(np.cumsum(c) - c, c)
                    parent = order[np.repeat(lo[first:last], c) + offset]
                    dt = t[child] - t[parent]
                    d2 = (x[child] - x[parent]) ** 2 + (y[child] - y[parent]) ** 2
                    keep = (
                        (parent >= since)
                        & (dt > 0.0)
                        & (dt <= ETAS_CUTOFF_DAYS)
                        & (d2 <= self.radius**2)
                    )
                    parts.append((parent[keep] - since, child[keep] - since, dt[keep], d2[keep]))
                first = last
        if not parts:
            empty = np.zeros(0)
            return empty.astype(np.int64), empty.astype(np.int64), empty, empty
        i, j, dt, d2 = (np.concatenate(p) for p in zip(*parts, strict=True))
        return i, j, dt, d2


def _kernel_mass(omega: float, elapsed: np.ndarray) -> np.ndarray:
    """Share of the truncated exponential delay kernel that falls within `elapsed` days."""
    cut = ETAS_CUTOFF_DAYS
    return np.expm1(-omega * np.clip(elapsed, 0.0, cut)) / math.expm1(-omega * cut)


def _background_bandwidths(kernels: _Kernels, sub: np.ndarray) -> np.ndarray:
    """Per incident: the half-width of the smallest square around it, among half-widths
    lo, 2 lo, 4 lo, ... up to hi (ETAS_BANDWIDTH_CELLS cell sides), that holds at least
    ETAS_NEIGHBOURS other incidents (hi when none does); squares are counted on the sub-grid."""
    lo, hi = (b * kernels.grid.cell_m for b in ETAS_BANDWIDTH_CELLS)
    nsy, nsx = kernels.grid.ny * kernels.f, kernels.grid.nx * kernels.f
    table = np.zeros((nsy + 1, nsx + 1))
    table[1:, 1:] = np.cumsum(np.cumsum(kernels.counts(sub, None), axis=0), axis=1)
    row, col = np.divmod(sub, nsx)
    step = kernels.grid.cell_m / kernels.f
    h = np.full(sub.size, hi)
    todo = np.ones(sub.size, dtype=bool)
    for width in lo * 2.0 ** np.arange(math.floor(math.log2(hi / lo) + 1e-9) + 1):
        reach = max(1, math.floor(width / step + 1e-9))  # in sub-cells either side
        r0, r1 = np.clip(row - reach, 0, nsy), np.clip(row + reach + 1, 0, nsy)
        c0, c1 = np.clip(col - reach, 0, nsx), np.clip(col + reach + 1, 0, nsx)
        inside = table[r1, c1] - table[r0, c1] - table[r1, c0] + table[r0, c0]
        found = todo & (inside > ETAS_NEIGHBOURS)
        h[found] = width
        todo &= ~found
    return h


@dataclass(frozen=True)
class _EmData:
    """What EM needs about the incidents of one window (time order, relative to `since`)."""

    sub: np.ndarray  # sub-cell of each incident
    elapsed: np.ndarray  # days from each incident to the origin
    bandwidth: np.ndarray  # background kernel of each incident, metres
    parent: np.ndarray  # the pairs within the cut-offs: parent i, child j, delay and distance^2
    child: np.ndarray
    dt: np.ndarray
    d2: np.ndarray
    old: np.ndarray  # background image of the incidents left out of EM by the cap
    duration: float  # days covered
    capped: bool


def _em_data(events: _Events, kernels: _Kernels, origin: float, window_days: float) -> _EmData:
    window = events.window(origin, window_days)
    x, y, t, sub = events.x[window], events.y[window], events.t[window], events.sub[window]
    buckets = _Buckets(x, y, t, 3.0 * ETAS_SIGMA_MAX_M)
    first = buckets.first_kept(ETAS_MAX_CANDIDATES)
    i, j, dt, d2 = buckets.pairs(first)
    h = _background_bandwidths(kernels, sub)
    if first:
        t0 = float(t[first])
    else:
        t0 = max(origin - window_days, float(events.t[0])) if events.t.size else origin
    return _EmData(
        sub=sub[first:],
        elapsed=origin - t[first:],
        bandwidth=h[first:],
        parent=i,
        child=j,
        dt=dt,
        d2=d2,
        old=kernels.smooth_variable(sub[:first], None, h[:first]),
        duration=max(origin - t0, 1e-9),
        capped=bool(first),
    )


def _background(kernels: _Kernels, data: _EmData, weights: np.ndarray) -> np.ndarray:
    """Share of the background in each sub-cell: incidents weighted by their background
    probability (those left out of EM by the cap by the mean one), plus the uniform floor."""
    old_weight = float(weights.mean()) if weights.size else 1.0
    image = kernels.smooth_variable(data.sub, weights, data.bandwidth) + old_weight * data.old
    total = image.sum()
    share = image / total if total > 0 else np.full(image.size, 1.0 / image.size)
    return (1.0 - BACKGROUND_FLOOR) * share + BACKGROUND_FLOOR / image.size


def _triggering(data: _EmData, k_ratio: float, omega: float, sigma: float) -> np.ndarray:
    """K h(t_j - t_i) g(s_j - s_i) for every pair, both kernels truncated to the cut-offs."""
    cutoff, radius2, s2 = ETAS_CUTOFF_DAYS, (3.0 * ETAS_SIGMA_MAX_M) ** 2, sigma * sigma
    time_k = omega * np.exp(-omega * data.dt) / -math.expm1(-omega * cutoff)
    space_k = np.exp(-data.d2 / (2 * s2)) / (2 * math.pi * s2 * -math.expm1(-radius2 / (2 * s2)))
    return k_ratio * time_k * space_k


def _fit_etas(events: _Events, kernels: _Kernels, origin: float, window_days: float) -> EtasFit:
    """EM fit of the self-exciting model on the window before `origin` (see module docstring)."""
    data = _em_data(events, kernels, origin, window_days)
    n = data.sub.size
    sub_area = (kernels.grid.cell_m / kernels.f) ** 2
    radius2 = (3.0 * ETAS_SIGMA_MAX_M) ** 2
    k_ratio, omega, sigma = 0.2, 0.1, ETAS_SIGMA_MAX_M / 2.0
    mu0 = (1.0 - k_ratio) * n / data.duration
    m = _background(kernels, data, np.ones(n))
    loglik, converged, iteration = -math.inf, n == 0, 0
    for iteration in range(1, ETAS_MAX_ITERATIONS + 1):  # noqa: B007 - reported afterwards
        # E-step: background and triggering shares of each incident's intensity
        trig = _triggering(data, k_ratio, omega, sigma)
        back = mu0 * m[data.sub] / sub_area
        lam = back + np.bincount(data.child, trig, minlength=n)
        expected = mu0 * data.duration + k_ratio * _kernel_mass(omega, data.elapsed).sum()
        new_loglik = float(np.log(lam).sum() - expected)
        p = trig / lam[data.child]
        p_back = back / lam
        # M-step
        triggered = float(p.sum())
        mu0 = float(p_back.sum()) / data.duration
        if triggered > 0:
            omega = _truncated_exp_rate(float(p @ data.dt) / triggered, ETAS_CUTOFF_DAYS)
            beta = _truncated_exp_rate(float(p @ data.d2) / (2 * triggered), radius2 / 2)
            sigma = float(np.clip(beta**-0.5, ETAS_SIGMA_MIN_M, ETAS_SIGMA_MAX_M))
        exposure = max(float(_kernel_mass(omega, data.elapsed).sum()), 1e-12)
        k_ratio = min(triggered / exposure, ETAS_K_MAX)
        m = _background(kernels, data, p_back)
        if abs(new_loglik - loglik) <= ETAS_TOLERANCE * max(1.0, abs(new_loglik)):
            loglik, converged = new_loglik, True
            break
        loglik = new_loglik
    return EtasFit(
        K=float(k_ratio),
        omega=float(omega),
        sigma=float(sigma),
        mu0=float(mu0),
        iterations=iteration,
        converged=converged,
        log_likelihood=loglik,
        n_events=int(n),
        n_pairs=int(data.parent.size),
        window_days=float(data.duration),
        capped=data.capped,
        background_bandwidth_m=float(np.median(data.bandwidth)) if n else math.nan,
        background=kernels.to_cells(m).ravel(),
    )


def _etas_risk(
    fit: EtasFit, events: _Events, kernels: _Kernels, origin: float, period: float
) -> np.ndarray:
    """Expected count per cell over [origin, origin + period) under a fitted model."""
    recent = events.window(origin, ETAS_CUTOFF_DAYS)
    ago = origin - events.t[recent]
    weights = fit.K * (_kernel_mass(fit.omega, ago + period) - _kernel_mass(fit.omega, ago))
    triggered = kernels.smooth(events.sub[recent], weights, fit.sigma)
    return fit.mu0 * period * fit.background + triggered


# ---------------------------------------------------------------------------------------------
# Validation and the public entry points


def _array(name: str, values: Any) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of numbers") from exc
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must hold finite values only")
    return arr


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


def _check_grid(grid: Any) -> None:
    if not isinstance(grid, Grid):
        raise ValueError(f"grid must be a Grid, got {type(grid).__name__}")


def _events(x: Any, y: Any, t_days: Any, grid: Grid, before: float) -> tuple[_Events, _Kernels]:
    _check_grid(grid)
    x, y, t = _array("x", x), _array("y", y), _array("t_days", t_days)
    if not x.size == y.size == t.size:
        raise ValueError(f"x, y and t_days differ in length ({x.size}, {y.size}, {t.size})")
    kernels = _Kernels(grid)
    col = np.floor(x / grid.cell_m)
    row = np.floor(y / grid.cell_m)
    keep = (t < before) & (col >= 0) & (col < grid.nx) & (row >= 0) & (row < grid.ny)
    x, y, t = x[keep], y[keep], t[keep]
    order = np.lexsort((y, x, t))
    x, y, t = x[order], y[order], t[order]
    cell = (np.floor(y / grid.cell_m) * grid.nx + np.floor(x / grid.cell_m)).astype(np.int64)
    return _Events(x, y, t, cell, kernels.sub_ids(x, y)), kernels


def fit_etas(
    x: np.ndarray,
    y: np.ndarray,
    t_days: np.ndarray,
    grid: Grid,
    origin: float,
    *,
    history_days: float = HISTORY_DAYS,
) -> EtasFit:
    """Fit the self-exciting model on the incidents in the `history_days` before `origin` (the
    grid's frame, see the module docstring)."""
    _check_grid(grid)
    origin = _number("origin", origin)
    history_days = _number("history_days", history_days)
    if history_days <= 0:
        raise ValueError(f"history_days must be positive, got {history_days}")
    events, kernels = _events(x, y, t_days, grid, origin)
    return _fit_etas(events, kernels, origin, history_days)


def _fold_scores(risk: np.ndarray, cells: np.ndarray, coverage: float) -> dict[str, float]:
    out = _scores(risk, cells)
    out["hit_rate_coverage"], out["pai_coverage"] = hit_rate_and_pai(risk, cells, coverage)
    return out


def _backtest(ctx: _Context, folds: int) -> tuple[dict, list[int]]:
    per_fold: dict[str, list[dict]] = {name: [] for name in MODELS}
    skipped = []
    for k in range(1, folds + 1):
        cells = ctx.test_cells(k)
        if cells.size == 0:
            skipped.append(k)
            continue
        for name in MODELS:
            row = {
                "fold": k,
                "origin": ctx.origin(k),
                "end": ctx.origin(k - 1),
                "n_events": int(cells.size),
            }
            per_fold[name].append(row | _fold_scores(_risk(ctx, name, k), cells, ctx.coverage))
    summary: dict[str, Any] = {}
    prior = [r["hit_rate_coverage"] for r in per_fold["prior_counts"]]
    base = float(np.mean(prior)) if prior else math.nan
    for name in MODELS:
        rows = per_fold[name]
        means = {
            metric: float(np.mean([r[metric] for r in rows])) if rows else math.nan
            for metric in METRICS
        }
        own = [r["hit_rate_coverage"] for r in rows]
        ratio = means["hit_rate_coverage"] / base if base > 0 else math.nan
        for row, p in zip(rows, prior, strict=True):
            row["ratio_to_prior"] = row["hit_rate_coverage"] / p if p > 0 else math.nan
        summary[name] = means | {
            "ratio_to_prior": ratio,
            "folds_beating_prior": sum(a > b + TIE for a, b in zip(own, prior, strict=True)),
            "folds_below_prior": sum(a < b - TIE for a, b in zip(own, prior, strict=True)),
            "folds": rows,
        }
    return summary, skipped


METRICS = ("hit_rate_1", "pai_1", "hit_rate_5", "pai_5", "hit_rate_coverage", "pai_coverage")


def _winner(summary: dict) -> str:
    """Highest mean hit rate at the requested coverage; within TIE the simpler model."""
    best = MODELS[0]
    for name in MODELS[1:]:
        score = summary[name]["hit_rate_coverage"]
        best_score = summary[best]["hit_rate_coverage"]
        if math.isfinite(score) and (not math.isfinite(best_score) or score > best_score + TIE):
            best = name
    return best


def _origins(start: float, period: float, origins: Sequence[float] | None) -> tuple[float, ...]:
    if origins is None:
        return (start,)
    values = _array("origins", list(origins))
    bounds = np.concatenate([[start], values])
    if values.size and not (np.diff(bounds) < 0).all():
        raise ValueError("origins must lie before start and decrease strictly")
    return tuple(float(v) for v in bounds)


def forecast(
    x: np.ndarray,
    y: np.ndarray,
    t_days: np.ndarray,
    grid: Grid,
    start: float,
    period_days: float,
    *,
    coverage: float = 0.05,
    folds: int = 4,
    seed: int = 0,
    origins: Sequence[float] | None = None,
) -> ForecastResult:
    """Forecast incidents per cell of `grid` over [start, start + period_days) from the
    incidents before `start` (x, y in metres in the grid's frame, t_days in days), with the
    model that hit most incidents at the requested `coverage` (share of cells flagged) in a
    rolling backtest over the `folds` periods before `start`. `origins` (optional) are the
    starts of the periods before `start`, most recent first (calendar months: the period k back
    is [origins[k-1], origins[k-2]) with origins[-1] = start); beyond them, and without them,
    periods step back by `period_days`. Every step is deterministic; `seed` is recorded in the
    parameters and draws nothing."""
    start = _number("start", start)
    period = _number("period_days", period_days)
    if period <= 0:
        raise ValueError(f"period_days must be positive, got {period_days}")
    if isinstance(folds, bool) or not isinstance(folds, int | np.integer) or folds < 1:
        raise ValueError(f"folds must be an integer of at least 1, got {folds!r}")
    coverage = _number("coverage", coverage)
    if not 0.0 < coverage < 1.0:
        raise ValueError(f"coverage must lie strictly between 0 and 1, got {coverage}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    bounds = _origins(start, period, origins)
    events, kernels = _events(x, y, t_days, grid, start)
    window_days = max(1, round(HISTORY_DAYS / period)) * period
    ctx = _Context(events, kernels, grid, start, period, window_days, bounds, coverage)

    summary, skipped = _backtest(ctx, int(folds))
    winner = _winner(summary)
    risk = _risk(ctx, winner, 0)
    flagged = np.zeros(grid.n_cells, dtype=bool)
    flagged[top_cells(risk, coverage)] = True
    parameters = _parameters(ctx, coverage, int(folds), int(seed))  # fits every model at start
    n_flag = int(top_cells(np.zeros(grid.n_cells), coverage).size)
    parameters["risk_unit"] = (
        "mean rank share of the ensemble's models, 0-1"
        if winner == "ensemble"
        else "expected incidents in the period"
    )
    backtest = summary | {
        "winner": winner,
        "coverage": coverage,
        "cells_flagged": n_flag,
        "selected_by": "mean hit rate at the requested coverage, equal area",
    }
    return ForecastResult(
        risk=risk,
        rank=_ranks(risk),
        flagged=flagged,
        model=winner,
        backtest=backtest,
        parameters=parameters,
        warnings=tuple(_warnings(ctx, skipped, winner, int(folds), summary)),
    )


def _ranks(risk: np.ndarray) -> np.ndarray:
    """1 for the highest risk, ties by cell id."""
    order = np.lexsort((np.arange(risk.size), -risk))
    rank = np.empty(risk.size, dtype=np.int64)
    rank[order] = np.arange(1, risk.size + 1)
    return rank


def _parameters(ctx: _Context, coverage: float, folds: int, seed: int) -> dict:
    """Settings, and each model's parameters as fitted on every incident before start."""
    h, tau = _select_kde(ctx, 0)
    return _plain(
        {
            "start": ctx.start,
            "period_days": ctx.period,
            "coverage": coverage,
            "folds": folds,
            "seed": seed,
            "window_days": ctx.window_days,
            "n_training_events": _count(ctx.events.window(ctx.start, ctx.window_days)),
            "subcells_per_side": ctx.kernels.f,
            "origins": [ctx.origin(k) for k in range(folds + 1)],
            "prior_counts": {"window_days": ctx.window_days},
            "kde": {
                "bandwidth_m": h,
                "tau_days": tau,
                "candidates": [list(c) for c in _kde_candidates(ctx.grid)],
                "inner_folds": INNER_FOLDS,
                "selected_per_fold": {
                    str(k): list(_select_kde(ctx, k)) for k in range(1, folds + 1)
                },
            },
            "regression": _regression_parameters(ctx),
            "ensemble": {"members": list(ENSEMBLE), "combination": "mean of rank / n_cells"},
            "etas": _etas_fit(ctx, 0).to_dict(),
        }
    )


def _regression_parameters(ctx: _Context) -> dict:
    _risk(ctx, "regression", 0)
    fit = ctx.regression_fits.get(0)
    settings = {
        "lag_periods": list(reg.LAG_PERIODS),
        "blocks": list(reg.BLOCKS),
        "train_periods": reg.TRAIN_PERIODS,
        "l2": reg.L2,
    }
    return settings | (fit.to_dict() if fit else {"fallback": "prior_counts"})


def _count(window: slice) -> int:
    return int(window.stop - window.start)


def _warnings(
    ctx: _Context, skipped: list[int], winner: str, folds: int, summary: dict
) -> list[str]:
    warnings = []
    n_train = _count(ctx.events.window(ctx.start, ctx.window_days))
    if n_train < MIN_TRAINING_EVENTS:
        warnings.append(
            f"only {n_train} incidents inside the grid in the {ctx.window_days:g} days before "
            f"start (fewer than {MIN_TRAINING_EVENTS}): every forecast is very uncertain"
        )
    if skipped:
        warnings.append(
            f"{len(skipped)} of {folds} backtest folds had no incident in their test period "
            f"and were skipped (folds {', '.join(map(str, skipped))})"
        )
    if len(skipped) == folds:
        warnings.append("no backtest fold could be scored: the forecast uses prior_counts")
    blind = [
        k
        for k in range(1, folds + 1)
        if k not in skipped and _count(ctx.events.window(ctx.origin(k), ctx.window_days)) == 0
    ]
    if blind:
        warnings.append(
            f"{len(blind)} scored backtest fold(s) had no incident in the history window before "
            f"their origin, so every model ranked cells by id there (folds "
            f"{', '.join(map(str, blind))}): use fewer folds"
        )
    fits = sorted(ctx.etas_cache.items())
    unconverged = [k for k, fit in fits if not fit.converged]
    if unconverged:
        warnings.append(
            f"ETAS EM did not converge within {ETAS_MAX_ITERATIONS} iterations at "
            f"{len(unconverged)} origin(s) (folds {', '.join(map(str, unconverged))}; 0 = final)"
        )
    capped = [k for k, fit in fits if fit.capped]
    if capped:
        final = ctx.etas_cache[0]
        warnings.append(
            f"ETAS was fitted on a shortened window at {len(capped)} origin(s) to stay within "
            f"{ETAS_MAX_CANDIDATES} candidate pairs (final fit: last {final.window_days:.1f} "
            f"days, {final.n_events} incidents)"
        )
    at_bound = [k for k, fit in fits if fit.K >= ETAS_K_MAX]
    if at_bound:
        warnings.append(
            f"ETAS branching ratio K hit its bound {ETAS_K_MAX} at {len(at_bound)} origin(s)"
        )
    tight = [k for k, fit in fits if fit.sigma <= ETAS_SIGMA_MIN_M]
    if tight:
        warnings.append(
            f"ETAS distance scale sigma hit its lower bound {ETAS_SIGMA_MIN_M:g} m at "
            f"{len(tight)} origin(s): the triggering is repeats at the same coordinates"
        )
    if winner == "prior_counts" and len(skipped) < folds:
        others = [m for m in MODELS[1:] if math.isfinite(summary[m]["hit_rate_coverage"])]
        best = max(others, key=lambda m: summary[m]["hit_rate_coverage"], default=None)
        scored = folds - len(skipped)
        detail = (
            f" (mean hit rate over {scored} fold(s): prior_counts "
            f"{summary['prior_counts']['hit_rate_coverage']:.3f}, best other {best} "
            f"{summary[best]['hit_rate_coverage']:.3f})"
            if best
            else ""
        )
        warnings.append(
            f"no model beat prior counts at equal area at {100 * ctx.coverage:g}% coverage"
            f"{detail}: the forecast is the prior counts"
        )
    return warnings
