"""The input snapshot of an assessment: taken through the visibility module, read as arrays.

At request time the incidents the requester may see within the scope are copied, in one
INSERT … SELECT, into AssessmentInput rows. The worker reads only those rows, so the result
depends on nothing the requester could not see then, and re-running it reproduces it.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.conf import settings
from django.db import connection

from agencies.models import Agency, User
from analytics.choices import Kind
from analytics.models import Assessment, AssessmentInput
from analytics.scope import allowed_tlps
from fusion.errors import Invalid
from fusion.sharing.visibility import visible_incidents
from incidents.choices import PRECISIONS, strictest
from incidents.models import Category, Incident

COPIED = [
    "incident_id",
    "incident_version",
    "agency_id",
    "occurred_at",
    "category",
    "latitude",
    "longitude",
    "district",
    "killed",
    "injured",
    "location_precision",
    "description",
    "tlp",
]


def _scoped(user: User, scope: dict, after: datetime, before: datetime):
    rows = visible_incidents(user).filter(occurred_at__gte=after, occurred_at__lt=before)
    if scope.get("categories"):
        rows = rows.filter(category_id__in=scope["categories"])
    if scope.get("tlp_max"):
        rows = rows.filter(tlp__in=allowed_tlps(scope["tlp_max"]))
    area = scope.get("area", {})
    if "bbox" in area:
        west, south, east, north = area["bbox"]
        rows = rows.filter(
            longitude__gte=west, longitude__lte=east, latitude__gte=south, latitude__lte=north
        )
    if "districts" in area:
        rows = rows.filter(district__in=area["districts"])
    return rows.order_by().values("pk")


def take_snapshot(assessment: Assessment, user: User, after: datetime, before: datetime) -> None:
    """Copy the scoped, visible incidents into the assessment's inputs and record their count,
    hash, agencies and the most restrictive TLP. Runs inside the request's transaction."""
    ids_sql, ids_params = _scoped(user, assessment.scope, after, before).query.sql_with_params()
    text = "i.description" if assessment.kind == Kind.LINKS else "''"
    pk = Assessment._meta.pk.get_db_prep_value(assessment.pk, connection)
    columns = ", ".join(["assessment_id", *COPIED])
    sql = (
        f"INSERT INTO {AssessmentInput._meta.db_table} ({columns}) "  # noqa: S608 - names only
        f"SELECT %s, i.id, i.version, i.agency_id, i.occurred_at, i.category, i.latitude, "
        f"i.longitude, i.district, i.killed, i.injured, i.location_precision, {text}, i.tlp "
        f"FROM {Incident._meta.db_table} i WHERE i.id IN ({ids_sql})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk, *ids_params])
    rows = AssessmentInput.objects.filter(assessment=assessment)
    count = rows.count()
    if count > settings.ASSESSMENT_MAX_INPUTS:
        raise Invalid(
            f"The scope holds {count} incidents, above the cap of "
            f"{settings.ASSESSMENT_MAX_INPUTS}; narrow the area, window or categories.",
            errors={"area": ["Scope too large."]},
        )
    assessment.input_count = count
    assessment.input_hash = input_hash(rows)
    agency_ids = set(rows.values_list("agency_id", flat=True).distinct())
    assessment.input_agencies = sorted(
        Agency.objects.filter(pk__in=agency_ids).values_list("code", flat=True)
    )
    tlps = set(rows.values_list("tlp", flat=True).distinct())
    assessment.tlp = strictest(tlps)


def input_hash(rows) -> str:
    """SHA-256 over the sorted "incident id:version" lines of a snapshot."""
    digest = hashlib.sha256()
    pairs = sorted((str(i), v) for i, v in rows.values_list("incident_id", "incident_version"))
    for incident_id, version in pairs:
        digest.update(f"{incident_id}:{version}\n".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class Inputs:
    """A snapshot as arrays, sorted by incident id (so results do not depend on row order)."""

    ids: list[str]
    agency: np.ndarray
    agency_names: list[str]
    t: np.ndarray  # seconds since the epoch
    category: np.ndarray
    category_names: list[str]
    group: np.ndarray
    district: np.ndarray
    district_names: list[str]
    lat: np.ndarray
    lon: np.ndarray
    killed: np.ndarray  # float; NaN where the count is unknown
    injured: np.ndarray  # float; NaN where the count is unknown
    precision: np.ndarray  # int64 codes into PRECISIONS (0 "exact" … 3 "province")
    text: list[str]

    @property
    def n(self) -> int:
        return len(self.ids)


def _codes(values: list[str]) -> tuple[np.ndarray, list[str]]:
    names = sorted(set(values))
    index = {name: k for k, name in enumerate(names)}
    return np.array([index[v] for v in values], dtype=np.int64), names


def _counts(values: list[int | None]) -> np.ndarray:
    """Casualty counts as floats, NaN where unknown (NULL): never read as 0."""
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _precisions(values: list[str]) -> np.ndarray:
    """Location precisions as codes into PRECISIONS; one the list lacks reads as "exact"."""
    return np.array([PRECISIONS.index(v) if v in PRECISIONS else 0 for v in values], dtype=np.int64)


def load_inputs(assessment: Assessment) -> Inputs:
    """Read the snapshot rows into arrays; districts left blank are named "(none)", unknown
    casualty counts are NaN and location precisions are codes into `PRECISIONS`."""
    rows = sorted(
        AssessmentInput.objects.filter(assessment=assessment).values_list(*COPIED[:-1]),
        key=lambda r: str(r[0]),
    )
    codes = dict(Agency.objects.values_list("pk", "code"))
    groups = dict(Category.objects.values_list("slug", "group"))
    agency, agency_names = _codes([codes.get(r[2], str(r[2])) for r in rows])
    category, category_names = _codes([r[4] for r in rows])
    group_names = sorted({groups.get(c, c) for c in category_names})
    group_of = np.array(
        [group_names.index(groups.get(c, c)) for c in category_names], dtype=np.int64
    )
    district, district_names = _codes([r[7] or "(none)" for r in rows])
    return Inputs(
        ids=[str(r[0]) for r in rows],
        agency=agency,
        agency_names=agency_names,
        t=np.array([r[3].timestamp() for r in rows], dtype=float),
        category=category,
        category_names=category_names,
        group=group_of[category] if rows else np.zeros(0, dtype=np.int64),
        district=district,
        district_names=district_names,
        lat=np.array([r[5] for r in rows], dtype=float),
        lon=np.array([r[6] for r in rows], dtype=float),
        killed=_counts([r[8] for r in rows]),
        injured=_counts([r[9] for r in rows]),
        precision=_precisions([r[10] for r in rows]),
        text=[r[11] for r in rows],
    )
