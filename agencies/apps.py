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
        _install_identity()
        user_logged_in.connect(
            session_lifetime.remember_login_time, dispatch_uid="fusion_login_time"
        )


def _install_identity() -> None:
    """The plumbing below this app (audit, API base) asks it who is calling through these."""
    from agencies.acting import note_acting
    from agencies.api.credentials import request_credential
    from agencies.api.permissions import ScopeAllows
    from agencies.selectors import roles_of, service_scopes
    from fusion import identity

    identity.install(
        agencies_of=roles_of,
        note_acting=note_acting,
        service_scopes=service_scopes,
        request_credential=request_credential,
        scope_permission=ScopeAllows,
    )
