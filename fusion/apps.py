"""Visibility, redaction, sharing and accountability across agencies."""

from django.apps import AppConfig


class FusionConfig(AppConfig):
    name = "fusion"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Importing the Celery app makes it current, so shared tasks use our settings.
        import config.celery  # noqa: F401
        from fusion import audit

        audit.register_models()
