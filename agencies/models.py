"""Users, agencies, memberships and service accounts."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.db.models import Q

from agencies.choices import DEFAULT_SCOPES, AgencyKind, Role


class User(AbstractUser):
    """A person or a service account. Users are deactivated, never deleted (audit keeps actors)."""

    # The console's language (fusion.console.language): one of settings.LANGUAGES.
    language = models.CharField(max_length=8, default="en")

    class Meta:
        ordering = ["username"]

    @property
    def is_service_account(self) -> bool:
        return hasattr(self, "service_account")


class Agency(models.Model):
    """A participating organisation; its Group holds the object permissions shared with it."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=AgencyKind.choices)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="agency")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.code


class Membership(models.Model):
    """A user's one role in one agency; a user may belong to several agencies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency__code", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "agency"], name="membership_user_agency_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.agency_id}:{self.role}"


def _default_scopes() -> list[str]:
    return [str(scope) for scope in DEFAULT_SCOPES]


class ServiceAccount(models.Model):
    """An agency system's identity: a user bound to exactly one agency, role submitter, whose
    tokens may do only what its `scopes` name (agencies.api.permissions.ScopeAllows)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_account"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="service_accounts")
    name = models.CharField(max_length=100)
    # a list of agencies.choices.Scope values (JSON: the embedded SQLite default holds it too)
    scopes = models.JSONField(default=_default_scopes)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="service_account_name_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.name}"


class CredentialAgency(models.Model):
    """A token or a browser session that acted for an agency (fusion.audit notes it).

    Removing a membership ends exactly the credentials that acted for that agency; the user's
    other tokens keep working. Rows of a token go with it (CASCADE); session rows are deleted
    with their sessions by the services.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    token = models.ForeignKey(
        "knox.AuthToken",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        swappable=False,  # knox's own token model; KNOX_TOKEN_MODEL is not set
    )
    session_key = models.CharField(max_length=40, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(token__isnull=False, session_key="")
                | Q(token__isnull=True) & ~Q(session_key=""),
                name="credential_agency_one_credential",
            ),
            models.UniqueConstraint(
                fields=["token", "agency"],
                condition=Q(token__isnull=False),
                name="credential_agency_token_uniq",
            ),
            models.UniqueConstraint(
                fields=["session_key", "agency"],
                condition=~Q(session_key=""),
                name="credential_agency_session_uniq",
            ),
        ]
        indexes = [models.Index(fields=["user", "agency"], name="credential_agency_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.agency_id}"


class TokenUse(models.Model):
    """When a service account's token was last used, for its owners' token list."""

    token = models.OneToOneField(
        "knox.AuthToken",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        swappable=False,
    )
    last_used_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.token_id}:{self.last_used_at}"
