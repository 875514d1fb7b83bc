"""A scene for assessments: a police hotspot, scattered background, and levies incidents."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from incidents.bulk import incident_upsert_batch
from incidents.districts import register
from tests import factories

# The window every test asks for: 12 weeks ending on a Monday.
BEFORE = datetime(2025, 6, 2, tzinfo=UTC)
AFTER = BEFORE - timedelta(weeks=12)
HOT = (30.20, 67.00)  # a cluster in Quetta
BBOX = [66.80, 30.00, 67.20, 30.40]


def records(n: int, *, seed: int, centre=None, spread=0.15, category="robbery", **extra):
    """`n` incidents within the window: around `centre` (±300 m) or uniform over the bbox."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        if centre is None:
            lat = rng.uniform(30.20 - spread, 30.20 + spread)
            lon = rng.uniform(67.00 - spread, 67.00 + spread)
        else:
            lat = centre[0] + rng.uniform(-0.0027, 0.0027)
            lon = centre[1] + rng.uniform(-0.0031, 0.0031)
        when = AFTER + timedelta(seconds=float(rng.uniform(0, (BEFORE - AFTER).total_seconds())))
        occurred = when
        out.append(
            factories.record(
                latitude=round(float(lat), 6),
                longitude=round(float(lon), 6),
                occurred_at=occurred,
                reported_at=occurred + timedelta(hours=1),
                category=category,
                # two districts in the scene; elsewhere the one the register has there
                district="Pishin" if lat > 30.32 else register().district_at(lat, lon),
                **extra,
            )
        )
    return out


def ingest(world_agency, user, rows):
    return incident_upsert_batch(actor=user, agency=world_agency, records=rows).ids


@dataclass
class Scene:
    cluster: list
    background: list
    hidden: list  # levies incidents the police analyst cannot see


@pytest.fixture
def scene(world) -> Scene:
    cluster = ingest(world.police, world.police_submitter, records(40, seed=1, centre=HOT))
    background = ingest(world.police, world.police_submitter, records(120, seed=2))
    hidden = ingest(world.levies, world.levies_submitter, records(30, seed=3, centre=(30.3, 66.9)))
    return Scene(cluster=cluster, background=background, hidden=hidden)


def hotspot_request(**overrides) -> dict:
    body = {
        "kind": "hotspots",
        "params": {"cell_size_km": 1.0},
        "area": {"bbox": BBOX},
        "occurred_after": AFTER.isoformat(),
        "occurred_before": BEFORE.isoformat(),
    }
    body.update(overrides)
    return body
