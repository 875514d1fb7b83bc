"""Input and output serializers of incidents, persons and categories."""

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from fusion.api.quick_validation import QuickValidator
from fusion.api.serializers import AwareDateTimeField, FiniteFloatField, StrictInputSerializer
from incidents.access import Level
from incidents.choices import TLP, Context, LocationPrecision, PersonRole, PersonSource, Status
from incidents.models import Category, Incident, Person
from incidents.recognition import confirmation_state
from incidents.redaction import INCIDENT_FIELDS, is_redacted, readable_persons

READ_ONLY = ("id", "version", "redacted")
COUNT_HELP = (
    "{what}, 0..100000; null when the report gives no count (unknown, not 0). Left out: "
    "unknown on create (and on a PUT, which replaces); a re-post or PATCH keeps the stored count."
)
PRECISION_HELP = (
    "How closely the point places the event: exact, or the centre of the town, district or "
    "province the report names. Links between reports allow a wider distance for coarser "
    "points; a province-level point is not checked against its district's area. Default exact."
)


class PersonInputSerializer(StrictInputSerializer):
    role = serializers.ChoiceField(choices=PersonRole.choices)
    full_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    national_id = serializers.CharField(max_length=50, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=50, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    source = serializers.ChoiceField(choices=PersonSource.choices, default=PersonSource.REPORT)
    legal_basis = serializers.CharField(max_length=200, required=False, allow_blank=True)
    authorisation_ref = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="The authorisation facial recognition was used under: required when `source` "
        "is facial_recognition (400 naming persons.N.authorisation_ref).",
    )


class CategorySlugField(serializers.CharField):
    """A slug of an active category (the set is read once per serializer)."""

    default_error_messages = {"unknown": "Unknown category {value!r}."}

    def allowed_values(self) -> frozenset[str]:
        """The active slugs (read by the bulk fast path, fusion.api.quick_validation)."""
        return frozenset(self.context["category_slugs"])

    def to_internal_value(self, data: Any) -> str:
        slug = super().to_internal_value(data)
        if slug not in self.context["category_slugs"]:
            self.fail("unknown", value=slug)
        return slug


class IncidentInputSerializer(StrictInputSerializer):
    """Fields a client writes; `agency` is accepted on create only."""

    read_only_names = READ_ONLY
    agency = serializers.SlugField(required=False)
    external_ref = serializers.CharField(max_length=100, required=False, allow_null=True)
    occurred_at = AwareDateTimeField()
    reported_at = AwareDateTimeField(required=False)
    category = CategorySlugField(max_length=50)
    severity = serializers.IntegerField(min_value=1, max_value=5)
    killed = serializers.IntegerField(
        min_value=0,
        max_value=100000,
        required=False,
        allow_null=True,
        help_text=COUNT_HELP.format(what="People killed"),
    )
    injured = serializers.IntegerField(
        min_value=0,
        max_value=100000,
        required=False,
        allow_null=True,
        help_text=COUNT_HELP.format(what="People injured"),
    )
    latitude = FiniteFloatField(min_value=-90, max_value=90)
    longitude = FiniteFloatField(min_value=-180, max_value=180)
    location_precision = serializers.ChoiceField(
        choices=LocationPrecision.choices, required=False, help_text=PRECISION_HELP
    )
    district = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="A district of the register; blank or null: the one the place lies in.",
    )
    description = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    tlp = serializers.ChoiceField(choices=TLP.choices, required=False)
    contexts = serializers.ListField(
        child=serializers.ChoiceField(choices=Context.choices), required=False, max_length=3
    )
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    persons = PersonInputSerializer(many=True, required=False, max_length=200)

    def validate_contexts(self, value: list[str]) -> list[str]:
        return sorted(set(value))

    def validate_district(self, value: str | None) -> str:
        return value or ""  # null is blank: filled from the place (incidents.rules.place)


class IncidentUpdateSerializer(IncidentInputSerializer):
    """PUT/PATCH input: the owning agency cannot change."""

    read_only_names = (*READ_ONLY, "agency")
    agency = None  # not a field here: a request naming it is refused as read-only


class PersonOutputSerializer(serializers.Serializer):
    """A readable person: exactly the field policy's PERSON_FIELDS (plus its id)."""

    id = serializers.UUIDField()
    role = serializers.CharField()
    full_name = serializers.CharField(allow_null=True)
    national_id = serializers.CharField(allow_null=True)
    phone = serializers.CharField(allow_null=True)
    notes = serializers.CharField(allow_null=True)
    source = serializers.CharField()
    legal_basis = serializers.CharField()
    authorisation_ref = serializers.CharField()
    confirmation = serializers.SerializerMethodField(
        help_text="Facial recognition: `pending` until a second user of the owning agency "
        "confirms the person (only the owner sees it until then), then `confirmed`; other "
        "sources: `not_required`."
    )
    confirmed_at = serializers.DateTimeField(allow_null=True)

    def get_confirmation(self, person: Person) -> str:
        return confirmation_state(person)


class PersonConfirmationSerializer(serializers.Serializer):
    """A confirmed person from facial recognition: who confirmed it and when (never its
    identifying fields: read those with include=persons and a purpose)."""

    id = serializers.UUIDField()
    incident = serializers.UUIDField(source="incident_id")
    authorisation_ref = serializers.CharField()
    confirmation = serializers.SerializerMethodField()
    confirmed_by = serializers.CharField(source="confirmed_by.username")
    confirmed_at = serializers.DateTimeField()

    def get_confirmation(self, person: Person) -> str:
        return confirmation_state(person)


@extend_schema_field(PersonOutputSerializer(many=True))
class PersonsField(serializers.Field):
    """The persons of an incident its reader may see. Output only, and not required: the field
    is there only when asked for (include=persons), so the schema does not promise it."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("source", "*")
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            "Present only with include=persons&purpose=…; empty at a level that withholds them.",
        )
        super().__init__(**kwargs)

    def to_representation(self, incident: Incident) -> list[dict[str, Any]]:
        level = self.context["levels"][incident.pk]
        persons = readable_persons(level, incident.persons.all())
        return PersonOutputSerializer(persons, many=True).data


class IncidentOutputSerializer(serializers.Serializer):
    """An incident as its reader may see it: `levels` (id → Level) come in the context."""

    id = serializers.UUIDField()
    agency = serializers.CharField(source="agency.code")
    external_ref = serializers.CharField(allow_null=True)
    occurred_at = serializers.DateTimeField()
    reported_at = serializers.DateTimeField()
    category = serializers.CharField(source="category_id")
    severity = serializers.IntegerField()
    killed = serializers.IntegerField(allow_null=True, help_text="Null: unknown (not 0).")
    injured = serializers.IntegerField(allow_null=True, help_text="Null: unknown (not 0).")
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    location_precision = serializers.ChoiceField(
        choices=LocationPrecision.choices, help_text=PRECISION_HELP
    )
    district = serializers.CharField()
    description = serializers.CharField()
    tlp = serializers.CharField()
    contexts = serializers.ListField(child=serializers.CharField())
    status = serializers.CharField()
    version = serializers.IntegerField()
    redacted = serializers.SerializerMethodField()
    persons = PersonsField()

    def _level(self, incident: Incident) -> Level:
        return self.context["levels"][incident.pk]

    def get_redacted(self, incident: Incident) -> bool:
        return is_redacted(
            self._level(incident),
            has_persons=incident.has_persons,
            has_witnesses=incident.has_witnesses,
            has_unconfirmed=incident.has_unconfirmed,
        )

    def get_fields(self) -> dict[str, serializers.Field]:
        """The field policy's allow-list; persons only when asked for (and no query otherwise)."""
        fields = super().get_fields()
        if "levels" not in self.context:
            return fields  # schema generation: document every field
        allowed = set(INCIDENT_FIELDS) | (
            {"persons"} if self.context.get("include_persons") else set()
        )
        return {name: field for name, field in fields.items() if name in allowed}


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ("slug", "name", "group", "description")


@extend_schema_field(
    {
        "type": "array",
        "items": {"$ref": "#/components/schemas/IncidentUpdateRequest"},
        "minItems": 1,
        "maxItems": settings.FUSION_BULK_MAX,
        "description": "Incident records (fields as for a single create); each is checked by "
        "index. More than FUSION_BULK_MAX is a 413.",
    }
)
class RecordListField(serializers.ListField):
    """A list whose items are validated later, each by index (see validate_records).

    A ListField without a child runs `_UnvalidatedField.run_validation` on every item, which
    accepts any JSON value and returns it: 5,000 calls that can only copy the list.
    """

    def run_child_validation(self, data: Any) -> list[Any]:
        return list(data)


class BulkInputSerializer(StrictInputSerializer):
    """The envelope of a bulk request; records are validated one by one (see validate_records)."""

    agency = serializers.SlugField(required=False)
    incidents = RecordListField(
        allow_empty=False,
        help_text="Incident records (fields as for a single create); each is checked by index.",
    )


def validate_records(
    items: list[Any], context: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Validate each record; returns (validated records, {index: field errors})."""
    records, errors = [], {}
    # One serializer for all records: building its fields is the expensive part; well-formed
    # records take the fast path, which gives what the serializer would.
    serializer = IncidentUpdateSerializer(context=context)
    quick = QuickValidator(serializer)
    for index, item in enumerate(items):
        record = quick.validate(item)
        if record is not None:
            records.append(record)
            continue
        try:
            records.append(dict(serializer.run_validation(item)))
        except serializers.ValidationError as exc:
            errors[str(index)] = exc.detail
            records.append({})
    return records, errors


class BulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField(help_text="Records that existed and changed.")
    unchanged = serializers.IntegerField(
        help_text="Records that existed as sent: nothing written, versions and ETags kept."
    )
    ids = serializers.ListField(child=serializers.UUIDField(), help_text="In input order.")
