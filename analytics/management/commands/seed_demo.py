"""Seed the demo world: the fusion centre and agencies, users in every role, incidents, and the
fusion centre's standing assessment (a command of analytics, the app above all it seeds)."""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, Membership, User
from agencies.services import service_account_create
from analytics.models import StandingAssessment
from fusion import audit
from fusion.progress import ProgressBar
from incidents import demo
from incidents.models import Incident, Person
from incidents.rules import event_fingerprint
from incidents.services import new_person

CHUNK = 1000


class Command(BaseCommand):
    help = "Create demo agencies, users for every role and several thousand incidents."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--incidents", type=int, default=4000)
        parser.add_argument("--password", default="fusion-demo-2026")

    def handle(self, *args: Any, incidents: int, password: str, **options: Any) -> None:
        if Agency.objects.filter(code="bfc").exists():
            self.stdout.write("demo world already present; not seeding again")
        else:
            with audit.acting(component="command"), transaction.atomic():
                agencies = self._agencies()
                admin = self._users(agencies, password)
                self._incidents(agencies, admin, incidents)
                self._standing(agencies)
                _, token = service_account_create(
                    actor=admin, agency=agencies["bpol"], name="CAD system"
                )
            self.stdout.write(f"service account svc.bpol.cad-system token (shown once): {token}")
        self._print_logins(password)

    def _agencies(self) -> dict[str, Agency]:
        made = {}
        for code, name, kind in demo.AGENCIES:
            group, _ = Group.objects.get_or_create(name=f"agency:{code}")
            made[code] = Agency.objects.create(code=code, name=name, kind=kind, group=group)
        return made

    def _users(self, agencies: dict[str, Agency], password: str) -> User:
        admin = User.objects.create_superuser("admin", password=password)
        for code, agency in agencies.items():
            for role in demo.ROLES_BY_KIND.get(agency.kind, demo.DEFAULT_ROLES):
                user = User.objects.create_user(
                    f"{code}.{role.replace('agency_', '')}", password=password
                )
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

    def _print_logins(self, password: str) -> None:
        users = User.objects.filter(service_account__isnull=True).order_by("username")
        self.stdout.write(f"\nDemo logins (password for all: {password}):")
        for user in users:
            roles = ", ".join(
                f"{m.role}@{m.agency.code}" for m in user.memberships.select_related("agency")
            )
            self.stdout.write(f"  {user.username:<22} {roles or 'platform admin'}")
        url = "http://127.0.0.1:8000"
        self.stdout.write(
            f"\nAPI {url}/api/v1/  docs {url}/api/v1/docs/  admin {url}/admin/\n"
            f"token: curl -s -X POST {url}/api/v1/auth/token/ -H 'Content-Type: application/json' "
            f'-d \'{{"username": "bpol.analyst", "password": "{password}"}}\''
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
