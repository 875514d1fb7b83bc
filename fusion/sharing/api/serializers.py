"""Serializers of shares, sharing agreements, matches, access requests and person search."""

from typing import Any, Literal

from rest_framework import serializers

from agencies.models import Agency
from agencies.selectors import content_readers
from fusion.api.serializers import AwareDateTimeField, StrictInputSerializer
from fusion.choices import ShareLevel
from fusion.models import AccessRequest, ShareGrant, SharingAgreement
from fusion.sharing.shares import NO_RECIPIENT
from incidents.districts import register, unknown_district
from incidents.recognition import confirmation_state


def purpose_code_field() -> serializers.CharField:
    """A code of GET purposes/ (`other` when left out); fusion.purpose checks it."""
    return serializers.CharField(max_length=40, required=False, allow_blank=True)


def case_ref_field() -> serializers.CharField:
    """An optional case or warrant reference; fusion.purpose checks it."""
    return serializers.CharField(max_length=100, required=False, allow_blank=True)


class AgencyCodeField(serializers.SlugRelatedField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", queryset=Agency.objects.all(), **kwargs)


class ShareInputSerializer(StrictInputSerializer):
    agency = AgencyCodeField(required=False, allow_null=True)
    user = serializers.SlugRelatedField(
        slug_field="username",
        queryset=content_readers(),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": NO_RECIPIENT, "invalid": NO_RECIPIENT},
    )
    level = serializers.ChoiceField(choices=ShareLevel.choices)
    purpose = serializers.CharField(max_length=500)
    purpose_code = purpose_code_field()
    case_ref = case_ref_field()
    expires_at = AwareDateTimeField(required=False, allow_null=True)


class ShareOutputSerializer(serializers.ModelSerializer):
    agency = serializers.CharField(source="agency.code", default=None, allow_null=True)
    user = serializers.CharField(source="user.username", default=None, allow_null=True)
    granted_by = serializers.CharField(source="granted_by.username", default=None, allow_null=True)
    incident = serializers.UUIDField(source="incident_id")

    class Meta:
        model = ShareGrant
        fields = (
            "id",
            "incident",
            "agency",
            "user",
            "level",
            "purpose",
            "purpose_code",
            "case_ref",
            "origin",
            "agreement",
            "granted_by",
            "created_at",
            "expires_at",
            "revoked_at",
            "end_reason",
        )


class AgreementInputSerializer(StrictInputSerializer):
    agency = AgencyCodeField(required=False, help_text="Owner, when you admin several agencies.")
    recipient = AgencyCodeField()
    categories = serializers.ListField(child=serializers.SlugField(), required=False, max_length=50)
    severity_min = serializers.IntegerField(min_value=1, max_value=5, required=False)
    districts = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=100
    )
    level = serializers.ChoiceField(choices=ShareLevel.choices, required=False)
    purpose = serializers.CharField(max_length=500, required=False)
    active = serializers.BooleanField(required=False)

    def validate_categories(self, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - self.context["category_slugs"])
        if unknown:
            raise serializers.ValidationError(f"Unknown categories: {', '.join(unknown)}.")
        return sorted(set(value))

    def validate_districts(self, value: list[str]) -> list[str]:
        """Names of the district register in force (FUSION_DISTRICT_REGISTER), as it spells
        them: an alias or another case is taken, an unknown name refused."""
        current = register()
        found = {name: current.canonical(name) for name in value}
        unknown = sorted(name for name, canonical in found.items() if canonical is None)
        if unknown:
            raise serializers.ValidationError([unknown_district(name) for name in unknown])
        return list(dict.fromkeys(canonical for canonical in found.values() if canonical))


class AgreementUpdateSerializer(AgreementInputSerializer):
    read_only_names = ("agency", "id", "owner")
    agency = None  # not a field here: a request naming it is refused as read-only
    recipient = AgencyCodeField(required=False)


ApplyState = Literal["queued", "applied", "failed"]


class AgreementOutputSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.code")
    recipient = serializers.CharField(source="recipient.code")
    apply_state = serializers.SerializerMethodField(
        help_text="queued: a worker has yet to share what the agreement covers (it is sent "
        "to one once the broker takes it); applied: done as of applied_at; failed: see "
        "apply_error (a broker or database outage is retried)."
    )

    def get_apply_state(
        self, agreement: SharingAgreement
    ) -> Literal["queued", "applied", "failed"]:
        if agreement.apply_error:
            return "failed"
        if agreement.applied_at and agreement.applied_at >= agreement.updated_at:
            return "applied"
        return "queued"

    class Meta:
        model = SharingAgreement
        fields = (
            "id",
            "owner",
            "recipient",
            "categories",
            "severity_min",
            "districts",
            "level",
            "purpose",
            "active",
            "created_at",
            "updated_at",
            "applied_at",
            "apply_error",
            "apply_state",
        )


class PreviewGainSerializer(serializers.Serializer):
    agency = serializers.CharField()
    level = serializers.CharField()
    incidents = serializers.ListField(
        child=serializers.UUIDField(),
        help_text="Incidents the recipient would see at this level and does not now, first "
        "`list_limit` by id.",
    )


class PreviewLossSerializer(serializers.Serializer):
    agency = serializers.CharField()
    incidents = serializers.ListField(
        child=serializers.UUIDField(),
        help_text="Incidents the recipient would stop seeing altogether, first `list_limit` by id.",
    )


class AgreementPreviewSerializer(serializers.Serializer):
    gain = PreviewGainSerializer()
    lose = PreviewLossSerializer()
    gain_count = serializers.IntegerField(help_text="How many incidents `gain` stands for.")
    loss_count = serializers.IntegerField(help_text="How many incidents `lose` stands for.")
    unchanged_count = serializers.IntegerField(
        help_text="Incidents the agreement would cover that the recipient sees at its level "
        "already (shared otherwise, by this or another agreement, or TLP:CLEAR)."
    )
    list_limit = serializers.IntegerField(help_text="Most ids listed per side.")


class MatchOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    own_incident = serializers.UUIDField(
        allow_null=True, help_text="Your incident; null once it was deleted."
    )
    other_agency = serializers.CharField()
    score = serializers.FloatField(
        help_text="A band, not a measurement: 0.5 may be the same event, 1.0 names the same "
        "national id. Nothing of the other record's place, time or content is in it."
    )
    created_at = serializers.DateTimeField()


class AccessRequestInputSerializer(StrictInputSerializer):
    match = serializers.IntegerField(required=False)
    incident = serializers.UUIDField(required=False)
    purpose = serializers.CharField(max_length=500)
    purpose_code = purpose_code_field()
    case_ref = case_ref_field()

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if ("match" in data) == ("incident" in data):
            raise serializers.ValidationError({"match": ["Name either a match or an incident."]})
        return data


class ApproveInputSerializer(StrictInputSerializer):
    level = serializers.ChoiceField(choices=ShareLevel.choices, default=ShareLevel.VIEW)
    expires_at = AwareDateTimeField(required=False, allow_null=True)


class DenyInputSerializer(StrictInputSerializer):
    reason = serializers.CharField(max_length=2000)


class AccessRequestOutputSerializer(serializers.ModelSerializer):
    requester = serializers.CharField(source="requester.username")
    requester_agency = serializers.CharField(source="requester_agency.code")
    owner_agency = serializers.CharField(source="incident.agency.code")
    incident = serializers.SerializerMethodField()

    class Meta:
        model = AccessRequest
        fields = (
            "id",
            "requester",
            "requester_agency",
            "owner_agency",
            "incident",
            "match",
            "purpose",
            "purpose_code",
            "case_ref",
            "status",
            "reason",
            "decided_at",
            "share",
            "created_at",
        )

    def get_incident(self, request: AccessRequest) -> str | None:
        """The id only for the owner, or for the requester once approved (or already visible)."""
        shown = self.context["incident_ids_shown"]
        return str(request.incident_id) if request.incident_id in shown else None


class PersonHitSerializer(serializers.Serializer):
    incident = serializers.UUIDField(source="incident.pk")
    agency = serializers.CharField(source="incident.agency.code")
    role = serializers.CharField(source="person.role")
    full_name = serializers.CharField(source="person.full_name", allow_null=True)
    national_id = serializers.CharField(source="person.national_id", allow_null=True)
    phone = serializers.CharField(source="person.phone", allow_null=True)
    source = serializers.CharField(source="person.source")
    confirmation = serializers.SerializerMethodField(
        help_text="`pending`: from facial recognition, not yet confirmed (your agency's own "
        "only); `confirmed`; `not_required`."
    )

    def get_confirmation(self, hit: Any) -> str:
        return confirmation_state(hit.person)
