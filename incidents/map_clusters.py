"""What a map draws in one view (GET incidents/map/, the console's map): the visible, filtered
incidents in the map's box, as points when few, else as grid clusters counted in SQL
(PostgreSQL and SQLite alike), so a province of 100,000 incidents is a few kilobytes.

A cluster aggregates only the queryset it is given (the reader's visible incidents, narrowed
by the API's filters), so it tells no more than those incidents' points would: how many, their
mean place, and the most restrictive TLP among them.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Avg, Case, Count, F, IntegerField, Max, QuerySet, Value, When
from django.db.models.functions import Floor

from incidents.choices import TLP_ORDER

# More incidents than this in view are drawn as clusters.
POINT_LIMIT = 2_000
# Grid cells are about this many pixels wide (256-pixel tiles), and a view has at most
# MAX_CELLS_PER_SIDE cells a side whatever zoom a client claims.
CELL_PIXELS = 64
MAX_CELLS_PER_SIDE = 64
AGGREGATE_WORK_MEM = "32MB"

_RANK = Case(
    *(When(tlp=label, then=Value(rank)) for rank, label in enumerate(TLP_ORDER)),
    default=Value(len(TLP_ORDER) - 1),  # an unknown label counts as the strictest
    output_field=IntegerField(),
)


@dataclass(frozen=True)
class View:
    """The map's box (degrees) and zoom level."""

    west: float
    south: float
    east: float
    north: float
    zoom: int

    def cell_degrees(self) -> float:
        """Grid cell side: CELL_PIXELS at this zoom, widened so the box holds at most
        MAX_CELLS_PER_SIDE cells a side."""
        at_zoom = 360 / 2**self.zoom * CELL_PIXELS / 256
        widest = max(self.east - self.west, self.north - self.south) / MAX_CELLS_PER_SIDE
        return max(at_zoom, widest, 1e-6)


def in_view(incidents: QuerySet, view: View) -> QuerySet:
    return incidents.filter(
        longitude__gte=view.west,
        longitude__lte=view.east,
        latitude__gte=view.south,
        latitude__lte=view.north,
    )


def clusters(incidents: QuerySet, cell: float) -> list[dict]:
    """Grid cells of `cell` degrees holding incidents: count, mean place, strictest TLP."""
    rows = (
        incidents.order_by()
        .annotate(cx=Floor(F("longitude") / cell), cy=Floor(F("latitude") / cell))
        .values("cx", "cy")
        .annotate(n=Count("pk"), lat=Avg("latitude"), lon=Avg("longitude"), rank=Max(_RANK))
    )
    return [
        {
            "count": row["n"],
            "lat": round(row["lat"], 5),
            "lon": round(row["lon"], 5),
            "tlp": str(TLP_ORDER[row["rank"]].value),
        }
        for row in rows
    ]


def points(incidents: QuerySet, limit: int) -> list[dict]:
    """At most `limit` incidents, in no order (the scan stops at the limit): id, place, TLP,
    category, severity, district, time (fields every reader of a visible incident gets)."""
    rows = incidents.order_by().values_list(
        "id", "latitude", "longitude", "tlp", "category_id", "severity", "district", "occurred_at"
    )[:limit]
    return [
        {
            "id": str(pk),
            "lat": lat,
            "lon": lon,
            "tlp": tlp,
            "category": category,
            "severity": severity,
            "district": district,
            "occurred_at": occurred.isoformat(),
        }
        for pk, lat, lon, tlp, category, severity, district, occurred in rows
    ]


def map_data(incidents: QuerySet, view: View) -> dict:
    """Points when at most POINT_LIMIT incidents are in view, else clusters; `total` either way.
    Asking for one point more than the limit first stops early when there are many."""
    shown = in_view(incidents, view)
    with _planned_for_aggregates():
        few = points(shown, POINT_LIMIT + 1)
        if len(few) <= POINT_LIMIT:
            return {"mode": "points", "total": len(few), "points": few}
        cell = view.cell_degrees()
        cells = clusters(shown, cell)
    total = sum(c["count"] for c in cells)
    return {"mode": "clusters", "total": total, "cell_degrees": cell, "clusters": cells}


@contextmanager
def _planned_for_aggregates() -> Iterator[None]:
    """On PostgreSQL, for these statements only: no JIT (the visibility probe per row makes
    the planner cost a scan of 100,000 incidents high enough to compile it, which took longer
    than running it) and work_mem for hashing the grid cells rather than sorting on disk."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('jit', 'off', true), set_config('work_mem', %s, true)",
            [AGGREGATE_WORK_MEM],
        )
        yield
