"""Backtests that feed the model cards: accuracy and calibration of each method, measured.

- forecast: the rolling-origin backtest on a public incident file (CSV with latitude,
  longitude, date and category columns; weekly, 250 m cells), per category.
- hotspots: calibration on uniform Poisson counts (share of runs flagging any cell at the
  stated FDR) and detection of a planted cluster.
- surges: calibration on stationary Poisson counts and detection of a planted surge.
- links: precision and recall on the labelled sets' held-out parts (link_sets.py).

The sets and simulations need no database (benches import them); each backtest writes one
BacktestRun for the method's current version; the card shows the latest.
"""
