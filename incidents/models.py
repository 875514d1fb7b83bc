"""Incidents, the persons named in them, and the managed category taxonomy."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from fusion.crypto import EncryptedTextField
from incidents.choices import TLP, LocationPrecision, PersonRole, PersonSource, Status


class Category(models.Model):
    """A managed incident category; retired ones stay for old incidents but take no new ones."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    group = models.CharField(max_length=50)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["group", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.slug


class Incident(models.Model):
    """One reported security incident, owned by one agency; `version` guards concurrent edits."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own for agency and category: (agency, external_ref), (agency, time) and
    # (category, time) lead with them, and every extra index slows each write.
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # NULL, not "": incidents without a reference must not collide in the unique constraint.
    external_ref = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    occurred_at = models.DateTimeField()
    reported_at = models.DateTimeField()
    category = models.ForeignKey(
        Category,
        to_field="slug",
        db_column="category",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    severity = models.PositiveSmallIntegerField()
    # NULL is unknown (the report gives no count), distinct from a count of 0.
    killed = models.PositiveIntegerField(null=True, blank=True)
    injured = models.PositiveIntegerField(null=True, blank=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    location_precision = models.CharField(
        max_length=10,
        choices=LocationPrecision.choices,
        default=LocationPrecision.EXACT,
        db_default=LocationPrecision.EXACT,
    )
    district = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)
    tlp = models.CharField(max_length=12, choices=TLP.choices, default=TLP.AMBER)
    contexts = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    # What identifies the event (incidents.rules.event_fingerprint), set by every write: it
    # tells whether an update changes the content, which is then checked for copies of other
    # agencies' incidents (incidents.provenance probes the place and time index, not this).
    fingerprint = models.CharField(max_length=64, editable=False, default="")
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        permissions = [("view_incident_persons", "Can view persons (never witnesses) of incident")]
        constraints = [
            # NULLs are distinct, so incidents without a reference never collide; a plain
            # (not partial) constraint is what INSERT … ON CONFLICT upserts need.
            models.UniqueConstraint(
                fields=["agency", "external_ref"], name="incident_agency_ref_key"
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=5), name="incident_severity_range"
            ),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90), name="incident_latitude_range"
            ),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180),
                name="incident_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(occurred_at__lte=models.F("reported_at")),
                name="incident_occurred_before_reported",
            ),
        ]
        indexes = [
            models.Index(fields=["-occurred_at", "-id"], name="incident_page_idx"),
            models.Index(fields=["agency", "-occurred_at"], name="incident_agency_time_idx"),
            models.Index(fields=["tlp", "-occurred_at"], name="incident_tlp_time_idx"),
            models.Index(fields=["category", "-occurred_at"], name="incident_category_time_idx"),
            models.Index(fields=["district"], name="incident_district_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.external_ref or self.id}"

    def get_additional_data(self) -> dict:
        """Audit entries about this incident name its owning agency (see fusion.audit)."""
        return {"object_agency_id": self.agency_id}


# A person's personal fields: encrypted at rest, masked whole in the audit trail.
PERSON_PERSONAL_FIELDS = ["full_name", "national_id", "phone", "notes"]


class Person(models.Model):
    """A person named in an incident. Identifying fields are encrypted; never put them in logs."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="persons")
    role = models.CharField(max_length=10, choices=PersonRole.choices)
    full_name = EncryptedTextField(blank=True, null=True)
    national_id = EncryptedTextField(blank=True, null=True)
    # NULL when there is no national id: an empty string would be a (shared) index value.
    national_id_index = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, db_index=True
    )
    phone = EncryptedTextField(blank=True, null=True)
    notes = EncryptedTextField(blank=True, null=True)
    source = models.CharField(max_length=20, choices=PersonSource.choices, default="report")
    legal_basis = models.CharField(max_length=200, blank=True)
    # Facial recognition outside protected contexts (incidents.recognition): the reference of
    # the authorisation it was used under, who recorded the person, and the second user of
    # the owning agency who confirmed it. Until confirmed, the person is its owner's alone.
    authorisation_ref = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        # Never the name: this string lands in audit entries.
        return f"person {self.id} ({self.role})"

    def get_additional_data(self) -> dict:
        return {"object_agency_id": self.incident.agency_id}


class IncidentPermissionFields(models.Model):
    """What our guardian rows add: when the permission lapses (the latest expiry of its shares)."""

    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class IncidentGroupObjectPermission(IncidentPermissionFields, GroupObjectPermissionBase):  # noqa: DJ008
    """Guardian's direct foreign-key table: an agency group's permission on one incident."""

    content_object = models.ForeignKey(Incident, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False
        # The visibility filter hashes a group's live shared ids, or, when statistics lag
        # behind a bulk grant, probes per incident: this serves both index-only.
        indexes = [
            models.Index(
                fields=["group", "permission", "content_object"],
                include=["expires_at"],
                name="incident_gperm_cover_idx",
            )
        ]


class IncidentUserObjectPermission(IncidentPermissionFields, UserObjectPermissionBase):  # noqa: DJ008
    """Guardian's direct foreign-key table: a named user's permission (TLP:RED shares)."""

    content_object = models.ForeignKey(Incident, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False
        indexes = [
            models.Index(
                fields=["user", "permission", "content_object"],
                include=["expires_at"],
                name="incident_uperm_cover_idx",
            )
        ]


class ImportRun(models.Model):
    """One file import: where it stands, so an interrupted import resumes where it stopped."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64, db_index=True)
    position = models.PositiveIntegerField(default=0)  # data rows committed
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"import {self.pk} of {self.source} ({self.status})"
