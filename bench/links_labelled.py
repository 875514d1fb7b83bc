"""Cross-agency links on labelled sets: precision and recall, before and after, and speed.

Sets (analytics/backtests/link_sets.py says how each is built and why it is
semi-synthetic): San Francisco 2012 incidents with a simulated second source, split into
July-September (the only part anything was tuned on) and October-December (held out); a
synthetic province with town-centre geocodes and unknown casualties. "before" runs the method
as the store fed it before casualties could be unknown and locations imprecise (an unknown
count read as 0, every location exact); "after" passes NaN counts and location precisions.
Then the time of one run on 100,000 reports over 40 years, unchunked and in one-year chunks.
Prints figures; asserts nothing.
"""

import resource
import time

import numpy as np
from common import ROOT  # noqa: F401 - puts the project on the path

from analytics.backtests.link_sets import (
    HELD_OUT_DAY,
    LAST_DAY,
    as_before,
    precision_recall,
    province_set,
    sf_days,
    sf_set,
)
from analytics.methods.links import find_links


def show(name: str, labelled, **options) -> None:
    for label, args, extra in (
        ("before", as_before(labelled), {}),
        ("after", labelled.args(), {"precision": np.asarray(labelled.precision)}),
    ):
        start = time.perf_counter()
        links = find_links(*args, **extra, **options)
        seconds = time.perf_counter() - start
        p, r, hit, got, truth = precision_recall(labelled, links)
        print(
            f"  {name:<28}{label:<8} precision {p:.3f}  recall {r:.3f}  "
            f"({hit} of {got} links true, {truth} true pairs; {seconds:.1f} s)"
        )


def strata(labelled) -> None:
    """Figures by how the second source placed and timed its report."""
    precision = np.asarray(labelled.precision)
    links = find_links(*labelled.args(), precision=precision)
    truth, agency, t = labelled.truth(), np.asarray(labelled.agency), np.asarray(labelled.t)
    second = {pair: pair[1] if agency[pair[1]] == 1 else pair[0] for pair in truth}
    for link in links:
        second[(link.i, link.j)] = link.j if agency[link.j] == 1 else link.i
    got = {(link.i, link.j) for link in links}
    for place in (0, 1):
        for dated in (False, True):

            def of(pair, place=place, dated=dated):
                k = second[pair]
                return precision[k] == place and (abs(t[k] % 24 - 12) < 1e-9) == dated

            mine, true = {p for p in got if of(p)}, {p for p in truth if of(p)}
            hit = len(mine & true)
            print(
                f"  second source {'town' if place else 'exact'}, "
                f"{'date only' if dated else 'with time'}: precision "
                f"{hit / max(len(mine), 1):.3f}, recall {hit / max(len(true), 1):.3f} "
                f"({len(true)} true pairs)"
            )


def dense(n: int = 100_000, share: float = 0.2) -> None:
    """The bound on imprecise reports: 100,000 reports over 30 x 30 km and 60 days."""
    rng = np.random.default_rng(6)
    precision = rng.choice(4, size=n, p=[1 - share, share * 0.6, share * 0.3, share * 0.1])
    start = time.perf_counter()
    links = find_links(
        rng.integers(3, size=n), rng.uniform(0, 30_000, n), rng.uniform(0, 30_000, n),
        rng.uniform(0, 60 * 24, n), rng.integers(8, size=n), rng.integers(3, size=n),
        rng.poisson(0.3, n).astype(float), rng.poisson(1.0, n).astype(float),
        ["IED blast near bus stand"] * n, precision=precision,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    print(
        f"  {n:,} reports, 30 x 30 km, 60 days, {share:.0%} imprecise: {seconds:.1f} s, "
        f"{len(links):,} links, peak memory {peak_gb():.2f} GB so far"
    )


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def speed(n: int = 100_000, years: int = 40) -> None:
    rng = np.random.default_rng(5)
    precision = rng.choice(4, size=n, p=[0.8, 0.12, 0.06, 0.02])
    killed = rng.poisson(0.3, n).astype(float)
    killed[rng.random(n) < 0.3] = np.nan
    args = (
        rng.integers(3, size=n),
        rng.uniform(0, 300_000, n),
        rng.uniform(0, 400_000, n),
        rng.uniform(0, years * 365.25 * 24, n),
        rng.integers(8, size=n),
        rng.integers(3, size=n),
        killed,
        rng.poisson(1.0, n).astype(float),
        ["IED blast near bus stand"] * n,
    )
    for chunk in (None, 365 * 24.0):
        chunks = []
        start = time.perf_counter()
        links = find_links(
            *args, precision=precision, max_distance_m=20_000.0, chunk_hours=chunk,
            progress=lambda done, total, chunks=chunks: chunks.append(total),
        )  # fmt: skip
        seconds = time.perf_counter() - start
        print(
            f"  {n:,} reports over {years} years, chunks {chunks[-1]:>3}: {seconds:.1f} s, "
            f"{len(links):,} links"
        )


def main() -> None:
    sf = sf_set()
    print("San Francisco 2012, simulated second source (default parameters):")
    show("July-September (tuning)", sf_days(sf, 0, HELD_OUT_DAY - 1))
    show("October-December (held out)", sf_days(sf, HELD_OUT_DAY, LAST_DAY))
    print("July-September by the second source's place and time (after):")
    strata(sf_days(sf, 0, HELD_OUT_DAY - 1))
    print("October-December by the second source's place and time (after):")
    strata(sf_days(sf, HELD_OUT_DAY, LAST_DAY))
    print("Province, town-centre geocodes, max_distance_m 20000:")
    show("seed 21 (tuning)", province_set(21), max_distance_m=20_000.0)
    show("seed 2026 (held out)", province_set(2026), max_distance_m=20_000.0)
    print("Speed (12% town, 6% district, 2% province locations; max_distance_m 20000):")
    speed()
    print("Dense data (imprecise reports bounded to 50 candidates each):")
    dense(share=0.02)
    dense(share=0.2)


if __name__ == "__main__":
    main()
