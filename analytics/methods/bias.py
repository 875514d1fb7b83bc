"""Bias and feedback-loop checks run on every assessment result.

Incident data record where agencies looked, not only where crime happened. A method that flags
places from reports can send patrols there, the patrols produce more reports, and the same
places are flagged again whatever the underlying crime rate (Lum & Isaac 2016, "To predict and
serve?", Significance 13(5):14-19; Ensign, Friedler, Neville, Scheidegger & Venkatasubramanian
2018, "Runaway feedback loops in predictive policing", PMLR 81:160-171). These checks do not
correct for that; they put figures and plain warnings in front of the reviewer:

- district disparity: each district's share of the flags against its share of the incidents;
- flag persistence: how many of this period's flags were also flagged in the previous period;
- reporting density: how much of the data each agency supplies, and where.

Pure Python/numpy; every output is JSON-friendly, with None where a ratio is undefined.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from analytics.methods.arrays import index_array

FEEDBACK_REFS = "Ensign et al. 2018; Lum & Isaac 2016"


def _unique_names(arg: str, names: Sequence[str]) -> None:
    if len(set(names)) != len(names):
        raise ValueError(f"{arg} must not repeat a name")


def _pct(limit: float) -> str:
    return f"{limit * 100:g}%"


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def district_disparity(
    district: np.ndarray,
    flagged: np.ndarray,
    names: list[str],
    *,
    ratio_warn: float = 2.0,
) -> list[dict]:
    """Per district: its share of all incidents, its share of the flagged incidents, and
    disparity = flag_share / incident_share (1 means flags follow incidents; None when either
    share is undefined or the district has no incidents). `flagged[i]` marks incidents in a
    flagged cell or surging group; `above_ratio` is disparity > ratio_warn. Sorted by name."""
    _unique_names("names", names)
    codes = index_array("district", district, len(names), "len(names)")
    flags = np.asarray(flagged)
    if flags.shape != codes.shape:
        raise ValueError(f"flagged must match district in length ({flags.size} != {codes.size})")
    if flags.size and flags.dtype.kind != "b":
        raise ValueError(f"flagged must be boolean, got dtype {flags.dtype}")
    flags = flags.astype(bool)
    incidents = np.bincount(codes, minlength=len(names))
    flagged_n = np.bincount(codes[flags], minlength=len(names))
    total, total_flagged = int(incidents.sum()), int(flagged_n.sum())
    rows = []
    for k, name in enumerate(names):
        incident_share = _ratio(int(incidents[k]), total)
        flag_share = _ratio(int(flagged_n[k]), total_flagged)
        disparity = None
        if incident_share and flag_share is not None:
            disparity = flag_share / incident_share
        rows.append(
            {
                "district": name,
                "incidents": int(incidents[k]),
                "incident_share": incident_share,
                "flagged": int(flagged_n[k]),
                "flag_share": flag_share,
                "disparity": disparity,
                "above_ratio": disparity is not None and disparity > ratio_warn,
            }
        )
    return sorted(rows, key=lambda row: row["district"])


def _id_set(name: str, ids: Iterable[int] | np.ndarray) -> set[int]:
    if isinstance(ids, np.ndarray):
        if ids.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional")
        if ids.dtype.kind == "b":
            return {int(i) for i in np.flatnonzero(ids)}
        if ids.size and ids.dtype.kind not in "iu":
            raise ValueError(f"{name} must hold integer ids or a boolean mask")
        return {int(i) for i in ids}
    out = set()
    for i in ids:
        if isinstance(i, bool) or not isinstance(i, int | np.integer):
            raise ValueError(f"{name} must hold integer ids, got {i!r}")
        out.add(int(i))
    return out


def flag_persistence(current: set[int] | np.ndarray, previous: set[int] | np.ndarray) -> dict:
    """How many of this period's flagged units (cell or group ids, or a boolean mask over units)
    were also flagged in the previous period. A share near 1 period after period is the
    signature of a feedback loop (Ensign et al. 2018), though a genuinely stable hotspot looks
    the same: the figure calls for a look, not a verdict."""
    cur, prev = _id_set("current", current), _id_set("previous", previous)
    repeated = len(cur & prev)
    return {
        "current": len(cur),
        "previous": len(prev),
        "repeated": repeated,
        "share_repeated": _ratio(repeated, len(cur)),
    }


def reporting_density(
    agency: np.ndarray,
    district: np.ndarray,
    agency_names: list[str],
    district_names: list[str],
) -> list[dict]:
    """Per agency: its incidents, its share of all incidents (None when there are none) and its
    incidents per district (districts with none left out), sorted by agency name. Shows whether
    one agency's reporting drives the data."""
    _unique_names("agency_names", agency_names)
    _unique_names("district_names", district_names)
    a = index_array("agency", agency, len(agency_names), "len(agency_names)")
    d = index_array("district", district, len(district_names), "len(district_names)")
    if a.size != d.size:
        raise ValueError(f"agency and district differ in length ({a.size} != {d.size})")
    n_a, n_d = len(agency_names), len(district_names)
    table = np.bincount(a * n_d + d, minlength=n_a * n_d).reshape(n_a, n_d) if n_d else None
    total = int(a.size)
    rows = []
    for k, name in enumerate(agency_names):
        counts = table[k] if table is not None else np.zeros(0, dtype=np.int64)
        per_district = {
            district_names[j]: int(counts[j])
            for j in sorted(range(n_d), key=lambda j: district_names[j])
            if counts[j] > 0
        }
        incidents = int(counts.sum())
        rows.append(
            {
                "agency": name,
                "incidents": incidents,
                "share": _ratio(incidents, total),
                "districts": per_district,
            }
        )
    return sorted(rows, key=lambda row: row["agency"])


def bias_warnings(
    disparity_rows: list[dict],
    persistence: dict | None,
    density_rows: list[dict],
    *,
    n_incidents: int,
    min_incidents: int,
    ratio_warn: float = 2.0,
    persistence_warn: float = 0.8,
    dominance_warn: float = 0.8,
) -> list[str]:
    """Plain-language warnings for every threshold crossed (strictly: a value equal to its
    threshold does not warn; n_incidents warns when below min_incidents)."""
    out = []
    if n_incidents < min_incidents:
        out.append(
            f"Only {n_incidents} incidents, fewer than the {min_incidents} this method needs: "
            f"too sparse for this method; treat any flag as anecdotal."
        )
    for row in disparity_rows:
        disparity = row.get("disparity")
        if disparity is not None and disparity > ratio_warn:
            out.append(
                f"District {row['district']} holds {row['incident_share']:.1%} of the "
                f"incidents ({row['incidents']}) but {row['flag_share']:.1%} of the flagged "
                f"incidents ({row['flagged']}): {disparity:.2f} times its share, above the "
                f"{ratio_warn:g} limit. Check whether heavier patrolling or reporting there, "
                f"rather than more crime, drives the flags."
            )
    if persistence is not None:
        share = persistence.get("share_repeated")
        if share is not None and share > persistence_warn:
            out.append(
                f"{persistence['repeated']} of this period's {persistence['current']} flags "
                f"({share:.1%}) were also flagged in the previous period, above the "
                f"{_pct(persistence_warn)} limit. Flagged places draw patrols that produce more "
                f"reports, which can keep them flagged regardless of crime (feedback loop; "
                f"{FEEDBACK_REFS})."
            )
    for row in density_rows:
        share = row.get("share")
        if share is not None and share > dominance_warn:
            out.append(
                f"Agency {row['agency']} supplied {share:.1%} of the incidents "
                f"({row['incidents']}), above the {_pct(dominance_warn)} limit: the results "
                f"mostly reflect where that agency patrols and how it records."
            )
    return out


def bias_checks(
    district: np.ndarray,
    flagged: np.ndarray,
    agency: np.ndarray,
    district_names: list[str],
    agency_names: list[str],
    *,
    min_incidents: int,
    current_flags: set[int] | np.ndarray | None = None,
    previous_flags: set[int] | np.ndarray | None = None,
    ratio_warn: float = 2.0,
    persistence_warn: float = 0.8,
    dominance_warn: float = 0.8,
) -> dict:
    """All checks for one assessment: {"district_disparity", "persistence" (None without
    previous flags), "reporting_density", "thresholds", "warnings"}. `district`, `flagged`
    and `agency` are per incident; the flag sets are unit ids (cells or groups)."""
    disparity = district_disparity(district, flagged, district_names, ratio_warn=ratio_warn)
    density = reporting_density(agency, district, agency_names, district_names)
    persistence = None
    if current_flags is not None and previous_flags is not None:
        persistence = flag_persistence(current_flags, previous_flags)
    n_incidents = int(np.asarray(district).size)
    return {
        "district_disparity": disparity,
        "persistence": persistence,
        "reporting_density": density,
        "thresholds": {
            "min_incidents": min_incidents,
            "ratio_warn": ratio_warn,
            "persistence_warn": persistence_warn,
            "dominance_warn": dominance_warn,
        },
        "warnings": bias_warnings(
            disparity,
            persistence,
            density,
            n_incidents=n_incidents,
            min_incidents=min_incidents,
            ratio_warn=ratio_warn,
            persistence_warn=persistence_warn,
            dominance_warn=dominance_warn,
        ),
    }
