"""Measure each method's accuracy and calibration and store it for the model cards."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from analytics.backtests.forecast import forecast_backtest
from analytics.backtests.hotspots import hotspots_calibration
from analytics.backtests.links import links_backtest
from analytics.backtests.surges import surges_calibration
from analytics.methods.forecast import MODELS
from fusion.progress import ProgressBar

FORECAST_CATEGORIES = ["ROBBERY", "VEHICLE THEFT"]


class Command(BaseCommand):
    help = (
        "Record backtests for the model cards: forecast on an incident file (CSV with "
        "latitude, longitude, date, category), hotspots and surges calibration on simulations, "
        "links on labelled sets."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--forecast-csv", type=Path, help="incident file for the forecast")
        parser.add_argument(
            "--links-csv",
            type=Path,
            help="the SFPD file for the links' San Francisco set (the province set needs none)",
        )
        parser.add_argument("--category", action="append", dest="categories")
        parser.add_argument("--folds", type=int, default=12)
        parser.add_argument("--runs", type=int, default=200, help="simulation runs per method")

    def handle(self, *args: Any, **options: Any) -> None:
        runs = options["runs"]
        if runs < 1 or options["folds"] < 1:
            raise CommandError("--runs and --folds must be at least 1")
        for label, measure in (
            ("hotspots", hotspots_calibration),
            ("surges", surges_calibration),
        ):
            bar = ProgressBar(runs, stream=self.stdout, label=label)
            run = measure(runs, bar.advance)
            bar.finish()
            self.stdout.write(f"{label}: {run.metrics}")
        links_path = options["links_csv"]
        if links_path is not None and not links_path.is_file():
            raise CommandError(f"--links-csv: no file at {links_path}")
        run = links_backtest(links_path)
        self.stdout.write(f"links: {run.metrics}")
        path = options["forecast_csv"]
        if path is None:
            return
        if not path.is_file():
            raise CommandError(f"--forecast-csv: no file at {path}")
        categories = options["categories"] or FORECAST_CATEGORIES
        bar = ProgressBar(len(categories), stream=self.stdout, label="forecast")
        for category in categories:
            try:
                run = forecast_backtest(path, category, folds=options["folds"])
            except (ValueError, KeyError) as exc:
                raise CommandError(f"--forecast-csv: {exc}") from exc
            bar.advance()
            hits = ", ".join(
                f"{m} {run.metrics[m]['hit_rate_coverage']:.3f} "
                f"(x{run.metrics[m]['ratio_to_prior']:.2f})"
                for m in MODELS
            )
            self.stdout.write(
                f"\nforecast {category}: hit rate at {run.metrics['coverage']:.0%} of cells, "
                f"equal area (ratio to prior counts): {hits}; winner {run.metrics['winner']}"
            )
        bar.finish()
