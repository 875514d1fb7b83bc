"""The README's "Five minutes as each role", run as written against a freshly seeded demo
served over HTTP, as `make run` serves it (no second factor asked with DJANGO_DEBUG=1)."""

import os
import re
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from analytics.models import Assessment
from fusion import after_response
from fusion.scheduler import Scheduler

README = Path(__file__).resolve().parent.parent / "README.md"
pytestmark = pytest.mark.django_db(transaction=True)


def walkthrough() -> str:
    """The shell blocks between the walkthrough markers, in order."""
    text = README.read_text()
    section = text.split("<!-- walkthrough:start -->", 1)[1].split("<!-- walkthrough:end -->")[0]
    return "\n".join(re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL))


def test_the_readme_walkthrough_works_for_every_role(live_server, settings, tmp_path):
    settings.FUSION_REQUIRE_2FA = False  # as under `make run`
    call_command("seed_demo", stdout=StringIO())
    Scheduler(settings.CELERY_BEAT_SCHEDULE).run_pending()  # what `make run` runs at start
    assert Assessment.objects.filter(standing__isnull=False, status="pending_review").exists()
    script = walkthrough()
    assert script.count("login ") >= 8

    done = subprocess.run(  # noqa: S603 - the README's own shell
        ["bash", "-euo", "pipefail", "-c", script],  # noqa: S607
        env={**os.environ, "FUSION": f"{live_server.url}/api/v1"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    said = done.stdout
    assert after_response.drain()  # the report asked for is built before the data goes
    assert done.returncode == 0, f"{said}\n{done.stderr}"
    assert "('Mastung', 'armed-assault'" in said  # the coordinator sees the surge
    assert "['bpol', 'ctd', 'levies']" in said  # through the agencies' agreements
    assert (tmp_path / "last-week.html").read_text().count("TLP:") >= 1
    assert "\n404\n" in said  # the levies cannot read what the police were given
    assert said.count("\n400\n") == 2  # the preview's and the district's refusals
    assert "\n403\n" in said  # the platform admin reads no content
    assert "(1, 0)\n(0, 1)\n" in said  # an agency system's repeat writes nothing
