"""Runners: turn a snapshot into a method's input arrays and its output into the result JSON.

Each runner takes the snapshot (`Inputs`), the stored scope and parameters, the previous run
of the same question (for flag persistence) and a progress callback; it returns the result
with its evidence (incident ids behind each flag), parameters, bias checks and warnings.
"""

from analytics.runners.common import NOTICE, Job
from analytics.runners.forecast import run_forecast
from analytics.runners.hotspots import run_hotspots
from analytics.runners.links import run_links
from analytics.runners.surges import run_surges

RUNNERS = {
    "hotspots": run_hotspots,
    "surges": run_surges,
    "forecast": run_forecast,
    "links": run_links,
}

__all__ = ["NOTICE", "RUNNERS", "Job"]
