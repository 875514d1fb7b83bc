"""Which audit entries a reader sees: all of them for oversight members and platform admins;
for an agency admin, the entries about the agency's objects, except those of assessments the
admin may not see (their changes hold results and scopes)."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from agencies.models import User
from agencies.permissions import admin_agency_ids, is_oversight, is_platform_admin
from analytics.models import Assessment, StandingAssessment
from analytics.visibility import visible_assessments
from fusion.models import AuditEntry


def visible_audit_entries(user: User) -> QuerySet[AuditEntry]:
    """The audit trail a reader may see: all of it for oversight members and platform admins;
    for an agency admin, the entries about the agency's objects, except those of assessments
    the admin may not see (their changes hold results and scopes)."""
    if is_platform_admin(user) or is_oversight(user):
        return AuditEntry.objects.all()
    kinds = ContentType.objects.get_for_models(Assessment, StandingAssessment)
    assessment, standing = kinds[Assessment], kinds[StandingAssessment]
    visible = visible_assessments(user).annotate(text=Cast("pk", CharField())).values("text")
    hidden = Q(content_type=standing) | (Q(content_type=assessment) & ~Q(object_pk__in=visible))
    return AuditEntry.objects.filter(object_agency_id__in=admin_agency_ids(user)).exclude(hidden)
