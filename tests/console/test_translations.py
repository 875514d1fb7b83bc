"""The Urdu catalogues: complete, valid, compiled by the set-up, and what the console shows to
a user who chose Urdu (right to left); the API stays in the contract's English."""

import re
import subprocess
from pathlib import Path

import pytest
from django.test import Client

from tests import factories

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(ROOT.glob("*/locale/ur/LC_MESSAGES/django.po"))


def test_there_is_a_catalogue_for_each_app_with_labels():
    assert {path.parts[-5] for path in CATALOGUES} == {"agencies", "analytics", "fusion"}


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: path.parts[-5])
def test_every_label_is_translated_and_the_catalogue_is_valid(catalogue):
    for flag in ("--untranslated", "--only-fuzzy"):
        left = subprocess.run(  # noqa: S603 - fixed arguments
            ["msgattrib", flag, "--no-wrap", str(catalogue)],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "msgid" not in left.replace('msgid ""', ""), left[:2000]
    subprocess.run(  # noqa: S603
        ["msgfmt", "--check", "-o", "/dev/null", str(catalogue)],  # noqa: S607
        check=True,
    )
    assert catalogue.with_suffix(".mo").exists(), "make install compiles the catalogues"


@pytest.mark.django_db
def test_a_user_who_chose_urdu_reads_the_console_in_urdu_and_the_api_in_english():
    agency = factories.agency("police", "police")
    analyst = factories.member(agency, "analyst", "police_analyst")
    analyst.language = "ur"
    analyst.save()
    client = Client()
    client.force_login(analyst)
    page = client.get("/").content.decode()
    assert 'lang="ur" dir="rtl"' in page
    assert "واقعات" in page  # "Incidents" in the navigation
    assert client.get("/api/v1/nowhere/").json() == {"detail": "Not found."}
    refused = client.get("/api/v1/incidents/", {"severity_min": "x"}).json()
    assert refused["detail"] == "Invalid input."


@pytest.mark.django_db
def test_left_to_right_values_stay_in_order_in_urdu():
    # given: a user reading Urdu (right to left)
    analyst = factories.member(factories.agency("police", "police"), "analyst", "ur_reader")
    analyst.language = "ur"
    analyst.save()
    client = Client()
    client.force_login(analyst)
    # when
    page = client.get("/incidents/").content.decode()
    # then: the example time is isolated left to right inside the Urdu sentence, and the
    # time and box inputs are typed left to right
    assert "\u20662026-01-31T00:00+05:00\u2069" in page
    for name in ("occurred_after", "occurred_before", "bbox"):
        assert re.search(rf'<input id="f-[a-z]+" dir="ltr" name="{name}"', page), name
