"""Browser tests: Debian's Chromium (/usr/bin/chromium, installed by `make install`) driven by
Playwright against the service on a live server, with the real PostgreSQL database.

Each test signs in as a role, walks its main task, asserts what another agency's user must not
see, checks the page with axe-core (no serious or critical findings) and saves screenshots to
`artifacts/screenshots/` (FUSION_ARTIFACTS to change; never committed)."""

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, sync_playwright

from agencies.models import User
from tests.factories import PASSWORD

# Playwright's sync API runs an event loop in the test's thread; the ORM calls of the test
# itself are still plain synchronous code, which Django refuses in a thread with a loop unless
# told otherwise. Told only while a browser runs (a module's tests), never to other tests:
# the deployment checks rightly fail a process where it is set.
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"

CHROMIUM = os.environ.get("FUSION_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(
    os.environ.get("FUSION_ARTIFACTS", Path(__file__).resolve().parents[2] / "artifacts")
)
AXE = Path(__file__).with_name("vendor") / "axe.min.js"
# As the machine's notes advise: no calls home, which a closed network refuses.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make install` installs Debian's chromium.")
    saved = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            yield browser
            browser.close()
    finally:
        if saved is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = saved


@pytest.fixture
def page(chromium: Browser, live_server) -> Iterator[Page]:
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, base_url=live_server.url
    )
    context.set_default_timeout(15_000)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    # what the page's Content-Security-Policy refused would break it without a page error
    opened.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    yield opened
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def shot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot of the page as an artifact: artifacts/screenshots/<name>.png."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{re.sub(r'[^a-z0-9_-]+', '-', name.lower())}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def axe_findings(page: Page, *, exclude: list[str] | None = None) -> list[dict]:
    """Serious and critical axe-core findings on the page as it is now (WCAG 2.1 A and AA)."""
    # evaluated by the browser's tools, as the page's own policy lets no inline script run
    page.evaluate(AXE.read_text() + "\n;undefined")
    context = {"exclude": [[selector] for selector in (exclude or [])]}
    result = page.evaluate(
        """async (context) => await axe.run(context.exclude.length ? context : document,
             {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})""",
        context,
    )
    return [
        {
            "id": finding["id"],
            "impact": finding["impact"],
            "help": finding["help"],
            "nodes": [node["target"] for node in finding["nodes"]][:5],
        }
        for finding in result["violations"]
        if finding["impact"] in {"serious", "critical"}
    ]


def assert_accessible(page: Page, **kwargs) -> None:
    findings = axe_findings(page, **kwargs)
    assert not findings, f"axe-core findings on {page.url}: {findings}"


def code_for(user: User) -> str:
    """A current code of the user's authenticator app (enrolled by `enrol`)."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def enrol(user: User) -> None:
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def sign_in(page: Page, user: User, *, code: str | None = None) -> None:
    """Sign in through the console's form, as a person does (keyboard only)."""
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    if code is not None:
        page.get_by_label("Code (second factor)").fill(code)
    page.get_by_label("Password").press("Enter")
    page.wait_for_load_state()
    assert "/sign-in/" not in page.url, page.locator(".error-summary").all_inner_texts()
