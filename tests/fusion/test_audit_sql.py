"""Audit text in SQL: PostgreSQL renders values and changes exactly as fusion.audit does."""

import json
import math
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import DataError, connection, models, transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from agencies.models import User
from fusion import audit
from fusion.audit.sql import FLOAT_TEXT_SETTING, changes_sql, text_sql
from fusion.models import AuditEntry, ShareGrant
from incidents.models import Category, Incident, Person
from tests import factories

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
ZONES = [
    UTC,
    ZoneInfo("Asia/Karachi"),
    ZoneInfo("Asia/Kathmandu"),  # +05:45, and +05:41:16 local mean time before 1920
    ZoneInfo("America/St_Johns"),  # -03:30 with daylight saving
    ZoneInfo("Pacific/Kiritimati"),  # +14:00
    timezone(timedelta(hours=-11, minutes=-30)),
]
# Text a column can hold: PostgreSQL stores no NUL and no lone surrogate (UTF-8 cannot encode
# one; the API refuses them per field before anything is written).
TEXT = st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=30)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda children: st.lists(children, max_size=4),
    max_leaves=12,
)  # fmt: skip


def field(model: type[models.Model], name: str) -> models.Field:
    return model._meta.get_field(name)


def sql_and_python(f: models.Field, cast: str, value: object) -> tuple[str, str]:
    """text_sql of `value` stored as `cast`, and _as_text of the value as Django reads it."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(FLOAT_TEXT_SETTING)
        cursor.execute(
            f"SELECT {text_sql(f, 's.v')}, s.v FROM (SELECT %s::{cast} AS v) AS s",  # noqa: S608
            [value],
        )
        text, stored = cursor.fetchone()
    if hasattr(f, "from_db_value"):
        stored = f.from_db_value(stored, None, connection)
    instance = f.model(**{f.attname: stored})
    return text, audit._as_text(instance, [f], set())[f.name]


@PROPERTY
@given(
    st.one_of(
        st.floats(allow_nan=False, allow_infinity=False),
        st.integers(-(2**63), 2**63).map(float),  # integral, around 1e15 and 1e16 too
        st.builds(lambda m, e: m * 10.0**e, st.floats(-10, 10), st.integers(-320, 300)),
    )
)
@example(0.0)
@example(-0.0)
@example(25.0)
@example(1e-05)
@example(0.0001)
@example(1e15)
@example(-1e15)
@example(1234567890123456.8)
@example(9999999999999998.0)
@example(1e16)
@example(1e22)
@example(5e-324)
@example(-1.7976931348623157e308)
@example(math.inf)
@example(-math.inf)
@example(math.nan)
def test_floats_are_written_as_python_repr(value):
    assert sql_and_python(field(Incident, "latitude"), "double precision", value) == (
        repr(value),
        repr(value),
    )


@PROPERTY
@given(
    st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30), timezones=st.sampled_from(ZONES)),
    st.booleans(),
)
@example(datetime(2025, 1, 1, 8, 0, tzinfo=UTC), True)
@example(datetime(2025, 1, 1, 8, 0, 0, 10, tzinfo=UTC), False)
@example(datetime(5, 3, 1, 23, 59, 59, 999999, tzinfo=ZONES[2]), False)
def test_datetimes_are_written_as_utc_without_zone(value, whole_seconds):
    if whole_seconds:
        value = value.replace(microsecond=0)
    sql, python = sql_and_python(field(Incident, "occurred_at"), "timestamptz", value)
    assert sql == python == str(value.astimezone(UTC).replace(tzinfo=None))


@PROPERTY
@given(st.lists(TEXT, max_size=5))
@example(["cve", "cross-border"])
@example(["é", "😀", "\x7f", '"\\/\n\t\x01', "\U0001d518\U0001d52b\U0001d526"])
@example([])
def test_contexts_are_written_as_sorted_ascii_json(value):
    sql, python = sql_and_python(field(Incident, "contexts"), "jsonb", json.dumps(value))
    assert sql == python == json.dumps(value, sort_keys=True)


@PROPERTY
@given(JSON)
@example([0.5, 1e-05, 1e16, 2.0, -0.0, 1e23, [[], ["é", 12345678901234567890]], None, True])
@example(-1.5e-07)
@example(['say "1.5"\\', 2.5, "3.0 é", [1e-300]])
@example("text")
def test_json_without_objects_is_written_as_json_dumps_gives_it(value):
    # Django reads jsonb's text with json.loads: 1e-05 is stored as 0.00001, read as 1e-05.
    sql, python = sql_and_python(field(Incident, "contexts"), "jsonb", json.dumps(value))
    assert sql == python


@pytest.mark.parametrize("value", [{"b": 1, "a": 2}, [1, {"a": "x"}], {}])
def test_json_objects_fail_the_statement_rather_than_guess_key_order(value):
    with pytest.raises(DataError, match="renders no JSON object"):
        sql_and_python(field(Incident, "contexts"), "jsonb", json.dumps(value))


def test_floats_at_every_binary_and_decimal_exponent_are_written_as_python_repr():
    """Powers of two and ten with their neighbours, where digits and notation change."""
    values = []
    for power in [2.0**k for k in range(-1074, 1024)] + [10.0**k for k in range(-323, 309)]:
        up = math.nextafter(power, math.inf)
        values += [power, -power, up, math.nextafter(power, 0.0), math.nextafter(up, math.inf)]
    f = field(Incident, "latitude")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(FLOAT_TEXT_SETTING)
        cursor.execute(
            f"SELECT {text_sql(f, 's.v')} FROM unnest(%s::float8[]) "  # noqa: S608
            "WITH ORDINALITY AS s(v, i) ORDER BY s.i",
            [values],
        )
        texts = [text for (text,) in cursor.fetchall()]
    assert texts == [repr(v) for v in values]


@PROPERTY
@given(TEXT)
@example("None")
@example("naïve 😀 \x7f\\n")
def test_strings_are_written_as_they_are(value):
    for f in (field(Incident, "description"), field(Incident, "category")):
        assert sql_and_python(f, "text", value) == (value, value)


@PROPERTY
@given(st.integers(-(2**63) + 1, 2**63 - 1), st.uuids(), st.booleans())
def test_ids_numbers_and_booleans_are_written_as_str_gives_them(number, uuid, flag):
    assert sql_and_python(field(AuditEntry, "object_id"), "bigint", number) == (str(number),) * 2
    assert sql_and_python(field(Incident, "agency"), "bigint", number) == (str(number),) * 2
    assert (
        sql_and_python(field(Incident, "severity"), "integer", number % 32768)
        == (str(number % 32768),) * 2
    )
    assert sql_and_python(field(ShareGrant, "incident"), "uuid", uuid) == (str(uuid),) * 2
    assert sql_and_python(field(Category, "active"), "boolean", flag) == (str(flag),) * 2


@pytest.mark.parametrize(
    ("model", "name", "cast", "text"),
    [
        (Incident, "external_ref", "text", "None"),
        (ShareGrant, "agency", "bigint", "None"),
        (ShareGrant, "expires_at", "timestamptz", "None"),
        (Incident, "latitude", "double precision", "None"),
        (Category, "active", "boolean", "None"),
        (Incident, "contexts", "jsonb", "null"),  # json.dumps(None)
    ],
)
def test_null_is_written_as_python_writes_none(model, name, cast, text):
    assert sql_and_python(field(model, name), cast, None) == (text, text)


def test_fields_whose_text_is_not_reproduced_are_refused():
    with pytest.raises(TypeError, match=r"Person\.full_name.*EncryptedTextField"):
        text_sql(field(Person, "full_name"), "p.full_name")
    with pytest.raises(TypeError, match="DateField"):
        text_sql(models.DateField(name="day"), "d.day")


def test_changes_are_plain_sql_for_every_audited_model():
    """No placeholders or `%` to escape, whatever the statement executing them passes."""
    for model in (Incident, ShareGrant, Person, Category, User):
        sql = changes_sql(model, "new", "old", is_create="old.id IS NULL")
        assert "%" not in sql


def evaluated_changes(model: type[models.Model], new_table: str, old_table: str, pk) -> dict:
    """changes_sql over the row `pk` of `new_table`, with the row of `old_table` as old
    (a create when there is none)."""
    q = connection.ops.quote_name
    column = q(model._meta.pk.column)
    changes = changes_sql(model, "new", "old", is_create=f"old.{column} IS NULL")
    with connection.cursor() as cursor:
        cursor.execute(FLOAT_TEXT_SETTING)
        cursor.execute(
            f"SELECT {changes} FROM {new_table} AS new LEFT JOIN {old_table} AS old "  # noqa: S608
            f"ON old.{column} = new.{column} WHERE new.{column} = %s",
            [pk],
        )
        (value,) = cursor.fetchone()
    return json.loads(value) if isinstance(value, str) else value


def snapshot(model: type[models.Model], pk, name: str) -> None:
    """Copy the stored row into a temporary table, as it is now."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE {name} AS SELECT * FROM {table} WHERE id = %s",  # noqa: S608
            [pk],
        )


def auditlog_entries(model: type[models.Model], pk) -> list[AuditEntry]:
    content_type = ContentType.objects.get_for_model(model)
    entries = AuditEntry.objects.filter(content_type=content_type, object_pk=str(pk))
    return list(entries.order_by("id"))


def field_changes(entry: AuditEntry, model: type[models.Model]) -> dict:
    """auditlog's changes on concrete fields (it also lists reverse relations on create)."""
    names = {f.name for f in model._meta.concrete_fields}
    return {name: pair for name, pair in entry.changes.items() if name in names}


def python_changes(model: type[models.Model], pk, new_table: str, old_table: str | None) -> dict:
    """What fusion.audit.log_bulk writes for row `pk` of these tables as Django reads them."""
    fields, masked = audit._audited_fields(model)
    rows = {
        table: next(iter(model.objects.raw(f"SELECT * FROM {table} WHERE id = %s", [pk])))  # noqa: S608
        for table in filter(None, [new_table, old_table])
    }
    old, new = rows.get(old_table), rows[new_table]
    return audit._diff(audit._as_text(old, fields, masked), audit._as_text(new, fields, masked))


def test_incident_changes_match_auditlog_entries_of_single_saves(world):
    # given: an incident created and then edited by single saves, which auditlog records
    record = factories.record(
        external_ref=None,
        longitude=0.0,
        latitude=25.5,
        contexts=["cve", "ünïcode 😀"],
        occurred_at=datetime(2025, 3, 1, 9, 30, 15, 120000, tzinfo=ZoneInfo("Asia/Karachi")),
        reported_at=datetime(2025, 3, 2, 8, 0, tzinfo=UTC),
    )
    record["category_id"] = record.pop("category")
    with audit.acting_for(world.police_submitter, world.police.pk):
        incident = Incident.objects.create(
            agency=world.police, created_by=world.police_submitter, **record
        )
        snapshot(Incident, incident.pk, "incident_created")
        incident.severity, incident.killed = 5, 2
        incident.latitude, incident.longitude = 25.0, 1e-05
        incident.occurred_at = datetime(2025, 3, 1, 4, 0, tzinfo=UTC)
        incident.external_ref = "REF-ÄÖ"
        incident.description = "now with a description — naïve"
        incident.contexts = ["cve", "smuggling", "ünïcode 😀"]
        incident.version += 1
        incident.save()
    created, updated = auditlog_entries(Incident, incident.pk)[-2:]
    table = Incident._meta.db_table
    # when: the changes computed by PostgreSQL over the stored rows
    on_create = evaluated_changes(
        Incident, "incident_created", "(SELECT * FROM incident_created WHERE FALSE)", incident.pk
    )
    on_update = evaluated_changes(Incident, table, "incident_created", incident.pk)
    # then: the same as auditlog's own entries and as log_bulk writes from instances
    assert field_changes(created, Incident).items() <= on_create.items()
    fields, _ = audit._audited_fields(Incident)
    assert set(on_create) == {f.name for f in fields}
    assert on_create == python_changes(Incident, incident.pk, "incident_created", None) != {}
    assert on_create["external_ref"] == ["None", "None"]
    assert on_create["longitude"] == ["None", "0.0"]
    assert on_create["occurred_at"] == ["None", "2025-03-01 04:30:15.120000"]
    assert on_update == updated.changes
    assert on_update == python_changes(Incident, incident.pk, table, "incident_created")
    assert on_update["longitude"] == ["0.0", "1e-05"]
    assert on_update["latitude"] == ["25.5", "25.0"]
    assert on_update["occurred_at"] == ["2025-03-01 04:30:15.120000", "2025-03-01 04:00:00"]
    assert set(on_update) == {
        "severity", "killed", "latitude", "longitude", "occurred_at", "external_ref",
        "description", "contexts", "version",
    }  # fmt: skip


def test_share_grant_changes_match_auditlog_entries_of_single_saves(world):
    # given: a grant created, then revoked, by single saves
    incident = factories.incident(world.police, world.police_submitter)
    grant = ShareGrant.objects.create(
        incident=incident, agency=world.levies, level="view", purpose="joint operation",
        granted_by=world.police_admin,
    )  # fmt: skip
    snapshot(ShareGrant, grant.pk, "grant_created")
    grant.revoked_at = datetime(2025, 6, 1, 12, 0, 0, 1, tzinfo=UTC)
    grant.revoked_by, grant.end_reason = world.police_admin, "revoked"
    grant.save()
    created, updated = auditlog_entries(ShareGrant, grant.pk)[-2:]
    table = ShareGrant._meta.db_table
    # when
    on_create = evaluated_changes(
        ShareGrant, "grant_created", "(SELECT * FROM grant_created WHERE FALSE)", grant.pk
    )
    on_update = evaluated_changes(ShareGrant, table, "grant_created", grant.pk)
    # then
    assert field_changes(created, ShareGrant).items() <= on_create.items()
    assert on_create == python_changes(ShareGrant, grant.pk, "grant_created", None)
    assert on_create["incident"] == ["None", str(incident.pk)]
    assert on_create["user"] == on_create["revoked_at"] == ["None", "None"]
    assert on_update == python_changes(ShareGrant, grant.pk, table, "grant_created")
    assert (
        on_update
        == updated.changes
        == {
            "revoked_at": ["None", "2025-06-01 12:00:00.000001"],
            "revoked_by": ["None", str(world.police_admin.pk)],
            "end_reason": ["", "revoked"],
        }
    )


def test_a_zero_changing_sign_is_a_change(world, settings):
    # given: a stored longitude of 0.0 turned into -0.0 (equal as numbers, not as text); a
    # place no district register holds
    settings.FUSION_DISTRICT_REGISTER = "off"
    incident = factories.incident(world.police, world.police_submitter, longitude=0.0)
    snapshot(Incident, incident.pk, "incident_before")
    table = Incident._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET longitude = '-0'::float8 WHERE id = %s",  # noqa: S608
            [incident.pk],
        )
    # when
    changes = evaluated_changes(Incident, table, "incident_before", incident.pk)
    # then: listed, as log_bulk lists it
    assert changes == python_changes(Incident, incident.pk, table, "incident_before")
    assert changes == {"longitude": ["0.0", "-0.0"]}
