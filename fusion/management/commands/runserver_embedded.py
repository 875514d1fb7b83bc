"""`runserver` for the embedded default (`make run`), with Celery beat's schedule run in the
serving process (fusion.scheduler) when no broker is configured."""

from typing import Any

from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand

from fusion import scheduler


class Command(RunserverCommand):
    help = (
        "Starts the development server and, without a broker, runs Celery beat's schedule "
        "in-process (standing assessments, weekly reports, audit sealing, upkeep)."
    )

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--no-scheduler",
            action="store_false",
            dest="use_scheduler",
            help="Do not run the schedule in-process.",
        )

    def inner_run(self, *args: Any, **options: Any) -> None:
        # The serving process: under the autoreloader the child that serves, not the parent
        # that watches files (a reload starts a new child, and so a new scheduler).
        if options.get("use_scheduler", True):
            scheduler.start()
        super().inner_run(*args, **options)
