"""The Celery application; configuration comes from Django settings (CELERY_*)."""

import os

from celery import Celery
from celery.signals import worker_init, worker_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("fusion")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _start_upkeep(**_: object) -> None:
    """Every worker relays the outbox and resends lost runs, with or without beat, from the
    start (before it has reached the broker: the outbox is in the database)."""
    from config import upkeep

    upkeep.start()


@worker_shutdown.connect
def _stop_upkeep(**_: object) -> None:
    from config import upkeep

    upkeep.stop()
