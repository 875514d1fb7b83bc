"""Agencies, their members and service accounts."""

from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "agencies"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Failed logins and lockouts into the audit trail; session login times for their
        # absolute lifetime. axes (listed before us) connects its own receivers first.
        from auditlog.registry import auditlog
        from django.contrib.auth.signals import user_logged_in

        from agencies import lockout, session_lifetime
        from agencies.models import Agency, Membership, ServiceAccount, User

        auditlog.register(User, exclude_fields=["password", "last_login"])
        for model in (Agency, Membership, ServiceAccount):
            auditlog.register(model)

        lockout.connect()
        user_logged_in.connect(
            session_lifetime.remember_login_time, dispatch_uid="fusion_login_time"
        )
