"""Visibility, redaction, sharing and accountability across agencies."""

from django.apps import AppConfig


class FusionConfig(AppConfig):
    name = "fusion"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Importing the Celery app makes it current, so shared tasks use our settings.
        from django.db.models.signals import post_migrate

        import config.celery  # noqa: F401
        from fusion import audit, checks
        from fusion.sharing import permission_store

        audit.register_models()
        checks.register()
        post_migrate.connect(permission_store.forget_permission_ids, dispatch_uid="fusion_perm_ids")
