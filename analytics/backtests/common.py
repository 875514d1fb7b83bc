"""Shared by the backtests: how a run is stored for the model cards."""

from analytics.models import BacktestRun
from analytics.registry import method_version

FDR = 0.05


def record(kind: str, dataset: str, metrics: dict) -> BacktestRun:
    """Store one backtest of the method's current version."""
    return BacktestRun.objects.create(
        method=kind, method_version=method_version(kind), dataset=dataset, metrics=metrics
    )


def rate(hits: int, runs: int) -> float:
    return round(hits / runs, 4)
