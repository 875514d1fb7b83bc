"""Agencies, their members and service accounts."""

from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "agencies"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Failed logins and lockouts into the audit trail; session login times for their
        # absolute lifetime. axes (listed before us) connects its own receivers first.
        from django.contrib.auth.signals import user_logged_in

        from agencies import lockout, session_lifetime

        lockout.connect()
        user_logged_in.connect(
            session_lifetime.remember_login_time, dispatch_uid="fusion_login_time"
        )
