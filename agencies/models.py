"""Users, agencies, memberships and service accounts."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.db import models

from agencies.choices import AgencyKind, Role


class User(AbstractUser):
    """A person or a service account. Users are deactivated, never deleted (audit keeps actors)."""

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


class ServiceAccount(models.Model):
    """An agency system's identity: a user bound to exactly one agency, role submitter."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_account"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="service_accounts")
    name = models.CharField(max_length=100)
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
