"""The bulk fast path answers only when sure, and then exactly as the serializer would."""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from fusion.api.quick_validation import QuickValidator
from incidents.api.serializers import IncidentUpdateSerializer, validate_records
from tests import factories

SLUGS = frozenset({"robbery", "armed-assault", "bombing-ied"})

texts = st.one_of(
    st.sampled_from(["", " ", "Quetta", " Quetta", "Quetta\n", "a\x00b", "\ud800", "کوئٹہ"]),
    st.text(max_size=30),
    st.text(max_size=3).map(lambda t: t * 40),  # long strings around the max lengths
)
numbers = st.one_of(
    st.integers(-3, 8),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([True, False, 3.0, "3", "3.0", " 4", "30.5", 10**400, -0.0]),
)
datetimes = st.one_of(
    st.sampled_from(
        [
            "2025-01-01T10:00:00+05:00",
            "2025-01-01T10:00:00Z",
            "2025-01-01T10:00:00",
            "2025-01-01",
            " 2025-01-01T10:00:00Z",
            "2025-01-01 10:00:00.123456+00:00",
            "20250101T100000Z",
            "0001-01-01T00:00:00+14:00",
            "2025-13-01T00:00:00Z",
            "yesterday",
        ]
    ),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
)
anything = st.one_of(st.none(), texts, numbers, datetimes, st.lists(texts, max_size=4), st.just({}))
FIELD_VALUES = {
    "external_ref": st.one_of(st.none(), texts),
    "occurred_at": datetimes,
    "reported_at": datetimes,
    "category": st.one_of(st.sampled_from([*sorted(SLUGS), "nope", " robbery"]), texts),
    "severity": numbers,
    "killed": st.one_of(st.none(), numbers),  # null: unknown
    "injured": st.one_of(st.none(), numbers),
    "latitude": numbers,
    "longitude": numbers,
    "location_precision": st.one_of(
        st.sampled_from(["exact", "town", "district", "province", "Town", "", None]), texts
    ),
    "district": texts,
    "description": texts,
    "tlp": st.one_of(st.sampled_from(["CLEAR", "GREEN", "AMBER", "RED", "amber", ""]), texts),
    "contexts": st.one_of(
        st.lists(st.sampled_from(["protest", "campus", "religious_gathering", "x"]), max_size=5),
        texts,
    ),
    "status": st.sampled_from(["open", "closed", "retracted", "verified", "gone", None]),
    "persons": st.one_of(st.just([]), st.just([{"role": "victim"}]), st.just("x")),
    "agency": texts,
    "version": numbers,
    "surprise": anything,
}


@st.composite
def records(draw) -> dict:
    """A valid record with one or two fields changed to odd values, or one dropped."""
    base = factories.payload(category="robbery", external_ref=draw(st.text(min_size=1)))
    for name in draw(st.lists(st.sampled_from(sorted(FIELD_VALUES)), min_size=1, max_size=2)):
        base[name] = draw(FIELD_VALUES[name]) if draw(st.integers(0, 3)) else draw(anything)
    if draw(st.integers(0, 9)) == 0:
        base.pop(draw(st.sampled_from(sorted(base))))
    return base


def serializer() -> IncidentUpdateSerializer:
    return IncidentUpdateSerializer(context={"category_slugs": SLUGS})


def drf(record: object) -> dict | None:
    try:
        return dict(serializer().run_validation(record))
    except serializers.ValidationError:
        return None


def same(a: object, b: object) -> bool:
    """Equal, with NaN equal to itself and floats compared by type as well."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return type(a) is type(b) and a == b


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=st.one_of(records(), records(), records(), anything))
def test_the_fast_path_gives_what_the_serializer_gives_or_defers(record):
    quick = QuickValidator(serializer()).validate(record)
    if quick is not None:
        assert same(quick, drf(record)), (record, quick)


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"contexts": ["protest", "campus", "protest"]},
        {"external_ref": None, "district": "", "description": "کوئٹہ میں دھماکہ"},
        {"persons": []},
        {"occurred_at": "2025-01-01T10:00:00+05:00", "latitude": 30, "longitude": 67},
        {"killed": None, "injured": None, "location_precision": "town"},
    ],
)
def test_well_formed_records_take_the_fast_path(overrides):
    record = {**factories.payload(category="robbery"), **overrides}
    quick = QuickValidator(serializer()).validate(record)
    assert quick is not None
    assert same(quick, drf(record))


def test_records_with_errors_are_worded_by_the_serializer():
    good = factories.payload(category="robbery")
    records, errors = validate_records(
        [good, {**good, "severity": 9}, {**good, "category": " nope "}, "x"],
        {"category_slugs": SLUGS},
    )
    assert set(errors) == {"1", "2", "3"}
    assert "severity" in errors["1"]
    assert "category" in errors["2"]
    assert same(records[0], drf(good))
