"""Districts: the register that ingest and the incident filters check district names and
places against, and the headquarters points of Balochistan's districts.

The register is named by the FUSION_DISTRICT_REGISTER setting: a register shipped in
incidents/data/districts/ (`balochistan`, the default, or `san-francisco`), a path to a file
of the same format, or `off` (no checks: data of no known province). A register file is JSON:
`{"register", "source", "licence", "tolerance_km", "districts": [{"name", "aliases",
"bbox": [west, south, east, north], "centre": [lat, lon]}]}`. Names match case-, space- and
punctuation-insensitively, after NFKC. A point belongs to a district when it lies in its area
or within `tolerance_km` of it, since the areas are approximate. Loaded once per setting value.
"""

import difflib
import json
import math
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PACKAGED = Path(__file__).resolve().parent / "data" / "districts"
OFF = "off"

BALOCHISTAN_DISTRICTS: dict[str, tuple[float, float]] = {
    "Quetta": (30.1798, 66.9750),
    "Pishin": (30.5809, 66.9945),
    "Killa Abdullah": (30.7220, 66.6597),
    "Chaman": (30.9210, 66.4597),
    "Zhob": (31.3411, 69.4494),
    "Sherani": (31.5500, 69.8000),
    "Killa Saifullah": (30.7008, 68.3590),
    "Loralai": (30.3705, 68.5980),
    "Duki": (30.1530, 68.5730),
    "Musakhel": (30.8597, 69.8197),
    "Barkhan": (29.8977, 69.5256),
    "Kohlu": (29.8965, 69.2532),
    "Dera Bugti": (29.0307, 69.1512),
    "Sibi": (29.5430, 67.8773),
    "Harnai": (30.1006, 67.9378),
    "Ziarat": (30.3814, 67.7258),
    "Kachhi": (29.4700, 67.6500),
    "Nasirabad": (28.5500, 68.2200),
    "Jaffarabad": (28.3700, 68.3500),
    "Sohbatpur": (28.5200, 68.5400),
    "Jhal Magsi": (28.2800, 67.4500),
    "Mastung": (29.7997, 66.8455),
    "Kalat": (29.0260, 66.5936),
    "Surab": (28.4900, 66.2600),
    "Khuzdar": (27.8000, 66.6100),
    "Awaran": (26.4566, 65.2314),
    "Lasbela": (26.2270, 66.2740),
    "Hub": (25.0500, 66.9000),
    "Gwadar": (25.1216, 62.3254),
    "Kech": (26.0050, 63.0500),
    "Panjgur": (26.9640, 64.0900),
    "Washuk": (27.7300, 64.8000),
    "Kharan": (28.5833, 65.4167),
    "Nushki": (29.5540, 66.0190),
    "Chagai": (28.8900, 64.4000),
}


def name_key(name: str) -> str:
    """What names are matched on: case-folded letters and digits only, after NFKC (full-width
    and other compatibility forms read as the letters they show)."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", name).casefold() if ch.isalnum())


@dataclass(frozen=True)
class Area:
    """A district's bounding box (degrees) and centre (its headquarters or mean point)."""

    name: str
    west: float
    south: float
    east: float
    north: float
    centre: tuple[float, float]

    def distance_km(self, lat: float, lon: float) -> float:
        """Kilometres from the point to the box; 0 inside it."""
        dlat = max(self.south - lat, 0.0, lat - self.north) * 110.57
        dlon = max(self.west - lon, 0.0, lon - self.east) * 111.32 * math.cos(math.radians(lat))
        return math.hypot(dlat, dlon)

    def centre_km(self, lat: float, lon: float) -> float:
        c_lat, c_lon = self.centre
        dlon = (lon - c_lon) * math.cos(math.radians(lat))
        return math.hypot(lat - c_lat, dlon) * 111.0


class Register:
    """The districts of one register, in memory: names, aliases and areas."""

    enabled = True

    def __init__(self, *, label: str, source: str, licence: str, tolerance_km: float,
                 areas: list[Area], aliases: dict[str, str]) -> None:  # fmt: skip
        self.label, self.source, self.licence = label, source, licence
        self.tolerance_km = tolerance_km
        self._areas = {area.name: area for area in areas}
        self._by_key = {name_key(a.name): a.name for a in areas} | {
            name_key(alias): name for alias, name in aliases.items()
        }

    def names(self) -> list[str]:
        """Canonical district names, sorted."""
        return sorted(self._areas)

    def areas(self) -> list[Area]:
        """The districts' areas (boxes and centres), in name order: maps draw them."""
        return [self._areas[name] for name in sorted(self._areas)]

    def canonical(self, name: str) -> str | None:
        """The canonical name of a district name or alias; None when unknown."""
        return self._by_key.get(name_key(name or "")) or None

    def contains(self, name: str, lat: float, lon: float) -> bool:
        """Whether the point lies in the named district (within the tolerance)."""
        district = self.canonical(name)
        if district is None:
            return False
        return self._areas[district].distance_km(lat, lon) <= self.tolerance_km

    def district_at(self, lat: float, lon: float) -> str | None:
        """The district the point lies in: among the areas holding it, the one with the nearest
        centre; else the nearest area within the tolerance; None when outside every area."""
        inside = [a for a in self._areas.values() if a.distance_km(lat, lon) == 0.0]
        if inside:
            return min(inside, key=lambda a: a.centre_km(lat, lon)).name
        near = [(a.distance_km(lat, lon), a.name) for a in self._areas.values()]
        distance, name = min(near)
        return name if distance <= self.tolerance_km else None

    def close_matches(self, name: str) -> list[str]:
        """Canonical names whose name or alias resembles `name` (for "did you mean")."""
        keys = difflib.get_close_matches(name_key(name), list(self._by_key), n=5, cutoff=0.6)
        return list(dict.fromkeys(self._by_key[k] for k in keys))[:3]


class OpenRegister:
    """FUSION_DISTRICT_REGISTER=off: every name is accepted as written, no place is checked."""

    enabled = False
    label = OFF
    source = licence = ""
    tolerance_km = None

    def names(self) -> list[str]:
        return []

    def areas(self) -> list[Area]:
        return []

    def canonical(self, name: str) -> str | None:
        return (name or "").strip() or None

    def contains(self, name: str, lat: float, lon: float) -> bool:
        return True

    def district_at(self, lat: float, lon: float) -> str | None:
        return None

    def close_matches(self, name: str) -> list[str]:
        return []


def parse_register(data: dict[str, Any], label: str) -> Register:
    """A Register from the JSON of a register file."""
    areas, aliases = [], {}
    for entry in data["districts"]:
        west, south, east, north = (float(v) for v in entry["bbox"])
        if not (west <= east and south <= north):
            raise ImproperlyConfigured(f"District {entry['name']!r}: bbox min above max.")
        centre = entry.get("centre") or ((south + north) / 2, (west + east) / 2)
        areas.append(Area(entry["name"], west, south, east, north, tuple(centre)))
        aliases.update(dict.fromkeys(entry.get("aliases", ()), entry["name"]))
    return Register(
        label=data.get("register", label),
        source=data.get("source", ""),
        licence=data.get("licence", ""),
        tolerance_km=float(data.get("tolerance_km", 5)),
        areas=areas,
        aliases=aliases,
    )


def packaged_registers() -> list[str]:
    return sorted(p.stem for p in PACKAGED.glob("*.json"))


@cache
def load(spec: str) -> Register | OpenRegister:
    """The register named by `spec` (a packaged name, a file path, or `off`); cached."""
    if spec.strip().lower() in (OFF, ""):
        return OpenRegister()
    path = PACKAGED / f"{spec.strip().lower()}.json"
    if not path.is_file():
        path = Path(spec)
    if not path.is_file():
        raise ImproperlyConfigured(
            f"FUSION_DISTRICT_REGISTER={spec!r}: neither a packaged register "
            f"({', '.join(packaged_registers())}), a readable file, nor {OFF!r}."
        )
    try:
        return parse_register(json.loads(path.read_text(encoding="utf-8")), path.stem)
    except (ValueError, KeyError, TypeError) as exc:
        raise ImproperlyConfigured(f"District register {path}: {exc!r}") from exc


def register() -> Register | OpenRegister:
    """The register in force (FUSION_DISTRICT_REGISTER)."""
    return load(getattr(settings, "FUSION_DISTRICT_REGISTER", "balochistan"))


def register_summary() -> dict[str, Any]:
    """The register in force as the API gives it: its label, source and licence, and each
    district's box (west, south, east, north) and centre (none when the register is off)."""
    used = register()
    return {
        "register": used.label,
        "source": used.source,
        "licence": used.licence,
        "tolerance_km": used.tolerance_km,
        "districts": [
            {
                "name": area.name,
                "bbox": [area.west, area.south, area.east, area.north],
                "centre": list(area.centre),
            }
            for area in used.areas()
        ],
    }


def unknown_district(name: str) -> str:
    """The message of an unknown district name, with close matches when there are some."""
    current = register()
    message = f"Unknown district {name!r} in the {current.label} register."
    matches = current.close_matches(name)
    if matches:
        message += f" Did you mean {' or '.join(matches)}?"
    return message
