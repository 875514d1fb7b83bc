"""Notifications for agency admins, and those addressed to one member
(fusion.oversight.notifications)."""

from datetime import timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.permissions import admin_agency_ids, is_oversight, is_platform_admin, reads_content
from fusion.api.base import FusionAPIView
from fusion.api.datetimes import in_utc
from fusion.api.pagination import PageNumberPagination
from fusion.api.schema import errors
from fusion.errors import Invalid, NotAllowed
from fusion.oversight.notifications import notifications_for

DEFAULT_DAYS = 30
KINDS = [
    "access_request", "access_request_approved", "access_request_denied", "match",
    "refused_read", "person_search", "person_match_confirmed", "match_hint_withheld",
    "match_budget_spent", "account_locked", "unusual_reads", "bias_drift",
    "metric_drift",
]  # fmt: skip


class NotificationSerializer(serializers.Serializer):
    """One notification: the fields every kind has, then those of some kinds."""

    id = serializers.CharField()
    kind = serializers.ChoiceField(choices=KINDS)
    at = serializers.DateTimeField()
    agency = serializers.CharField(allow_null=True, help_text="The agency it concerns.")
    by_agency = serializers.CharField(allow_null=True, help_text="The agency that acted.")
    incident = serializers.CharField(
        required=False, allow_null=True, help_text="Only while you may see it."
    )
    access_request = serializers.IntegerField(required=False)
    status = serializers.CharField(required=False)
    level = serializers.CharField(required=False, allow_null=True)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    reason = serializers.CharField(required=False)
    match = serializers.IntegerField(required=False)
    match_kind = serializers.CharField(required=False)
    score = serializers.FloatField(required=False)
    persons = serializers.IntegerField(required=False, help_text="Persons a search returned.")
    budget = serializers.IntegerField(required=False, allow_null=True)
    username = serializers.CharField(required=False)
    minutes = serializers.IntegerField(required=False, allow_null=True)
    measure = serializers.CharField(
        required=False,
        help_text="unusual_reads: person_reads or exported_incidents; bias_drift: "
        "district_disparity or flag_persistence; metric_drift: forecast_hit_rate, "
        "link_precision or false_positive_rate.",
    )
    count = serializers.FloatField(
        required=False,
        help_text="unusual_reads: what the user did in the window; bias_drift: the results "
        "above the limit; metric_drift: the realised rate.",
    )
    norm = serializers.FloatField(
        required=False,
        help_text="unusual_reads: the agency's norm for a user; bias_drift: the results looked "
        "at; metric_drift: the rate the method promised (false_positive_rate: the ceiling).",
    )
    threshold = serializers.FloatField(
        required=False,
        help_text="unusual_reads: the bound it crossed; bias_drift: the results above the "
        "limit that raise a finding; metric_drift: the bound the rate is credibly beyond.",
    )
    window_start = serializers.DateTimeField(required=False)
    window_end = serializers.DateTimeField(required=False)
    method = serializers.CharField(
        required=False, help_text="bias_drift, metric_drift: the method (kind)."
    )
    district = serializers.CharField(
        required=False, allow_null=True, help_text="bias_drift: the district over-flagged."
    )
    n = serializers.IntegerField(
        required=False,
        help_text="metric_drift: the trials counted (incidents in the forecasts' grids, or "
        "flags with an outcome).",
    )
    p_value = serializers.FloatField(
        required=False, help_text="metric_drift: the one-sided binomial test's p-value."
    )


NOTIFICATION_PAGE = inline_serializer(
    "NotificationPage",
    {
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": NotificationSerializer(many=True),
    },
)


class NotificationsView(FusionAPIView):
    """What happened to your agency's incidents and persons that you should know about, the
    answers to your own access requests, and (oversight) what the misuse monitor found."""

    @extend_schema(
        summary="Notifications for your agency's admins: refused reads of its incidents, "
        "searches that returned its persons, access requests, matches; for any member, "
        "the decisions on their own access requests; for oversight and platform admins, users "
        "who read persons or exported far above their agency's norm, bias checks crossed "
        "result after result, and flags wrong more often than their method promised",
        parameters=[
            OpenApiParameter(
                "since", OpenApiTypes.DATETIME, description=f"Default: {DEFAULT_DAYS} days ago."
            )
        ],
        responses={200: NOTIFICATION_PAGE, **errors(400, 403)},
    )
    def get(self, request: Request) -> Response:
        agencies = admin_agency_ids(request.user)
        oversees = is_oversight(request.user) or is_platform_admin(request.user)
        if not agencies and not reads_content(request.user) and not oversees:
            raise NotAllowed(
                "Notifications are for agency admins, members who read incidents and oversight."
            )
        since = self._since(request.query_params.get("since"))
        paginator = PageNumberPagination()
        items = notifications_for(agencies, since, user=request.user, oversees=oversees)
        page = paginator.paginate_queryset(items, request, view=self)
        return paginator.get_paginated_response(page)

    @staticmethod
    def _since(value: str | None):  # type: ignore[no-untyped-def]
        if not value:
            return timezone.now() - timedelta(days=DEFAULT_DAYS)
        try:
            parsed = parse_datetime(value)
        except ValueError:  # well formed but impossible, e.g. 30 February
            parsed = None
        utc = in_utc(parsed) if parsed is not None and parsed.tzinfo is not None else None
        if utc is None:
            raise Invalid(errors={"since": ["An ISO 8601 time with its offset."]})
        return utc
