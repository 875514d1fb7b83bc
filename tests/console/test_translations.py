"""The Urdu catalogues: complete, valid, compiled by the set-up, and what the console shows to
a user who chose Urdu (right to left); the API stays in the contract's English."""

import ast
import re
import subprocess
from gettext import GNUTranslations
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


def urdu_reader() -> Client:
    """A signed-in police analyst who chose Urdu."""
    analyst = factories.member(factories.agency("police", "police"), "analyst", "ur_reader")
    analyst.language = "ur"
    analyst.save()
    client = Client()
    client.force_login(analyst)
    return client


@pytest.mark.django_db
def test_a_user_who_chose_urdu_reads_the_console_in_urdu_and_the_api_in_english():
    client = urdu_reader()
    page = client.get("/").content.decode()
    assert 'lang="ur" dir="rtl"' in page
    assert "واقعات" in page  # "Incidents" in the navigation
    assert client.get("/api/v1/nowhere/").json() == {"detail": "Not found."}
    refused = client.get("/api/v1/incidents/", {"severity_min": "x"}).json()
    assert refused["detail"] == "Invalid input."


@pytest.mark.django_db
def test_left_to_right_values_stay_in_order_in_urdu():
    # when: a user reading Urdu (right to left) opens the incidents
    page = urdu_reader().get("/incidents/").content.decode()
    # then: the example time is isolated left to right inside the Urdu sentence, and the
    # time and box inputs are typed left to right
    assert "\u20662026-01-31T00:00+05:00\u2069" in page
    for name in ("occurred_after", "occurred_before", "bbox"):
        assert re.search(rf'<input id="f-[a-z]+" dir="ltr" name="{name}"', page), name


GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy"}


def marked_strings(app: Path) -> set[str]:
    """The strings the app's Python code marks for translation (a call of `_`, `gettext`,
    `ngettext`, … with literal text), found by parsing the code as Python does."""
    found = set()
    for source in app.rglob("*.py"):
        if "migrations" in source.parts:
            continue
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            first = node.args[0] if node.args else None  # (a plural is keyed by its singular)
            if name in GETTEXT and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value)
    return found


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: path.parts[-5])
def test_every_marked_string_is_in_its_apps_catalogue(catalogue):
    # (a string marked inside an f-string is not extracted by xgettext, and is then never
    # translated: this reads the code itself)
    with catalogue.with_suffix(".mo").open("rb") as compiled:
        known = {k[0] if isinstance(k, tuple) else k for k in GNUTranslations(compiled)._catalog}
    missing = marked_strings(ROOT / catalogue.parts[-5]) - known
    assert not missing, sorted(missing)
