"""A synthetic but realistic demo world: agencies, users in every role, incidents with patterns.

Incidents cluster around district headquarters and a few tight hotspots, rise over recent
weeks in Kech (IEDs), surge in the last week in Mastung (armed assaults: the week a surge test
at default settings tests, against the eight before it), and some events
are reported by two agencies, so that hotspot, surge, forecast and link analyses have
something real to find. Names, ids and phone numbers are generated and belong to no one.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from incidents.districts import BALOCHISTAN_DISTRICTS, register

AGENCIES = [
    ("bfc", "Balochistan Fusion Centre", "fusion_centre"),
    ("bpol", "Balochistan Police", "police"),
    ("levies", "Balochistan Levies Force", "levies"),
    ("ctd", "Counter Terrorism Department Balochistan", "ctd"),
    ("civdef", "Civil Defence Balochistan", "civil_defence"),
    ("sb", "Special Branch Balochistan", "intelligence"),
    ("psob", "Provincial Security Oversight Board", "oversight"),
]
# Users of each agency: (name after the agency code, role). Two analysts each, so that every
# assessment can be reviewed by someone other than its requester (four eyes).
ROLES_BY_KIND = {
    "fusion_centre": [
        ("admin", "agency_admin"),
        ("coordinator", "coordinator"),
        ("analyst", "analyst"),
        ("analyst2", "analyst"),
    ],
    "oversight": [("admin", "agency_admin"), ("oversight", "oversight")],
}
DEFAULT_ROLES = [
    ("admin", "agency_admin"),
    ("submitter", "submitter"),
    ("analyst", "analyst"),
    ("analyst2", "analyst"),
]
CATEGORIES_BY_AGENCY = {
    "bpol": [
        "robbery",
        "vehicle-theft",
        "targeted-killing",
        "extortion",
        "narcotics",
        "kidnapping",
    ],
    "levies": ["cross-border-incident", "smuggling", "attack-on-infrastructure", "armed-assault"],
    "ctd": [
        "bombing-ied",
        "suicide-attack",
        "armed-assault",
        "targeted-killing",
        "rocket-grenade-attack",
    ],
    "civdef": ["attack-on-infrastructure", "riot-unrest", "other"],
    "sb": ["extortion", "kidnapping", "targeted-killing", "smuggling"],
}
DISTRICT_WEIGHTS = {
    "Quetta": 30,
    "Kech": 10,
    "Khuzdar": 8,
    "Panjgur": 6,
    "Dera Bugti": 6,
    "Kachhi": 5,
    "Mastung": 5,
    "Nushki": 4,
    "Chaman": 5,
    "Gwadar": 4,
    "Awaran": 3,
    "Kohlu": 3,
    "Sibi": 3,
    "Loralai": 3,
    "Zhob": 3,
    "Hub": 3,
    "Kalat": 2,
    "Nasirabad": 3,
    "Jaffarabad": 2,
}
# Tight hotspots: (lat, lon, spread in degrees, categories, share of all incidents).
HOTSPOTS = [
    (30.1530, 66.9950, 0.008, ["bombing-ied", "targeted-killing"], 0.05),  # Quetta, Sariab Road
    (30.9150, 66.4500, 0.010, ["smuggling", "cross-border-incident"], 0.04),  # Chaman crossing
    (26.0000, 63.0600, 0.010, ["bombing-ied", "armed-assault"], 0.03),  # Turbat
]
TLP_WEIGHTS = {"CLEAR": 15, "GREEN": 35, "AMBER": 40, "AMBER+STRICT": 7, "RED": 3}
SEVERITY = {
    "suicide-attack": (4, 5),
    "bombing-ied": (3, 5),
    "armed-assault": (3, 5),
    "rocket-grenade-attack": (3, 4),
    "targeted-killing": (3, 4),
    "kidnapping": (2, 4),
    "attack-on-infrastructure": (2, 4),
    "cross-border-incident": (2, 4),
}
FIRST_NAMES = [
    "Abdul",
    "Muhammad",
    "Gul",
    "Nasir",
    "Bibi",
    "Zarina",
    "Karim",
    "Hameed",
    "Shah",
    "Naseem",
    "Sakina",
    "Jan",
    "Baloch",
    "Rahim",
    "Farida",
    "Akbar",
]
LAST_NAMES = [
    "Khan",
    "Baloch",
    "Kakar",
    "Achakzai",
    "Mengal",
    "Bugti",
    "Marri",
    "Rind",
    "Jamali",
    "Raisani",
    "Zehri",
    "Notezai",
    "Tareen",
    "Hazara",
    "Lehri",
    "Magsi",
]


@dataclass(frozen=True)
class DemoIncident:
    agency: str
    external_ref: str
    occurred_at: datetime
    reported_at: datetime
    category: str
    severity: int
    killed: int
    injured: int
    latitude: float
    longitude: float
    district: str
    description: str
    tlp: str
    persons: tuple[dict, ...]


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _nearest_district(lat: float, lon: float) -> str:
    return min(
        BALOCHISTAN_DISTRICTS,
        key=lambda d: (
            (BALOCHISTAN_DISTRICTS[d][0] - lat) ** 2 + (BALOCHISTAN_DISTRICTS[d][1] - lon) ** 2
        ),
    )


def _registered(district: str, lat: float, lon: float) -> str:
    """The district as the register places the point (ingest checks the same)."""
    districts = register()
    if districts.contains(district, lat, lon):
        return district
    return districts.district_at(lat, lon) or district


def _person(rng: random.Random) -> dict:
    return {
        "role": rng.choices(["victim", "suspect", "witness", "other"], [5, 3, 2, 1])[0],
        "full_name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        "national_id": "-".join(
            [
                f"5{rng.randint(1000, 6999)}",
                str(rng.randint(1000000, 9999999)),
                str(rng.randint(1, 9)),
            ]
        ),
        "phone": f"03{rng.randint(0, 4)}{rng.randint(0, 9)}-{rng.randint(1000000, 9999999)}",
        "source": "report",
    }


def _place(rng: random.Random, agency: str) -> tuple[float, float, str, str | None]:
    roll = rng.random()
    cumulative = 0.0
    for lat, lon, spread, categories, share in HOTSPOTS:
        cumulative += share
        if roll < cumulative:
            point = (rng.gauss(lat, spread), rng.gauss(lon, spread))
            return *point, _nearest_district(*point), rng.choice(categories)
    district = _weighted(rng, DISTRICT_WEIGHTS)
    lat, lon = BALOCHISTAN_DISTRICTS[district]
    spread = 0.04 if district == "Quetta" else 0.12
    return rng.gauss(lat, spread), rng.gauss(lon, spread), district, None


def _when(rng: random.Random, now: datetime, days: int) -> datetime:
    return now - timedelta(seconds=rng.uniform(0, days * 86400))


def _casualties(rng: random.Random, category: str) -> tuple[int, int, int]:
    low, high = SEVERITY.get(category, (1, 3))
    severity = rng.randint(low, high)
    killed = rng.choices([0, 1, 2, 3, 5, 8], [6, 3, 2, 1, 1, 1])[0] if severity >= 4 else 0
    injured = rng.randint(0, 3 * severity) if severity >= 3 else rng.randint(0, 1)
    return severity, killed, injured


def generate(count: int, *, now: datetime, seed: int = 20261123) -> list[DemoIncident]:
    """`count` incidents over the year before `now`, with the patterns described above."""
    rng = random.Random(seed)
    agencies = list(CATEGORIES_BY_AGENCY)
    made: list[DemoIncident] = []
    for n in range(count):
        agency = rng.choices(agencies, [40, 20, 20, 8, 12])[0]
        lat, lon, district, category = _place(rng, agency)
        occurred = _when(rng, now, 365)
        if n % 25 == 0:  # a rising trend of IEDs in Kech over the last eight weeks
            agency, district, category = "ctd", "Kech", "bombing-ied"
            lat, lon = rng.gauss(26.0, 0.06), rng.gauss(63.05, 0.06)
            occurred = now - timedelta(days=56 * rng.random() ** 0.5)
        elif n % 40 == 1:  # a surge of armed assaults in Mastung in the last week
            agency, district, category = "levies", "Mastung", "armed-assault"
            lat, lon = rng.gauss(29.80, 0.05), rng.gauss(66.85, 0.05)
            occurred = _when(rng, now, 6.5)
        category = (
            category
            if category in CATEGORIES_BY_AGENCY[agency]
            else rng.choice(CATEGORIES_BY_AGENCY[agency])
        )
        severity, killed, injured = _casualties(rng, category)
        district = _registered(district, round(lat, 5), round(lon, 5))
        reported = min(occurred + timedelta(minutes=rng.randint(5, 600)), now)
        persons = tuple(_person(rng) for _ in range(rng.choices([0, 1, 2, 3], [14, 4, 1, 1])[0]))
        made.append(
            DemoIncident(
                agency=agency,
                external_ref=f"{agency.upper()}-{occurred:%Y}-{n:06d}",
                occurred_at=occurred,
                reported_at=reported,
                category=category,
                severity=severity,
                killed=killed,
                injured=injured,
                latitude=round(lat, 5),
                longitude=round(lon, 5),
                district=district,
                description=f"{category.replace('-', ' ')} reported in {district}",
                tlp=_weighted(rng, TLP_WEIGHTS),
                persons=persons,
            )
        )
        if n % 6 == 2 and category in CATEGORIES_BY_AGENCY["ctd"]:  # a second agency reports it
            twin = "ctd" if agency != "ctd" else "bpol"
            made.append(
                DemoIncident(
                    **{
                        **made[-1].__dict__,
                        "agency": twin,
                        "external_ref": f"{twin.upper()}-{occurred:%Y}-{n:06d}D",
                        "reported_at": min(reported + timedelta(minutes=30), now),
                        "latitude": round(lat + rng.gauss(0, 0.002), 5),
                        "longitude": round(lon + rng.gauss(0, 0.002), 5),
                        "persons": (),
                    }
                )
            )
    return made
