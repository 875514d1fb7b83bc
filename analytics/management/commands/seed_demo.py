"""Seed the demo world: the fusion centre and agencies, users in every role, incidents, the
fusion centre's standing assessment and what the world has done already (analytics.
demo_activity; a command of analytics, the app above all it seeds)."""

import os
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from agencies.models import Agency, Membership, User
from agencies.services import service_account_create
from analytics import demo_activity as activity
from analytics.models import StandingAssessment
from fusion import audit
from fusion.models import ShareGrant
from fusion.progress import ProgressBar
from incidents import demo
from incidents.models import Incident, Person
from incidents.rules import event_fingerprint
from incidents.services import new_person

CHUNK = 1000


class Command(BaseCommand):
    help = (
        "Create the demo world: agencies, users for every role, several thousand incidents, "
        "agreements to the fusion centre, matches, an open access request, reviewed "
        "assessments and last week's report."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--incidents", type=int, default=4000)
        parser.add_argument("--password", default="fusion-demo-2026")
        parser.add_argument(
            "--url",
            default=None,
            help="Where the service answers, for the printed links "
            "(default: http://$HOST:$PORT, 127.0.0.1:8000).",
        )

    def handle(
        self, *args: Any, incidents: int, password: str, url: str | None, **options: Any
    ) -> None:
        url = (url or _default_url()).rstrip("/")
        if Agency.objects.filter(code="bfc").exists():
            self.stdout.write("demo world already present; not seeding again")
            self._print_logins(None, url)
            return
        with audit.acting(component="command"):
            with transaction.atomic():
                agencies = self._agencies()
                admin = self._users(agencies, password)
                self._incidents(agencies, admin, incidents)
                self._standing(agencies)
                _, token = service_account_create(
                    actor=admin, agency=agencies["bpol"], name="CAD system"
                )
            self._activity(agencies)
        self.stdout.write(f"service account svc.bpol.cad-system token (shown once): {token}")
        self._print_logins(password, url)

    def _activity(self, agencies: dict[str, Agency]) -> None:
        """What the world has done already (analytics.demo_activity), step by step."""
        step = self.stdout.write
        made = activity.share_with_fusion_centre(agencies)
        shared = ShareGrant.objects.filter(agreement__in=made).count()
        step(f"agreements to the fusion centre: {len(made)}, incidents shared: {shared}")
        step(f"matches between agencies: {activity.find_matches(list(agencies))}")
        request = activity.open_access_request(activity.user("bpol.analyst"))
        step(f"open access request: {request.pk if request else 'none (no match to ask about)'}")
        report = activity.last_weeks_report(
            agencies["bfc"], activity.user("bfc.analyst"), "bfc.analyst2"
        )
        step(f"last week's report: {report.pk if report else 'none'}")
        current = activity.this_weeks_assessments(activity.user("bfc.analyst"), "bfc.analyst2")
        step("this week's assessments: " + ", ".join(f"{a.kind} {a.status}" for a in current))

    def _agencies(self) -> dict[str, Agency]:
        made = {}
        for code, name, kind in demo.AGENCIES:
            group, _ = Group.objects.get_or_create(name=f"agency:{code}")
            made[code] = Agency.objects.create(code=code, name=name, kind=kind, group=group)
        return made

    def _users(self, agencies: dict[str, Agency], password: str) -> User:
        # One hash for the one demo password: hashing it anew for each of some thirty users
        # costs half a second each.
        hashed = make_password(password)
        admin = User.objects.create_superuser("admin", password=None)
        admin.password = hashed
        admin.save(update_fields=["password"])
        for code, agency in agencies.items():
            for name, role in demo.ROLES_BY_KIND.get(agency.kind, demo.DEFAULT_ROLES):
                user = User.objects.create(username=f"{code}.{name}", password=hashed)
                Membership.objects.create(user=user, agency=agency, role=role)
                user.groups.add(agency.group)
        return admin

    def _standing(self, agencies: dict[str, Agency]) -> None:
        """Weekly hotspots for the fusion centre, requested by beat as its coordinator."""
        StandingAssessment.objects.create(
            name="Weekly hotspots, province",
            kind="hotspots",
            owner=User.objects.get(username="bfc.coordinator"),
            agency=agencies["bfc"],
            request={"params": {"cell_size_km": 5.0, "fdr": 0.05}},
            every_days=7,
            window_days=90,
        )

    def _incidents(self, agencies: dict[str, Agency], actor: User, count: int) -> None:
        rows = demo.generate(count, now=timezone.now())
        bar = ProgressBar(len(rows), stream=self.stdout, label="incidents")
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            incidents = [self._incident(row, agencies, actor) for row in chunk]
            Incident.objects.bulk_create(incidents)
            persons = [
                new_person(incident, person)
                for incident, row in zip(incidents, chunk, strict=True)
                for person in row.persons
            ]
            Person.objects.bulk_create(persons)
            audit.log_created_bulk([*incidents, *persons], event="demo.seed")
            bar.advance(len(chunk))
        bar.finish()
        # Recorded when reported, over the past year, as an agency system would have.
        Incident.objects.update(created_at=F("reported_at"))

    @staticmethod
    def _incident(row: demo.DemoIncident, agencies: dict[str, Agency], actor: User) -> Incident:
        fields = {
            k: v for k, v in row.__dict__.items() if k not in ("agency", "persons", "category")
        }
        return Incident(
            agency=agencies[row.agency],
            category_id=row.category,
            created_by=actor,
            fingerprint=event_fingerprint(
                occurred_at=row.occurred_at,
                latitude=row.latitude,
                longitude=row.longitude,
                category=row.category,
                description=row.description,
            ),
            **fields,
        )

    def _print_logins(self, password: str | None, url: str) -> None:
        """The demo's own users (those added later are not listed) and how to get a token."""
        names = demo_usernames()
        users = User.objects.filter(username__in=names).order_by("username")
        said = f"password for all: {password}" if password else "passwords as when seeded"
        self.stdout.write(f"\nDemo logins ({said}):")
        for user in users:
            roles = ", ".join(
                f"{m.role}@{m.agency.code}" for m in user.memberships.select_related("agency")
            )
            self.stdout.write(f"  {user.username:<22} {roles or 'platform admin'}")
        shown = password or "<password>"
        self.stdout.write(
            f"\nConsole {url}/ (sign in as bfc.coordinator, bfc.analyst, bpol.admin or "
            "psob.oversight)"
            f"\nAPI {url}/api/v1/incidents/ (and the rest under /api/v1/)  docs {url}/api/v1/docs/"
            f"  admin {url}/admin/\n"
            f"token: curl -s -X POST {url}/api/v1/auth/token/ -H 'Content-Type: application/json' "
            f'-d \'{{"username": "bpol.analyst", "password": "{shown}"}}\''
        )
        self.stdout.write(self._second_factor_note(url))
        if not settings.DEBUG:
            self.stdout.write(self.style.WARNING("DJANGO_DEBUG is off: demo passwords are weak."))

    @staticmethod
    def _second_factor_note(url: str) -> str:
        """How the demo's admins and oversight members log in (README, "Accounts")."""
        if not settings.FUSION_REQUIRE_2FA:
            return (
                "\nsecond factor: not required (FUSION_REQUIRE_2FA is off, the default with "
                "DJANGO_DEBUG=1); anyone may still enrol one at POST /api/v1/auth/otp/"
            )
        return (
            "\nsecond factor: required of admin, *.admin and oversight logins. A token request "
            "without one answers 401 with an enrolment_token; with the header "
            f"'Authorization: Enrolment <token>' POST {url}/api/v1/auth/otp/ (scan the "
            "otpauth:// URI into an authenticator app), then POST /api/v1/auth/otp/confirm/ "
            'with a code; then send the app\'s code as "otp" with the password.'
        )


def demo_usernames() -> list[str]:
    """The users the seed makes: the platform admin and each agency's by its kind."""
    return ["admin"] + [
        f"{code}.{name}"
        for code, _, kind in demo.AGENCIES
        for name, _ in demo.ROLES_BY_KIND.get(kind, demo.DEFAULT_ROLES)
    ]


def _default_url() -> str:
    """Where `make run` serves: its HOST and PORT (the same defaults as the Makefile)."""
    host = os.environ.get("HOST") or "127.0.0.1"
    port = os.environ.get("PORT") or "8000"
    return f"http://{host}:{port}"
