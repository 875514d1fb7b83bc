"""Candidate pairs of cross-agency links: space-time blocking that knows location precision.

A report geocoded to a town centre may lie anywhere within some radius of its point: the
event's uncertainty radius by precision (`UNCERTAINTY_M`) is 0 for an exact point, 15 km for
a town centre (most towns and their built-up edge lie within 15 km of the point a gazetteer
gives them), 60 km for a district centre (the radius of a district of ~10,000 km²) and
unbounded for a province. Two reports are candidates when they are by different agencies, at
most `max_hours` apart and at most `max_distance_m + r_i + r_j` apart (a province-level
report: at any distance).

Exact pairs come, as before, from one KD-tree (scipy.spatial.cKDTree.query_pairs under the
maximum norm over x, y and time scaled so that `max_hours` spans `max_distance_m`): the cost
grows with the number of close pairs, not with n². An imprecise report would otherwise be
paired with every report within tens of kilometres and a day, which in dense data (a city's
thefts) is thousands; so each is compared within its category group only, and keeps only its
`MAX_VAGUE_CANDIDATES` (50) candidates of highest attainable score (the score with a perfect
text match; then nearest in time, then lowest index), chosen as they are found: imprecise
reports are taken `VAGUE_BATCH` at a time against a KD-tree of each precision class, so
memory holds one batch's neighbours, and the pairs kept number at most 50 per imprecise
report. A pair of two imprecise reports must be among the best 50 of each.

Long windows run in time chunks of `chunk_hours`. A chunk holds the reports whose time falls
in it and, for the search, those up to `max_hours` after its last (exact pairs, kept in the
chunk of their earlier report, so each once) and before its first (an imprecise report's
candidates on both sides in time). Every pair an unchunked search finds is found in exactly
one chunk, and an imprecise report's best 50 are chosen among the same candidates, so the
result does not depend on the chunking (tests/analytics/methods/test_links_window.py).
"""

from collections.abc import Callable

import numpy as np
from scipy.spatial import cKDTree

# Location precision codes (as incidents.choices.PRECISIONS, finest first) and the radius in
# metres within which the event may lie around a point of that precision.
PRECISIONS: tuple[str, ...] = ("exact", "town", "district", "province")
UNCERTAINTY_M: dict[str, float] = {
    "exact": 0.0,
    "town": 15_000.0,
    "district": 60_000.0,
    "province": np.inf,
}
RADIUS = np.array([UNCERTAINTY_M[name] for name in PRECISIONS])
MAX_VAGUE_CANDIDATES = 50
VAGUE_BATCH = 2000
SLACK = 1 + 1e-9  # so that pairs exactly on a boundary survive the scaling round-off

Bound = Callable[[np.ndarray, np.ndarray], np.ndarray]
ChunkProgress = Callable[[int, int], None]


def _points(idx: np.ndarray, data: tuple, reach: float, max_hours: float) -> np.ndarray:
    """Reports `idx` as points whose maximum-norm distance is within `radius(reach)` for a
    candidate pair; for an imprecise pair (reach above the exact one) the category group is a
    coordinate so far apart that only one group is within reach."""
    _, x, y, t_hours, group = data
    if np.isfinite(reach):
        columns = [x[idx], y[idx], t_hours[idx] * (reach / max_hours)]
    else:
        columns = [t_hours[idx] / max_hours]
    return np.column_stack([*columns, group[idx] * (4.0 * _radius(reach))])


def _radius(reach: float) -> float:
    return reach if np.isfinite(reach) else 1.0


def _close(i: np.ndarray, j: np.ndarray, data: tuple, reach: float, max_hours: float):
    """The mask of pairs of different agencies within `max_hours` and `reach` metres."""
    agency, x, y, t_hours, _ = data
    keep = (agency[i] != agency[j]) & (np.abs(t_hours[i] - t_hours[j]) <= max_hours)
    if np.isfinite(reach):
        keep &= np.hypot(x[i] - x[j], y[i] - y[j]) <= reach
    return keep


def _exact_pairs(members: np.ndarray, data: tuple, max_distance_m: float, max_hours: float):
    if members.size < 2:
        return members[:0], members[:0]
    points = _points(members, data, max_distance_m, max_hours)[:, :3]
    box = cKDTree(points).query_pairs(max_distance_m * SLACK, p=np.inf, output_type="ndarray")
    i, j = members[box[:, 0]], members[box[:, 1]]
    keep = _close(i, j, data, max_distance_m, max_hours)
    return i[keep], j[keep]


def _best(i: np.ndarray, j: np.ndarray, score: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """Mask of each `i`'s MAX_VAGUE_CANDIDATES best pairs (score, then time, then index)."""
    order = np.lexsort((j, hours, -score, i))
    owner = i[order]
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    rank = np.arange(owner.size) - np.repeat(starts, np.diff(np.r_[starts, owner.size]))
    keep = np.zeros(i.size, dtype=bool)
    keep[order[rank < MAX_VAGUE_CANDIDATES]] = True
    return keep


def _vague_pairs(owners, targets, data, precision, max_distance_m, max_hours, bound: Bound):
    """Each imprecise report in `owners` with its best candidates among `targets`."""
    t_hours = data[3]
    classes = {c: targets[precision[targets] == c] for c in np.unique(precision[targets])}
    found_i, found_j = [owners[:0]], [owners[:0]]
    for own_class in np.unique(precision[owners]):
        mine = owners[precision[owners] == own_class]
        trees = {}
        for c, members in classes.items():
            reach = max_distance_m + RADIUS[own_class] + RADIUS[c]
            trees[c] = (cKDTree(_points(members, data, reach, max_hours)), members, reach)
        for start in range(0, mine.size, VAGUE_BATCH):
            batch = mine[start : start + VAGUE_BATCH]
            got_i, got_j = [], []
            for tree, members, reach in trees.values():
                near = cKDTree(_points(batch, data, reach, max_hours)).sparse_distance_matrix(
                    tree, _radius(reach) * SLACK, p=np.inf, output_type="ndarray"
                )
                i, j = batch[near["i"]], members[near["j"]]
                keep = _close(i, j, data, reach, max_hours)
                got_i.append(i[keep])
                got_j.append(j[keep])
            i, j = np.concatenate(got_i), np.concatenate(got_j)
            keep = _best(i, j, bound(i, j), np.abs(t_hours[i] - t_hours[j]))
            found_i.append(i[keep])
            found_j.append(j[keep])
    return np.concatenate(found_i), np.concatenate(found_j)


def candidate_pairs(
    agency: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    t_hours: np.ndarray,
    max_distance_m: float,
    max_hours: float,
    *,
    precision: np.ndarray | None = None,
    group: np.ndarray | None = None,
    bound: Bound | None = None,
    chunk_hours: float | None = None,
    progress: ChunkProgress | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs i < j of candidate reports (see the module docstring), sorted by (i, j).
    `precision` codes into PRECISIONS (None: all exact), `group` category groups, `bound(i, j)`
    the best score pairs could reach (ranks an imprecise report's candidates; None: nearest
    in time first), `chunk_hours` the chunk length (None: one), `progress(done, total)` called
    after each chunk."""
    n = len(x)
    empty = np.zeros(0, dtype=np.int64)
    if n < 2:
        return empty, empty
    precision = np.zeros(n, dtype=np.int64) if precision is None else precision
    group = np.zeros(n, dtype=np.int64) if group is None else group
    bound = bound or (lambda i, j: np.zeros(i.size))
    data = (agency, x, y, t_hours, group)
    start, width = t_hours.min(), chunk_hours or (np.ptp(t_hours) + 1.0)
    core = np.floor((t_hours - start) / width).astype(np.int64)
    order = np.argsort(t_hours, kind="stable")
    ordered_t, ordered_core = t_hours[order], core[order]
    chunks = np.unique(core)
    found_i, found_j = [empty], [empty]
    for done, k in enumerate(chunks, start=1):
        first, end = np.searchsorted(ordered_core, [k, k + 1])
        reach = max_hours * SLACK
        before = np.searchsorted(ordered_t, ordered_t[first] - reach, side="left")
        after = np.searchsorted(ordered_t, ordered_t[end - 1] + reach, side="right")
        own, ahead, around = order[first:end], order[first:after], order[before:after]
        i, j = _exact_pairs(ahead[precision[ahead] == 0], data, max_distance_m, max_hours)
        earlier = np.where(t_hours[i] <= t_hours[j], i, j)
        found_i.append(i[core[earlier] == k])
        found_j.append(j[core[earlier] == k])
        vague = own[precision[own] > 0]
        if vague.size:
            i, j = _vague_pairs(vague, around, data, precision, max_distance_m, max_hours, bound)
            found_i.append(i)
            found_j.append(j)
        if progress is not None:
            progress(done, chunks.size)
    i, j = np.concatenate(found_i), np.concatenate(found_j)
    key = np.unique(np.minimum(i, j) * n + np.maximum(i, j))
    return key // n, key % n
