"""Labelled sets for cross-agency links: real San Francisco incidents reported by a simulated
second source, and a synthetic province with town-centre geocodes (bench/links_labelled.py
prints their figures, tests/analytics/methods/test_links_labelled.py holds the method to them
and analytics/backtests/links.py records them for the model card).

Semi-synthetic, and why: public sets where two sources report the same events (ACLED against
GTD or UCDP, say) cannot be fetched here, so the second source is simulated. What is real in
the San Francisco set: every event's place (the block the SFPD geocoded), its date, category,
offence description and street address, and the other incidents around it, which are real
distinct events of the same kinds on the same blocks and days: the hard negatives. What is
simulated: the time of day (the file holds dates only), which events each source holds, and
the second source's noise. The noise model is fixed here, before any figure was read, and the
set is split by date: anything tuned is tuned on July-September only; October-December is
held out and reported, never tuned on.

San Francisco (`sf_set`), one event per SFPD incident number (its first row), 1 July -
31 December 2012:
- time of day: drawn for each event from a day profile (few events 02:00-07:00, most in the
  afternoon and evening);
- holders: 50% of events are held by the SFPD only, 35% by both sources, 15% by the second
  source only (events the SFPD file holds but the simulated SFPD set then leaves out), so a
  second-source report need not have a match;
- SFPD report: the real block point (exact), the event's time, category, description and
  address ("ROBBERY ON THE STREET, STRONGARM, BROAD ST / SAN JOSE AV"), casualties 0 killed
  and 0 injured for property and drug offences and unknown for robberies (the file counts
  nobody);
- second-source report: 70% geocoded to the address with 30-250 m of error (exact), 30% to the
  centre of the event's police district (precision town: 1-5 km off); 60% with the time of
  day (+-1.5 h, at most 4 h, off), 40% with the date only (stored at noon); 10% of vehicle
  thefts and vandalism filed as the other; casualties unknown in 40% (else 0 and 0); the
  description paraphrased with offence synonyms and the address spelt out or abbreviated (half
  of them), or missing (15%).

Province (`province_set`): 300 x 400 km with 40 towns; bombings, targeted killings, armed
robberies, kidnappings and vehicle thefts within 12 km of a town over three years, a third of
them shadowed by a distinct event of the same group 1-10 km and 1-30 h away. Police report
each event exactly (50-300 m, up to 3 h off); levies report 60% of events, half of those
geocoded to the town centre (precision town: up to 12 km off, often with a police report of
the event more than 20 km from another town's centre), with casualties unknown in 30%.
"""

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# The shared data folder beside the checkout (tests and benches read the same file).
SF = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "sf-crime-2012h2.csv"
FIRST_DAY = dt.date(2012, 7, 1)
HELD_OUT_FROM = dt.date(2012, 10, 1)  # July-September: tuning; October-December: held out
SF_GROUP = {"ROBBERY": 0, "VEHICLE THEFT": 1, "VANDALISM": 1, "DRUG/NARCOTIC": 2}
SF_SIBLING = {"VEHICLE THEFT": "VANDALISM", "VANDALISM": "VEHICLE THEFT"}
SF_CATEGORY = {name: code for code, name in enumerate(SF_GROUP)}
# Relative frequency of each hour of the day (00-23) at which an event happens.
HOURS = np.array(
    [4, 3, 2, 1, 1, 1, 1, 2, 3, 4, 4, 5, 6, 6, 6, 6, 7, 7, 7, 7, 6, 6, 5, 5], dtype=float
)
SYNONYMS = {
    "ROBBERY": ["robbery", "hold up", "theft by force"],
    "STRONGARM": ["strong arm", "by force, no weapon"],
    "STREET": ["street", "in the street", "roadway"],
    "GUN": ["firearm", "gun", "pistol"],
    "KNIFE": ["knife", "blade"],
    "STOLEN": ["stolen", "taken", "theft of"],
    "AUTOMOBILE": ["car", "automobile", "auto"],
    "VEHICLE": ["vehicle", "car"],
    "TRUCK": ["truck", "pickup"],
    "MALICIOUS": ["malicious", "wilful"],
    "MISCHIEF": ["mischief", "damage"],
    "VANDALISM": ["vandalism", "criminal damage"],
    "POSSESSION": ["possession", "in possession of", "holding"],
    "NARCOTICS": ["narcotics", "drugs"],
    "MARIJUANA": ["marijuana", "cannabis"],
    "COCAINE": ["cocaine", "coke"],
    "SALE": ["sale", "selling", "dealing"],
    "BASE/ROCK": ["crack", "rock cocaine"],
    "COMMERCIAL": ["commercial", "business"],
    "RESIDENCE": ["residence", "home", "house"],
    "ATTEMPTED": ["attempted", "attempt"],
}
STREET_WORDS = {"ST": ["Street", "St"], "AV": ["Avenue", "Ave"], "BL": ["Boulevard", "Blvd"]}


@dataclass
class Labelled:
    """Per-report arrays for find_links, with each report's event and day (from FIRST_DAY)."""

    agency: list = field(default_factory=list)
    x: list = field(default_factory=list)
    y: list = field(default_factory=list)
    t: list = field(default_factory=list)
    category: list = field(default_factory=list)
    group: list = field(default_factory=list)
    killed: list = field(default_factory=list)
    injured: list = field(default_factory=list)
    text: list = field(default_factory=list)
    precision: list = field(default_factory=list)
    event: list = field(default_factory=list)

    def add(self, event: int, agency: int, x, y, t, category, group, killed, injured, text,
            precision) -> None:  # fmt: skip
        for name, value in locals().items():
            if name != "self":
                getattr(self, name).append(value)

    def select(self, keep: np.ndarray) -> "Labelled":
        out = Labelled()
        for name, values in vars(self).items():
            setattr(out, name, [values[k] for k in np.flatnonzero(keep)])
        return out

    def args(self) -> tuple:
        """Positional arguments of find_links (precision goes as a keyword)."""
        numeric = [
            np.asarray(v)
            for v in (
                self.agency, self.x, self.y, self.t, self.category, self.group,
            )
        ]  # fmt: skip
        counts = [np.asarray(v, dtype=float) for v in (self.killed, self.injured)]
        return (*numeric, *counts, list(self.text))

    def truth(self) -> set[tuple[int, int]]:
        """Cross-agency pairs of reports of one event."""
        by_event: dict[int, list[int]] = {}
        for k, e in enumerate(self.event):
            by_event.setdefault(e, []).append(k)
        return {
            (a, b)
            for members in by_event.values()
            for a in members
            for b in members
            if a < b and self.agency[a] != self.agency[b]
        }


def _read_sf(path: Path) -> list[dict]:
    with path.open(newline="") as handle:
        rows = {}
        for row in csv.DictReader(handle):
            rows.setdefault(row["incident_number"], row)
    return sorted(rows.values(), key=lambda r: (r["date"], r["incident_number"]))


def _paraphrase(rng: np.random.Generator, description: str, address: str) -> str:
    if rng.random() < 0.15:
        return ""
    words = []
    for word in description.replace(",", " ").split():
        options = SYNONYMS.get(word)
        words.append(options[rng.integers(len(options))] if options else word.lower())
    if rng.random() < 0.5:
        rng.shuffle(words)
    text = " ".join(words)
    if rng.random() < 0.5:
        parts = []
        for word in address.replace(" / ", " and ").split():
            spelled = STREET_WORDS.get(word)
            parts.append(spelled[rng.integers(2)] if spelled else word.title())
        place = " ".join(parts).replace("Block Of", "block of" if rng.random() < 0.5 else "blk")
        text = f"{text} at {place}" if rng.random() < 0.5 else f"{place}: {text}"
    return text


def sf_set(seed: int = 2012, path: Path = SF) -> Labelled:
    """The San Francisco set (from the SFPD file at `path`), both halves; split it with
    `sf_days`."""
    rows = _read_sf(path)
    rng = np.random.default_rng(seed)
    lat0 = np.mean([float(r["latitude"]) for r in rows])
    lon0 = np.mean([float(r["longitude"]) for r in rows])
    scale = 111_320.0 * np.cos(np.radians(lat0))

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return (lon - lon0) * scale, (lat - lat0) * 110_574.0

    centres: dict[str, list] = {}
    for r in rows:
        centres.setdefault(r["pd_district"], []).append(
            xy(float(r["latitude"]), float(r["longitude"]))
        )
    centre = {d: np.mean(points, axis=0) for d, points in centres.items()}
    out = Labelled()
    for event, r in enumerate(rows):
        day = (dt.date.fromisoformat(r["date"]) - FIRST_DAY).days
        hour = rng.choice(24, p=HOURS / HOURS.sum()) + rng.random()
        x, y = xy(float(r["latitude"]), float(r["longitude"]))
        category = r["category"]
        holders = rng.choice(3, p=[0.5, 0.35, 0.15])  # 0 SFPD only, 1 both, 2 second only
        if holders in (0, 1):
            unknown = np.nan if category == "ROBBERY" else 0.0
            out.add(
                event, 0, x, y, 24.0 * day + hour, SF_CATEGORY[category], SF_GROUP[category],
                unknown, unknown, f"{r['description']}, {r['location']}", 0,
            )  # fmt: skip
        if holders in (1, 2):
            _second_report(rng, out, event, r, (x, y), centre[r["pd_district"]], day, hour)
    return out


def _second_report(rng, out: Labelled, event: int, r: dict, point, centre, day, hour) -> None:
    if rng.random() < 0.7:
        angle, shift = rng.uniform(0, 2 * np.pi), rng.uniform(30, 250)
        x, y, precision = point[0] + shift * np.cos(angle), point[1] + shift * np.sin(angle), 0
    else:
        (x, y), precision = centre, 1
    if rng.random() < 0.6:
        t = 24.0 * day + hour + float(np.clip(rng.normal(0, 1.5), -4, 4))
    else:
        t = 24.0 * day + 12.0
    category = r["category"]
    if category in SF_SIBLING and rng.random() < 0.1:
        category = SF_SIBLING[category]
    counts = np.nan if rng.random() < 0.4 else 0.0
    text = _paraphrase(rng, r["description"], r["location"])
    out.add(
        event, 1, float(x), float(y), t, SF_CATEGORY[category], SF_GROUP[category], counts,
        counts, text, precision,
    )  # fmt: skip


def sf_days(labelled: Labelled, first: int, last: int) -> Labelled:
    """The reports of events whose SFPD date falls on days first..last (from FIRST_DAY)."""
    days = np.floor(np.asarray(labelled.t) / 24.0)
    event_day: dict[int, float] = {}
    for e, d in zip(labelled.event, days, strict=True):
        event_day[e] = min(event_day.get(e, d), d)
    keep = np.array([first <= event_day[e] <= last for e in labelled.event])
    return labelled.select(keep)


HELD_OUT_DAY = (HELD_OUT_FROM - FIRST_DAY).days  # 92: 1 October
LAST_DAY = (dt.date(2012, 12, 31) - FIRST_DAY).days

PROVINCE_CATEGORIES = [
    "bombing",
    "targeted killing",
    "armed robbery",
    "kidnapping",
    "vehicle theft",
]
PROVINCE_GROUP = [0, 1, 1, 1, 2]


def _province_casualties(rng, category: int) -> tuple[int, int]:
    if category == 0:
        return int(rng.poisson(3.0)), int(rng.poisson(8.0))
    if category == 1:
        return int(1 + rng.poisson(0.4)), int(rng.poisson(0.5))
    if category == 2:
        return int(rng.random() < 0.15), int(rng.poisson(0.7))
    return 0, 0


def province_set(seed: int = 21, n_events: int = 1500) -> Labelled:
    """The synthetic province set (see the module docstring); agency 0 police, 1 levies."""
    rng = np.random.default_rng(seed)
    towns = rng.uniform([0, 0], [300_000, 400_000], size=(40, 2))
    events = []
    for _ in range(n_events):
        town = towns[rng.integers(len(towns))]
        angle, r = rng.uniform(0, 2 * np.pi), 12_000 * np.sqrt(rng.random())
        point = town + r * np.array([np.cos(angle), np.sin(angle)])
        category = int(rng.choice(5, p=[0.3, 0.2, 0.2, 0.1, 0.2]))
        t = float(rng.uniform(0, 3 * 365 * 24))
        events.append((point, t, category, *_province_casualties(rng, category)))
        if rng.random() < 1 / 3:
            angle, d = rng.uniform(0, 2 * np.pi), rng.uniform(1000, 10_000)
            twin = point + d * np.array([np.cos(angle), np.sin(angle)])
            sibling = category if rng.random() < 0.7 else int(rng.choice(5))
            events.append(
                (twin, t + rng.uniform(1, 30), sibling, *_province_casualties(rng, sibling))
            )
    out = Labelled()
    for event, (point, t, category, killed, injured) in enumerate(events):
        angle, shift = rng.uniform(0, 2 * np.pi), rng.uniform(50, 300)
        out.add(
            event, 0, point[0] + shift * np.cos(angle), point[1] + shift * np.sin(angle),
            t + rng.uniform(-3, 3), category, PROVINCE_GROUP[category], killed, injured, "", 0,
        )  # fmt: skip
        if rng.random() >= 0.6:
            continue
        if rng.random() < 0.5:
            town = towns[np.argmin(np.hypot(*(towns - point).T))]
            x, y, precision = town[0], town[1], 1
        else:
            angle, shift = rng.uniform(0, 2 * np.pi), rng.uniform(50, 300)
            x, y, precision = point[0] + shift * np.cos(angle), point[1] + shift * np.sin(angle), 0
        unknown = rng.random() < 0.3
        k = np.nan if unknown else killed + (rng.random() < 0.1)
        i = np.nan if unknown else max(0, injured + int(rng.integers(-1, 2)))
        out.add(
            event, 1, float(x), float(y), t + rng.uniform(-3, 3), category,
            PROVINCE_GROUP[category], k, i, "", precision,
        )  # fmt: skip
    return out


def as_before(labelled: Labelled) -> tuple:
    """find_links arguments as the store held them before counts could be unknown and
    locations imprecise: an unknown count as 0, every location taken as exact."""
    args = list(labelled.args())
    args[6], args[7] = np.nan_to_num(args[6]), np.nan_to_num(args[7])
    return tuple(args)


def precision_recall(labelled: Labelled, links) -> tuple[float, float, int, int, int]:
    """Precision, recall, true links, links and true pairs."""
    truth = labelled.truth()
    got = {(link.i, link.j) for link in links}
    hit = len(got & truth)
    return hit / max(len(got), 1), hit / max(len(truth), 1), hit, len(got), len(truth)
