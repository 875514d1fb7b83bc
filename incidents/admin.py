"""Admin for the category taxonomy and incident metadata (who owns it, its TLP, its shares).

A platform admin repairs permissions; it is no reader of content. The incident pages show
only what repairing needs (id, owning agency, TLP, shares, guardian's permission rows). The
content is read on a page of its own, after a stated purpose, exactly as the API would show
it to the reader (`fusion.sharing.visibility`, the field policy, no witnesses of other
agencies), and the read is logged like the API's detail read. Incidents change through the
API's services only: here nothing of an incident can be edited or deleted.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from guardian.admin import GuardedModelAdmin

from fusion import audit
from fusion.admin_rules import AttributedAdminMixin, FusionModelAdmin, attributed_view
from fusion.errors import Invalid
from fusion.purpose import MAX_PURPOSE, require_purpose
from incidents.access import access_levels, live_share_count
from incidents.api.serializers import IncidentOutputSerializer
from incidents.models import Category, Incident
from incidents.selectors import incidents_for_reading, log_refused_access

CONTENT_TEMPLATE = "admin/incidents/incident/content.html"
# What a platform admin needs to repair permissions; nothing of the incident's content.
METADATA = ("id", "agency", "tlp", "created_by", "created_at", "updated_at")


@admin.register(Category)
class CategoryAdmin(FusionModelAdmin):
    """The taxonomy (no incident content); edits are audited with their actor."""

    list_display = ("slug", "name", "group", "active")
    list_filter = ("group", "active")


class PurposeForm(forms.Form):
    purpose = forms.CharField(
        max_length=MAX_PURPOSE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why you read this incident's content. The read is logged with it.",
    )

    def clean_purpose(self) -> str:
        try:
            return require_purpose(self.cleaned_data.get("purpose"))
        except Invalid as exc:
            raise ValidationError(exc.errors["purpose"] if exc.errors else exc.detail) from exc


@admin.register(Incident)
class IncidentAdmin(AttributedAdminMixin, GuardedModelAdmin):
    """Incident metadata for permission repair; content behind a purpose (see module doc)."""

    list_display = ("id", "agency", "tlp", "created_at")
    list_filter = ("agency", "tlp")
    search_fields = ("=external_ref",)
    fields = (*METADATA, "live_shares", "content")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Incident]:
        return Incident.objects.select_related("agency", "created_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Nothing is editable, but guardian's object-permission views need the change page
        # to exist; its POSTs (direct permission rows) are refused with every other write.
        return request.user.is_superuser and request.method in ("GET", "HEAD")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="live shares")
    def live_shares(self, incident: Incident) -> str:
        count = live_share_count(incident)
        url = reverse("admin:fusion_sharegrant_changelist")
        return format_html('<a href="{}?q={}">{} live</a>', url, incident.pk, count)

    @admin.display(description="content")
    def content(self, incident: Incident) -> str:
        url = reverse("admin:incidents_incident_content", args=[incident.pk])
        return format_html(
            '<a href="{}">Read the content</a> (your roles decide what; a purpose is required '
            "and logged)",
            url,
        )

    def get_urls(self) -> list[URLPattern]:
        view = attributed_view(self.admin_site.admin_view(self.content_view))
        content = path("<path:object_id>/content/", view, name="incidents_incident_content")
        return [content, *super().get_urls()]

    def content_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """GET: the purpose form. POST with a purpose: the content at the reader's level,
        logged; 404 (and a refused read in the trail) when the reader may not see it."""
        incident = self._metadata(object_id)
        form = PurposeForm(request.POST if request.method == "POST" else None)
        context = {**self.admin_site.each_context(request), "opts": self.opts, "form": form}
        context.update(incident=incident, title=f"Incident {incident.pk}")
        if form.is_valid():
            context["data"] = self._read(request, incident.pk, form.cleaned_data["purpose"])
        return TemplateResponse(request, CONTENT_TEMPLATE, context)

    def _metadata(self, object_id: str) -> Incident:
        try:
            incident = Incident.objects.select_related("agency").filter(pk=object_id).first()
        except ValidationError:
            incident = None
        if incident is None:
            raise Http404
        return incident

    def _read(self, request: HttpRequest, incident_id: Any, purpose: str) -> dict[str, Any]:
        user = request.user
        incident = incidents_for_reading(user, with_persons=True).filter(pk=incident_id).first()
        if incident is None:
            log_refused_access(user, request.method, incident_id)
            raise Http404
        context = {"levels": access_levels(user, [incident]), "include_persons": True}
        data = IncidentOutputSerializer([incident], many=True, context=context).data[0]
        audit.log_event(
            event="incident.persons_read",
            obj=incident,
            purpose=purpose,
            details={"persons_returned": len(data["persons"])},
        )
        return data
