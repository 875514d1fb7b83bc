"""Getis-Ord Gi* hotspots with Benjamini-Hochberg false-discovery-rate control.

Gi* (Getis & Ord 1992; Ord & Getis 1995) compares the weighted sum of counts around each
cell, the cell itself included, with what the study-area mean predicts:

    z_i = (sum_j w_ij x_j - xbar W_i) / (S sqrt((n V_i - W_i^2) / (n - 1)))

with W_i = sum_j w_ij, V_i = sum_j w_ij^2, xbar and S the mean and standard deviation of all n
counts. Under no spatial association z_i is approximately standard normal; p-values are
two-sided. Testing every cell at once, the Benjamini-Hochberg step-up procedure (1995) keeps
the expected share of false discoveries among flagged cells at `fdr`.
"""

from dataclasses import dataclass

import numpy as np
from scipy import sparse, stats

from analytics.methods.fdr import fdr_bh


@dataclass(frozen=True)
class HotspotResult:
    """Per cell: z-score, two-sided p, BH q, significance and kind (1 hot, -1 cold, 0 none)."""

    z: np.ndarray
    p: np.ndarray
    q: np.ndarray
    significant: np.ndarray
    kind: np.ndarray

    @property
    def n_significant_hot(self) -> int:
        return int((self.kind == 1).sum())

    @property
    def n_significant_cold(self) -> int:
        return int((self.kind == -1).sum())


def gi_star(counts: np.ndarray, weights: sparse.spmatrix) -> tuple[np.ndarray, np.ndarray]:
    """Gi* z-scores and two-sided normal p-values of `counts` under `weights` (non-negative,
    each cell its own neighbour). Constant counts carry no evidence: z = 0, p = 1."""
    x = np.asarray(counts, dtype=float)
    if x.ndim != 1:
        raise ValueError("counts must be one-dimensional")
    w = sparse.csr_matrix(weights, dtype=float)
    n = x.size
    if w.shape != (n, n):
        raise ValueError(f"weights must be {n}x{n} to match counts, got {w.shape}")
    if n < 2:
        return np.zeros(n), np.ones(n)
    if w.data.size and w.data.min() < 0:
        raise ValueError("weights must be non-negative")
    mean = x.mean()
    sd = np.sqrt(max((x * x).mean() - mean * mean, 0.0))
    w_sum = np.asarray(w.sum(axis=1)).ravel()
    w_sq = np.asarray(w.multiply(w).sum(axis=1)).ravel()
    spread = np.sqrt(np.maximum(n * w_sq - w_sum * w_sum, 0.0) / (n - 1))
    denominator = sd * spread
    numerator = w @ x - mean * w_sum
    ok = denominator > 1e-12 * max(1.0, abs(mean))
    z = np.zeros(n)
    z[ok] = numerator[ok] / denominator[ok]
    p = np.where(ok, 2.0 * stats.norm.sf(np.abs(z)), 1.0)
    return z, p


def hotspots(counts: np.ndarray, weights: sparse.spmatrix, fdr: float = 0.05) -> HotspotResult:
    """Gi* for every cell, flagged where the BH q-value is at most `fdr`."""
    if not (0.0 < fdr < 1.0):
        raise ValueError(f"fdr must lie strictly between 0 and 1, got {fdr}")
    z, p = gi_star(counts, weights)
    q = fdr_bh(p)
    significant = q <= fdr
    kind = np.where(significant, np.sign(z), 0).astype(np.int8)
    return HotspotResult(z=z, p=p, q=q, significant=significant, kind=kind)
