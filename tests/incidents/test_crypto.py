"""Field encryption at rest, key rotation and the keyed blind index."""

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from fusion import crypto
from incidents.models import Person
from tests import factories

pytestmark = pytest.mark.django_db

OLD_ONLY = "test1:dGVzdC1maWVsZC1rZXktbnVtYmVyLW9uZS0zMmJ5dGU="
NEW_ONLY = "test2:dGVzdC1maWVsZC1rZXktbnVtYmVyLXR3by0zMmJ5dGU="
BOTH = f"{NEW_ONLY},{OLD_ONLY}"


def raw_person_columns(pk: object) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT full_name, national_id, phone, notes FROM incidents_person WHERE id = %s", [pk]
        )
        return cursor.fetchone()


def make_person(world) -> Person:
    incident = factories.incident(
        world.police,
        world.police_submitter,
        persons=[
            {
                "role": "suspect",
                "full_name": "Akbar Mengal",
                "national_id": "54400-1111111-3",
                "phone": "0333-1112223",
                "notes": "seen at checkpoint",
            }
        ],
    )
    return incident.persons.get()


def test_values_are_encrypted_at_rest_with_a_key_id(world):
    person = make_person(world)
    raw = raw_person_columns(person.pk)
    for stored, plain in zip(
        raw, ("Akbar Mengal", "54400-1111111-3", "0333-1112223", "seen at checkpoint"), strict=True
    ):
        assert plain not in stored
        assert stored.startswith(f"{crypto.current_key_id()}$")
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.full_name, fresh.national_id) == ("Akbar Mengal", "54400-1111111-3")


def test_same_plaintext_encrypts_differently_each_time():
    aad = b"incidents.person.full_name"
    assert crypto.encrypt("x", aad=aad) != crypto.encrypt("x", aad=aad)


def test_value_moved_to_another_column_does_not_decrypt():
    stored = crypto.encrypt("Akbar", aad=b"incidents.person.full_name")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(stored, aad=b"incidents.person.phone")


def test_tampered_value_fails_loudly():
    stored = crypto.encrypt("Akbar", aad=b"a")
    tampered = stored[:-2] + ("A" if stored[-2] != "A" else "B") + stored[-1]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(tampered, aad=b"a")


def test_rotation_reencrypts_and_old_key_can_go(world, settings):
    # given: data written under the old key only
    settings.FIELD_ENCRYPTION_KEYS = OLD_ONLY
    person = make_person(world)
    assert raw_person_columns(person.pk)[0].startswith("test1$")
    # when: the new key goes first, rotation runs, the old key is dropped
    settings.FIELD_ENCRYPTION_KEYS = BOTH
    out = StringIO()
    call_command("rotate_field_keys", stdout=out)
    settings.FIELD_ENCRYPTION_KEYS = NEW_ONLY
    # then
    assert all(value.startswith("test2$") for value in raw_person_columns(person.pk))
    assert Person.objects.get(pk=person.pk).full_name == "Akbar Mengal"
    assert "re-encrypted 1 of 1" in out.getvalue()
    found = Person.objects.filter(national_id_index=crypto.blind_index("5440011111113"))
    assert list(found) == [person]


def test_missing_key_fails_loudly(world, settings):
    settings.FIELD_ENCRYPTION_KEYS = OLD_ONLY
    person = make_person(world)
    settings.FIELD_ENCRYPTION_KEYS = NEW_ONLY
    with pytest.raises(crypto.DecryptionError):
        Person.objects.get(pk=person.pk)


def test_blind_index_is_keyed_and_normalised():
    index = crypto.blind_index("54400-1111111-3")
    assert index == crypto.blind_index(" 5440011111113 ")
    assert index != hashlib.sha256(b"5440011111113").hexdigest()
    assert crypto.blind_index("") is None
    assert crypto.blind_index(None) is None


def test_bad_key_configuration_is_refused(settings):
    from django.core.exceptions import ImproperlyConfigured

    for spec in ("nokid", "k1:c2hvcnQ=", "k1:" + "A" * 43 + "=,k1:" + "B" * 43 + "="):
        settings.FIELD_ENCRYPTION_KEYS = spec
        with pytest.raises(ImproperlyConfigured):
            crypto.encrypt("x", aad=b"a")
