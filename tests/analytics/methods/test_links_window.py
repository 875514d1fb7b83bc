"""Cross-agency links over long windows and imprecise locations: candidates against a brute
force, chunked runs against one pass, unknown casualties and town-centre geocodes."""

import numpy as np
import pytest

from analytics.methods import link_candidates
from analytics.methods.link_candidates import PRECISIONS, RADIUS, candidate_pairs
from analytics.methods.links import CONTRADICTION_CAP, find_links
from incidents.choices import PRECISIONS as STORED_PRECISIONS

TOWN, DISTRICT, PROVINCE = 1, 2, 3


def brute_candidates(agency, x, y, t, group, precision, max_d, max_h, bound, k):
    """Every pair checked: exact pairs in the box; a pair with an imprecise side when it is
    among the k best (bound, then time, then index) of one of its imprecise reports."""
    n = len(x)
    exact, offered = set(), {}
    for i in range(n):
        for j in range(i + 1, n):
            reach = max_d + RADIUS[precision[i]] + RADIUS[precision[j]]
            if agency[i] == agency[j] or abs(t[i] - t[j]) > max_h:
                continue
            if np.hypot(x[i] - x[j], y[i] - y[j]) > reach:
                continue
            if precision[i] == precision[j] == 0:
                exact.add((i, j))
            elif group[i] == group[j]:
                for owner, other in ((i, j), (j, i)):
                    if precision[owner] > 0:
                        offered.setdefault(owner, []).append(other)
    vague = set()
    for owner, others in offered.items():
        ranked = sorted(
            others,
            key=lambda o, r=owner: (-bound(np.array([r]), np.array([o]))[0], abs(t[r] - t[o]), o),
        )
        vague |= {(min(owner, o), max(owner, o)) for o in ranked[:k]}
    return exact | vague


def random_reports(seed: int, n: int, days: float, km: float):
    rng = np.random.default_rng(seed)
    return {
        "agency": rng.integers(3, size=n),
        "x": rng.uniform(0, km * 1000, n),
        "y": rng.uniform(0, km * 1000, n),
        "t": rng.uniform(0, days * 24, n),
        "group": rng.integers(2, size=n),
        "precision": rng.choice(4, size=n, p=[0.6, 0.25, 0.1, 0.05]),
    }


@pytest.mark.parametrize("chunk_hours", [None, 30.0, 200.0])
def test_candidates_equal_a_brute_force_with_the_imprecise_cap_binding(monkeypatch, chunk_hours):
    # given dense reports, a quarter of them town-level, and a cap of 3 candidates each
    monkeypatch.setattr(link_candidates, "MAX_VAGUE_CANDIDATES", 3)
    r = random_reports(seed=4, n=260, days=20, km=60)
    score = np.random.default_rng(9).random((260, 260)).round(1)  # ties on purpose

    def bound(i, j):
        return score[np.minimum(i, j), np.maximum(i, j)]

    # when
    i, j = candidate_pairs(
        r["agency"], r["x"], r["y"], r["t"], 5000.0, 24.0,
        precision=r["precision"], group=r["group"], bound=bound, chunk_hours=chunk_hours,
    )  # fmt: skip
    # then
    expected = brute_candidates(
        r["agency"], r["x"], r["y"], r["t"], r["group"], r["precision"], 5000.0, 24.0, bound, 3
    )
    assert set(zip(i.tolist(), j.tolist(), strict=True)) == expected
    assert len(expected) > 200
    assert any(r["precision"][a] > 0 for a, _ in expected)
    assert (i < j).all()
    assert list(zip(i, j, strict=True)) == sorted(zip(i, j, strict=True))


def long_window(seed: int = 3, n: int = 6000, years: float = 21):
    rng = np.random.default_rng(seed)
    n_events = n // 2
    t = np.sort(rng.uniform(0, years * 365.25 * 24, n_events))
    x, y = rng.uniform(0, 200_000, n_events), rng.uniform(0, 200_000, n_events)
    category = rng.integers(6, size=n_events)
    killed = rng.poisson(1.5, n_events).astype(float)
    rows = []
    for e in range(n_events):
        for agency in (0, 1):
            if agency == 1 and rng.random() < 0.3:
                continue
            town = agency == 1 and rng.random() < 0.4
            shift = rng.uniform(4000, 14_000) if town else rng.uniform(20, 300)
            angle = rng.uniform(0, 2 * np.pi)
            unknown = agency == 1 and rng.random() < 0.3
            rows.append(
                (agency, x[e] + shift * np.cos(angle), y[e] + shift * np.sin(angle),
                 t[e] + rng.uniform(-3, 3), category[e], category[e] // 2,
                 np.nan if unknown else killed[e], np.nan if unknown else 2.0,
                 TOWN if town else 0, e)
            )  # fmt: skip
    agency, x, y, t, category, group, killed, injured, precision, event = map(
        np.array, zip(*rows, strict=True)
    )
    args = (agency, x, y, t, category, group, killed, injured, [""] * len(agency))
    return args, precision, event


def test_a_chunked_run_equals_one_pass_over_21_years():
    # given 21 years of reports, some town-level, many pairs near chunk boundaries
    args, precision, _ = long_window()
    one = find_links(*args, precision=precision, max_distance_m=5000.0, max_hours=48.0)
    for chunk_days in (30, 365, 1000):
        calls: list[tuple[int, int]] = []
        # when
        chunked = find_links(
            *args, precision=precision, max_distance_m=5000.0, max_hours=48.0,
            chunk_hours=chunk_days * 24.0, progress=lambda *call, calls=calls: calls.append(call),
        )  # fmt: skip
        # then
        assert [link.to_dict() for link in chunked] == [link.to_dict() for link in one]
        total = calls[-1][1]
        assert calls == [(k, total) for k in range(1, total + 1)]
        assert total >= 21 * 365 // chunk_days
    assert len(one) > 1500


def test_a_pair_across_a_chunk_boundary_is_found():
    # given two reports of one event 2 h apart, on either side of a chunk's end
    args = (
        np.array([0, 1]), np.array([0.0, 50.0]), np.array([0.0, 0.0]),
        np.array([99.0, 101.0]), np.array([0, 0]), np.array([0, 0]),
        np.array([1.0, 1.0]), np.array([2.0, 2.0]), ["", ""],
    )  # fmt: skip
    # when / then
    assert len(find_links(*args, chunk_hours=100.0)) == 1
    assert len(find_links(*args, chunk_hours=100.0, max_hours=1.5)) == 0


def pair(first: dict, second: dict, **options):
    """find_links on two reports given as field dicts over a default bombing."""
    base = {
        "agency": 0, "x": 0.0, "y": 0.0, "t": 0.0, "category": 0, "group": 0,
        "killed": 3.0, "injured": 7.0, "text": "IED blast near bus stand", "precision": 0,
    }  # fmt: skip
    rows = [{**base, **first}, {**base, "agency": 1, **second}]
    column = {name: [row[name] for row in rows] for name in base}
    args = [np.array(column[name]) for name in list(base)[:8]]
    return find_links(*args, column["text"], precision=np.array(column["precision"]), **options)


def test_an_unknown_count_never_contradicts():
    # given the same bombing, one side's counts unknown, the other's far from 0
    unknown = {"killed": np.nan, "injured": np.nan, "x": 100.0, "t": 1.0}
    zero = {"killed": 0.0, "injured": 0.0, "x": 100.0, "t": 1.0}
    # when
    (link,) = pair({"killed": 9.0, "injured": 20.0}, unknown)
    (capped,) = pair({"killed": 9.0, "injured": 20.0}, zero, threshold=0.01)
    # then: unknown leaves casualties out; 0 (a count) still contradicts 9
    assert "casualties" not in link.components
    assert link.reasons[3] == "casualties unknown on one side: not scored"
    assert link.score > 0.9
    assert capped.score == CONTRADICTION_CAP
    assert capped.reasons[3].startswith("casualties contradict")


def test_a_count_known_on_both_sides_is_used_when_the_other_is_not():
    # given killed known on both sides, injured on one only
    (link,) = pair({"killed": 2.0, "injured": 5.0}, {"killed": 2.0, "injured": np.nan, "t": 1})
    # then
    assert link.components["casualties"] == 1.0
    assert (
        link.reasons[3]
        == "casualties agree where known: 2 vs 2 killed, injured unknown on one side"
    )
    # and a contradiction on the known count still caps the score
    (capped,) = pair({"killed": 9.0}, {"killed": 0.0, "injured": np.nan}, threshold=0.01)
    assert capped.score == CONTRADICTION_CAP


def test_town_centre_geocodes_25_km_apart_link_and_exact_ones_do_not():
    # given one event, the levies' report geocoded to a town centre 25 km away
    far = {"x": 25_000.0, "t": 1.0}
    # when
    town = pair({}, {**far, "precision": TOWN}, max_distance_m=20_000.0)
    exact = pair({}, far, max_distance_m=20_000.0, threshold=0.01)
    # then
    (link,) = town
    assert exact == []
    assert link.reasons[0] == (
        "exact and town locations, 10000 m beyond their uncertainty; 25000 m apart"
    )
    # beyond the combined uncertainty the pair is no candidate at all
    assert (
        pair({}, {"x": 36_000.0, "precision": TOWN}, max_distance_m=20_000.0, threshold=0.01) == []
    )
    both = pair({"precision": TOWN}, {"x": 49_000.0, "precision": TOWN}, max_distance_m=20_000.0)
    assert len(both) == 1


def test_an_imprecise_location_counts_for_less_than_an_exact_one():
    (exact,) = pair({}, {"x": 100.0, "t": 1.0}, max_distance_m=20_000.0)
    (town,) = pair({}, {"x": 100.0, "t": 1.0, "precision": TOWN}, max_distance_m=20_000.0)
    (province,) = pair({}, {"x": 9e6, "t": 1.0, "precision": PROVINCE})
    assert exact.components["space"] > town.components["space"] > 0.5
    assert province.components["space"] == 0.5
    assert "province only, distance neutral" in province.reasons[0]


def test_an_imprecise_place_still_tells_a_near_candidate_from_a_far_one():
    # given a district-centre report and exact reports 2 km and 8 km from its point (both well
    # within its 15 km radius, so neither lies beyond the pair's uncertainty)
    (near,) = pair({}, {"x": 2000.0, "t": 1.0, "precision": TOWN}, threshold=0.01)
    (far,) = pair({}, {"x": 8000.0, "t": 1.0, "precision": TOWN}, threshold=0.01)
    (exact,) = pair({}, {"x": 400.0, "t": 1.0}, threshold=0.01)
    # then: the share the position does not resolve falls over the reach (16 km), from neutral
    resolved = 1000.0 / 16_000.0
    for link, d in ((near, 2000.0), (far, 8000.0)):
        expected = resolved + (1 - resolved) * 0.5 * (1 - d / 16_000.0)
        assert link.components["space"] == pytest.approx(expected, abs=1e-4)
    assert near.components["space"] > far.components["space"]
    # and the unresolved share is never more than neutral: a coarse point near the other
    # report counts for less than an exact point 400 m away (0.6)
    assert near.components["space"] < exact.components["space"]


def test_where_places_are_imprecise_the_description_takes_the_unresolved_space_weight():
    # given one description and counts unknown, once on two exact points, once with a town
    description = {"killed": np.nan, "injured": np.nan, "t": 2.0}
    (town,) = pair({}, {**description, "x": 3000.0, "precision": TOWN}, threshold=0.01)
    # then: the text weighs 0.20 + (1 - q) 0.25, q = 1000 / 16000 the share resolved
    q = 1000.0 / 16_000.0
    weights = {"space": 0.25, "time": 0.25, "category": 0.15, "text": 0.20 + (1 - q) * 0.25}
    expected = sum(w * town.components[k] for k, w in weights.items()) / sum(weights.values())
    assert town.score == pytest.approx(expected, abs=1e-4)
    # without a description the weight stays with the other components
    (bare,) = pair({"text": ""}, {**description, "x": 3000.0, "precision": TOWN, "text": ""},
                   threshold=0.01)  # fmt: skip
    rest = {k: w for k, w in weights.items() if k != "text"}
    expected = sum(w * bare.components[k] for k, w in rest.items()) / sum(rest.values())
    assert bare.score == pytest.approx(expected, abs=1e-4)


def test_imprecise_reports_compare_within_their_category_group_only():
    # given a town-level report and an exact one of another group, otherwise alike
    other_group = {"x": 5000.0, "precision": TOWN, "group": 1, "category": 3}
    assert pair({}, other_group, max_distance_m=1000.0, threshold=0.01) == []
    assert len(pair({}, {**other_group, "x": 500.0, "precision": 0}, threshold=0.01)) == 1


def test_an_ambiguous_imprecise_report_is_not_linked():
    # given a town-level report and two exact reports of other agency equally close to it
    rows = {
        "agency": np.array([1, 0, 0]),
        "x": np.array([0.0, 3000.0, -3000.0]),
        "t": np.array([5.0, 5.0, 5.0]),
        "precision": np.array([TOWN, 0, 0]),
    }
    n = 3
    args = (
        rows["agency"], rows["x"], np.zeros(n), rows["t"], np.zeros(n, int), np.zeros(n, int),
        np.full(n, 1.0), np.full(n, 2.0), [""] * n,
    )  # fmt: skip
    assert find_links(*args, precision=rows["precision"]) == []
    # when one rival is an hour further off, the nearer report is linked
    later = args[3] + np.array([0.0, 0.0, 3.0])
    (link,) = find_links(*args[:3], later, *args[4:], precision=rows["precision"])
    assert (link.i, link.j) == (0, 1)


def test_precision_codes_match_the_stored_choices():
    assert PRECISIONS == STORED_PRECISIONS


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("killed", np.array([0.0, np.inf, 0.0])),
        ("injured", np.array([0.0, -1.0, np.nan])),
        ("precision", np.array([0, 4, 0])),
        ("precision", np.array([0.0, 1.0, 0.0])),
        ("chunk_hours", 0.0),
    ],
)
def test_validation_of_the_new_inputs(name, value):
    n = 3
    args = [np.array([0, 1, 2]), *([np.zeros(n)] * 3), *([np.zeros(n, int)] * 2)]
    args += [np.zeros(n), np.zeros(n), ["a"] * n]
    options = {}
    if name in ("killed", "injured"):
        args[6 if name == "killed" else 7] = value
    else:
        options[name] = value
    with pytest.raises(ValueError, match=rf"^{name} "):
        find_links(*args, **options)
    # NaN counts alone are valid
    args[6] = np.array([np.nan, 0.0, 1.0])
    find_links(*args[:6], args[6], np.zeros(n), args[8])
