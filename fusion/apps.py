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
        from fusion.retention import floor as retention
        from fusion.sharing import permission_store

        audit.register_models()
        retention.register()
        _install_kernel()
        checks.register()
        post_migrate.connect(permission_store.forget_permission_ids, dispatch_uid="fusion_perm_ids")


def _install_kernel() -> None:
    """Incidents sit below the sharing kernel: they ask it who reads what, and have it follow
    their writes, through the answers and hooks it installs here."""
    from fusion.sharing import ingest, permission_store, visibility
    from incidents import access, ingest_hooks

    access.install(
        visible_incidents=visibility.visible_incidents,
        access_levels=visibility.access_levels,
        live_share_count=lambda incident: (
            permission_store.live_grants().filter(incident=incident).count()
        ),
    )
    ingest_hooks.install(
        after_write=ingest.after_write,
        after_upsert=ingest.after_upsert,
        before_delete=ingest.before_delete,
        after_delete=ingest.after_delete,
    )
