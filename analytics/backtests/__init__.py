"""Backtests that feed the model cards: accuracy and calibration of each method, measured.

- forecast: the rolling-origin backtest on a public incident file (CSV with latitude,
  longitude, date and category columns; weekly, 250 m cells), per category.
- hotspots: calibration on uniform Poisson counts (share of runs flagging any cell at the
  stated FDR) and detection of a planted cluster.
- surges: calibration on stationary Poisson counts and detection of a planted surge.
- links: precision and recall on the labelled sets' held-out parts (link_sets.py).

Each writes one BacktestRun for the method's current version; the card shows the latest.
"""

from analytics.backtests.forecast import forecast_backtest
from analytics.backtests.hotspots import hotspots_calibration
from analytics.backtests.links import links_backtest
from analytics.backtests.surges import surges_calibration

__all__ = ["forecast_backtest", "hotspots_calibration", "links_backtest", "surges_calibration"]
