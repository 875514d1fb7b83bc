"""How many probe incidents an attacker needs to localise another agency's hidden incident from
deconfliction hints, with the graded score matching gave before and with today's rule.

The attacker holds a submitter account, guesses the hidden incident's place to within 3 km
and its time to within 4 hours (as from a news report), posts probe incidents of the same
category and reads `GET matches/`. Each trial draws a hidden incident at random in that prior.

- before: the graded score of earlier versions, 0.4·(1 - d/2 km) + 0.3·(1 - Δt/6 h) + 0.3 for
  the same category, to three decimals, for pairs within 2 km and 6 hours. The attacker finds
  a first hit on a grid around the guess, then probes around it and fits place and time to
  the scores (least squares); counted: probes until the fit is within 1 km and stays there.
- after: `fusion.sharing.matching.same_event`, the rule matching applies (the PostgreSQL probe is
  property-tested to find exactly its pairs). The answer is a yes or no that depends on the
  hidden incident's cell and time bucket only. The attacker keeps the set of (cell, bucket)
  consistent with every answer and picks each probe to split that set best; counted: probes
  until one cell is left. What the attacker then knows is the cell: the figure that matters is
  the radius of the smallest circle sure to hold the incident.

Prints figures; asserts nothing. Run: ../.venv/bin/python match_probe.py [--trials N].
"""

import argparse
import itertools
import math
import os
import statistics
from datetime import UTC, datetime, timedelta

import numpy as np
from common import BENCH_ENV
from scipy.optimize import least_squares

KM_PER_DEG_LAT = 111.195
GUESS = (30.1837, 67.0123)
GUESS_AT = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
PRIOR_KM, PRIOR_HOURS = 3.0, 4.0
MAX_PROBES = 200


def km_per_deg_lon(lat: float) -> float:
    return KM_PER_DEG_LAT * math.cos(math.radians(lat))


def to_place(x_km: float, y_km: float) -> tuple[float, float]:
    return GUESS[0] + y_km / KM_PER_DEG_LAT, GUESS[1] + x_km / km_per_deg_lon(GUESS[0])


def draw_hidden(rng: np.random.Generator) -> tuple[float, float, float]:
    r, a = PRIOR_KM * math.sqrt(rng.uniform()), rng.uniform(0, 2 * math.pi)
    return r * math.cos(a), r * math.sin(a), rng.uniform(-PRIOR_HOURS, PRIOR_HOURS)


def old_score(probe: tuple, hidden: tuple) -> float | None:
    km = math.dist(probe[:2], hidden[:2])
    hours = abs(probe[2] - hidden[2])
    if km > 2.0 or hours > 6.0:
        return None
    return round(0.4 * (1 - km / 2) + 0.3 * (1 - hours / 6) + 0.3, 3)


def grid_probes() -> list[tuple[float, float, float]]:
    """A first sweep: points 1.5 km apart over the prior disc, at the guessed time."""
    steps = np.arange(-PRIOR_KM, PRIOR_KM + 0.01, 1.5)
    return [(x, y, 0.0) for x, y in itertools.product(steps, steps) if math.hypot(x, y) <= 3.5]


def attack_before(hidden: tuple, rng: np.random.Generator) -> tuple[int, float, float]:
    """Probes until the fitted place is within 1 km; the place and time error at the end.

    Probes at one time share the time term, so s = c - 0.2·d: three or more hits at known
    places give the place (trilateration, 5 m per step of the rounded score); two probes at
    that place and different times then give the time (1.2 minutes per step)."""
    used, first = 0, None
    for probe in grid_probes():
        used += 1
        if old_score(probe, hidden) is not None:
            first = probe
            break
    hits, estimate, within_at = [], np.array(first[:2]), None
    while used < MAX_PROBES and within_at is None:
        angle = rng.uniform(0, 2 * math.pi)
        step = 0.8 if len(hits) < 4 else 0.3
        place = estimate + step * np.array([math.cos(angle), math.sin(angle)])
        used += 1
        if (score := old_score((*place, first[2]), hidden)) is not None:
            hits.append((place, score))
        if len(hits) >= 3:
            fit = least_squares(
                lambda v: [v[2] - 0.2 * math.dist(p, v[:2]) - s for p, s in hits],
                [*estimate, 1.0],
            )
            estimate = fit.x[:2]
        if len(hits) >= 3 and math.dist(estimate, hidden[:2]) <= 1.0:
            within_at = used
    # the time: at the place found, the score gives |Δt| to a step; a second probe, the sign
    at = (*estimate, first[2])
    hours = (0.3 + 0.4 + 0.3 - (old_score(at, hidden) or 0.0)) / 0.05
    later = old_score((*estimate, first[2] + 1.0), hidden) or 0.0
    guess = first[2] + hours if later > (old_score(at, hidden) or 0.0) else first[2] - hours
    used += 2
    place_error = math.dist(estimate, hidden[:2]) * 1000
    return within_at or MAX_PROBES, place_error, abs(guess - hidden[2]) * 60


def attack_after(hidden: tuple, same_event, incident_at) -> tuple[int, float, float]:
    """Probes until one (cell, bucket) is left; the radius sure to hold the incident then, and
    the distance from the cell's centre to the incident (which the attacker cannot know)."""
    from fusion.sharing.matching import MATCH_CELLS_PER_DEGREE, place_cell, time_bucket

    target = incident_at(hidden)
    size = 1 / MATCH_CELLS_PER_DEGREE
    lat0, lon0 = to_place(0, 0)
    ci, cj = place_cell(lat0, lon0)
    b0 = time_bucket(GUESS_AT)
    reach_i, reach_j = 3, 4  # the prior's 3 km in cells of latitude and longitude, rounded up
    feasible = set(
        itertools.product(
            range(ci - reach_i, ci + reach_i + 1),
            range(cj - reach_j, cj + reach_j + 1),
            range(b0 - 1, b0 + 2),
        )
    )

    def answer(cell: tuple[int, int, int], probe: tuple[int, int, int]) -> bool:
        return all(abs(a - b) <= 1 for a, b in zip(cell, probe, strict=True))

    used = 0
    while len(feasible) > 1 and used < MAX_PROBES:
        candidates = {(i + di, j + dj, b + db) for i, j, b in feasible for di, dj, db in
                      itertools.product((-1, 0, 1), repeat=3)}  # fmt: skip
        probe = max(
            sorted(candidates),
            key=lambda p: min(s := sum(answer(c, p) for c in feasible), len(feasible) - s),
        )
        if min(s := sum(answer(c, probe) for c in feasible), len(feasible) - s) == 0:
            break  # no probe tells the rest apart
        used += 1
        lat, lon = (probe[0] + 0.5) * size, (probe[1] + 0.5) * size
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(hours=6) * (probe[2] + 0.5)
        said = same_event(incident_at(None, lat, lon, moment, agency=2), target, {"x": "g"})
        feasible = {c for c in feasible if answer(c, probe) == said}
    i, j, _ = next(iter(feasible))
    corners = [((i + a) * size, (j + b) * size) for a in (0, 1) for b in (0, 1)]
    centre = ((i + 0.5) * size, (j + 0.5) * size)

    def km(p: tuple[float, float], q: tuple[float, float]) -> float:
        return math.hypot((p[0] - q[0]) * KM_PER_DEG_LAT, (p[1] - q[1]) * km_per_deg_lon(GUESS[0]))

    radius = max(km(centre, c) for c in corners)
    return used, radius, km(centre, (target.latitude, target.longitude))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=200)
    args = parser.parse_args()
    os.environ.update(BENCH_ENV)
    import django

    django.setup()
    from fusion.sharing.matching import same_event
    from incidents.models import Incident

    def incident_at(hidden, lat=None, lon=None, moment=None, agency=1):
        if hidden is not None:
            lat, lon = to_place(hidden[0], hidden[1])
            moment = GUESS_AT + timedelta(hours=hidden[2])
        return Incident(
            agency_id=agency, category_id="x", tlp="AMBER", latitude=lat, longitude=lon,
            occurred_at=moment,
        )  # fmt: skip

    rng = np.random.default_rng(20261206)
    before, after = [], []
    for _ in range(args.trials):
        hidden = draw_hidden(rng)
        before.append(attack_before(hidden, rng))
        after.append(attack_after(hidden, same_event, incident_at))
    probes, place_m, time_min = zip(*before, strict=True)
    print(f"{args.trials} hidden incidents, prior: {PRIOR_KM:g} km and ±{PRIOR_HOURS:g} h")
    print("before (graded score):")
    print(f"  probes until within 1 km: median {statistics.median(probes):.0f}, "
          f"90th percentile {np.percentile(probes, 90):.0f}, max {max(probes)}")  # fmt: skip
    print(f"  final error: place median {statistics.median(place_m):.0f} m, "
          f"time median {statistics.median(time_min):.1f} min")  # fmt: skip
    used, radius, luck = zip(*after, strict=True)
    print("after (cells and buckets):")
    print(f"  probes until one cell is left: median {statistics.median(used):.0f}, "
          f"max {max(used)}")  # fmt: skip
    print(f"  radius sure to hold the incident then: {min(radius):.2f}-{max(radius):.2f} km "
          f"(never within 1 km, whatever the number of probes)")  # fmt: skip
    print(f"  cell centre within 1 km of the incident by chance: "
          f"{sum(d <= 1 for d in luck) / len(luck):.0%} (unknown to the attacker)")  # fmt: skip


if __name__ == "__main__":
    main()
