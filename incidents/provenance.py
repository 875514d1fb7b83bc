"""No agency may publish as its own an incident it copied from another agency.

A recipient that sees another agency's incident (through a share, or an agreement) could
store the same event under its own reference, with its own, weaker marking, and share it on:
the owner's marking and its control over sharing would be gone. Every write of an incident
(single, bulk, file and STIX or CSV import; create and update) is therefore compared with the
incidents of other agencies the writer may see.

A copy is the same event with (nearly) the same content. The same event, by a tight rule: at
most COPY_WINDOW apart in time, at most COPY_RADIUS_M apart in place, categories of one
group. The same content: descriptions that are equal or nearly equal once `normalised` (so
that invisible characters, look-alike letters, punctuation, case and spacing change nothing),
or a record with no text of its own. A record that is such a copy is refused (field
`content`); so is one that creates an incident under the reference of such a same event
(field `external_ref`). A reference alone never refuses: any agency may happen to use, or
predict, another's reference, and an honest batch must not fail on it. An honest second
report of one event, with its own description, is stored; deconfliction tells both owners.

Only incidents visible to the writer are compared (fusion.sharing.visibility): a record matching an
incident the writer may not see is stored exactly as if nothing matched, so that a write is
never a probe of hidden records. TLP:CLEAR incidents are not compared either: anyone may
republish them, no marking can be weakened, and every agency sees them. A refusal names what
the writer already sees: the other agency and which of the record's fields matched.

Limits: a rewritten description (other words, a translation), or a copy moved beyond the
window or the radius, is not recognised as a copy; the deconfliction match still tells both
owners that the events look alike.
"""

import json
import math
import unicodedata
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from difflib import SequenceMatcher
from functools import reduce
from operator import or_
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from agencies.models import User
from fusion.errors import Conflict
from incidents.access import visible_incidents
from incidents.choices import TLP
from incidents.models import Category

CONTENT = "content"  # the error key of a near copy: same event, (nearly) the same description
COPY_WINDOW = timedelta(minutes=2)
COPY_RADIUS_M = 50.0
# Descriptions are near copies when their word sets overlap this much (Jaccard), or, both at
# least SIMILAR_MIN_CHARS long, their characters match this much (difflib's ratio).
SIMILAR_WORDS = 0.8
SIMILAR_CHARS = 0.9
SIMILAR_MIN_CHARS = 40
_COMPARED_CHARS = 2000  # difflib is quadratic: long texts are compared by their beginning
_METRES_PER_DEGREE = 111_195.0
_REACH_LAT = COPY_RADIUS_M / _METRES_PER_DEGREE
_SQLITE_CHUNK = 200  # boxes per query without PostgreSQL (SQLite's expression depth)

# Letters of other scripts that look like Latin ones, both cases (a capital may look like a
# Latin letter its small form does not), by Unicode name: a short table of the common
# look-alikes, not Unicode's full confusables list.
_LOOKALIKE_NAMES = {
    "CYRILLIC CAPITAL LETTER": {
        "A": "A", "VE": "B", "IE": "E", "KA": "K", "EM": "M", "EN": "H", "O": "O", "ER": "P",
        "ES": "C", "TE": "T", "U": "Y", "HA": "X", "DZE": "S", "BYELORUSSIAN-UKRAINIAN I": "I",
        "JE": "J", "SHHA": "H", "QA": "Q", "WE": "W",
    },
    "CYRILLIC SMALL LETTER": {
        "A": "a", "IE": "e", "O": "o", "ER": "p", "ES": "c", "U": "y", "HA": "x", "DZE": "s",
        "BYELORUSSIAN-UKRAINIAN I": "i", "JE": "j", "SHHA": "h", "PALOCHKA": "l",
        "KOMI DE": "d", "QA": "q", "WE": "w", "IZHITSA": "v", "KA": "k", "EM": "m", "EN": "h",
        "TE": "t", "VE": "b", "SOFT SIGN": "b",
    },
    "CYRILLIC LETTER": {"PALOCHKA": "I"},
    "GREEK CAPITAL LETTER": {
        "ALPHA": "A", "BETA": "B", "EPSILON": "E", "ZETA": "Z", "ETA": "H", "IOTA": "I",
        "KAPPA": "K", "MU": "M", "NU": "N", "OMICRON": "O", "RHO": "P", "TAU": "T",
        "UPSILON": "Y", "CHI": "X",
    },
    "GREEK SMALL LETTER": {
        "ALPHA": "a", "BETA": "b", "GAMMA": "y", "EPSILON": "e", "ETA": "n", "IOTA": "i",
        "KAPPA": "k", "MU": "u", "NU": "v", "OMICRON": "o", "RHO": "p", "TAU": "t",
        "UPSILON": "u", "CHI": "x", "OMEGA": "w",
    },
    "LATIN SMALL LETTER": {"DOTLESS I": "i", "DOTLESS J": "j", "ALPHA": "a", "SCRIPT G": "g"},
    "ARMENIAN SMALL LETTER": {"OH": "o", "SEH": "u", "CO": "g", "HO": "h"},
}  # fmt: skip
_LOOKALIKES = str.maketrans(
    {
        unicodedata.lookup(f"{script} {name}"): latin
        for script, letters in _LOOKALIKE_NAMES.items()
        for name, latin in letters.items()
    }
)


def normalised(text: str) -> str:
    """`text` as the copy check compares it: NFKC, case-folded, decomposed; format, control
    and combining characters dropped (zero-width spaces, soft hyphens, accents); look-alike
    letters of other scripts mapped to Latin; punctuation and symbols dropped; separators as
    single spaces. What is left is letters, digits and spaces."""
    latin = unicodedata.normalize("NFKC", text).translate(_LOOKALIKES)
    kept = []
    for char in unicodedata.normalize("NFKD", latin.casefold()).translate(_LOOKALIKES):
        kind = unicodedata.category(char)
        if kind[0] in "LN":
            kept.append(char)
        elif kind[0] == "Z" or char.isspace():
            kept.append(" ")
    return " ".join("".join(kept).split())


def near_copy(new: str, other: str) -> bool:
    """Whether the normalised description `new` copies `other`: equal (spaces aside), most
    words shared, or long and nearly the same characters. An empty `new` has no text of its
    own, so it copies whatever the other says."""
    if not new or new.replace(" ", "") == other.replace(" ", ""):
        return True
    if not other:
        return False
    words, others = set(new.split()), set(other.split())
    if len(words & others) / len(words | others) >= SIMILAR_WORDS:
        return True
    if min(len(new), len(other)) < SIMILAR_MIN_CHARS:
        return False
    matcher = SequenceMatcher(None, new[:_COMPARED_CHARS], other[:_COMPARED_CHARS], False)
    return (
        matcher.real_quick_ratio() >= SIMILAR_CHARS
        and matcher.quick_ratio() >= SIMILAR_CHARS
        and matcher.ratio() >= SIMILAR_CHARS
    )


@dataclass(frozen=True)
class Claim:
    """What one record would store, as the copy check compares it: its event (time, place,
    category, description); `external_ref` when it creates an incident (or changes its
    reference); `content` False for an update that leaves the content as stored, which is not
    compared again."""

    occurred_at: datetime
    latitude: float
    longitude: float
    category: str
    description: str
    external_ref: str | None = None
    content: bool = True

    @property
    def compared(self) -> bool:
        return self.content or bool(self.external_ref)


def claim_of(record: Mapping[str, Any], *, external_ref: str | None, content: bool) -> Claim:
    """The claim of a complete record (Fusion field names, validated values)."""
    return Claim(
        occurred_at=record["occurred_at"],
        latitude=record["latitude"],
        longitude=record["longitude"],
        category=record["category"],
        description=record.get("description") or "",
        external_ref=external_ref,
        content=content,
    )


class Copied(Conflict):
    """Records copy incidents of other agencies the writer sees (409). `by_index` holds the
    field errors of each refused record, by its position in the write; `errors` names them
    as `{"incidents": {index: {field: [...]}}}`, or `{field: [...]}` for a single write."""

    def __init__(self, by_index: Mapping[int, dict[str, Any]], *, single: bool = False) -> None:
        self.by_index = dict(by_index)
        noun = "record copies" if len(by_index) == 1 else "records copy"
        errors = (
            self.by_index[0]
            if single
            else {"incidents": {str(i): e for i, e in sorted(self.by_index.items())}}
        )
        super().__init__(
            f"{len(by_index)} {noun} another agency's incident; nothing was stored.",
            errors=errors,
        )


def _reach_lon(latitude: float) -> float:
    return _REACH_LAT / max(math.cos(math.radians(latitude)), 0.01)


# PostgreSQL: each claim probes the place and time index (incidents migration 0008, whose
# expressions this repeats) in the one or two 1/20-degree cells its box touches, for its time
# window: a few index ranges per claim, the claims passed as one JSON parameter. The ids
# found are one array the outer query (visibility, TLP, owner) reads by primary key. The
# cells are a UNION of two values, not generate_series, which the planner guesses at 1,000
# rows: costed that high, the statement was compiled (JIT, ~280 ms) to run in ~30 ms.
_NEAR_SQL = """incidents_incident.id = ANY(ARRAY(
SELECT o.id
FROM jsonb_array_elements(%s::jsonb) AS e,
     LATERAL (SELECT (e->>0)::float8 AS lat, (e->>1)::float8 AS lon, (e->>2)::float8 AS dlon,
                     (e->>3)::timestamptz AS at) AS c
CROSS JOIN LATERAL (
    SELECT o.id FROM incidents_incident o
    WHERE floor(o.latitude * 20) = ANY(ARRAY[floor((c.lat - {reach}) * 20),
                                             floor((c.lat + {reach}) * 20)])
      AND floor(o.longitude * 20) = ANY(ARRAY[floor((c.lon - c.dlon) * 20),
                                              floor((c.lon + c.dlon) * 20)])
      AND o.occurred_at BETWEEN c.at - %s AND c.at + %s
      AND o.latitude BETWEEN c.lat - {reach} AND c.lat + {reach}
      AND o.longitude BETWEEN c.lon - c.dlon AND c.lon + c.dlon
      AND o.agency_id <> %s AND o.tlp <> %s
    OFFSET 0
) AS o))""".format(reach=f"{_REACH_LAT!r}::float8")  # noqa: S608


def _near(claims: Sequence[Claim], agency_id: int) -> RawSQL:
    """PostgreSQL: incidents of other agencies, not TLP:CLEAR, in a claim's box and window."""
    points = [
        [c.latitude, c.longitude, _reach_lon(c.latitude), c.occurred_at.isoformat()] for c in claims
    ]
    params = (json.dumps(points), COPY_WINDOW, COPY_WINDOW, agency_id, TLP.CLEAR.value)
    return RawSQL(_NEAR_SQL, params, BooleanField())  # noqa: S611


def _box(claim: Claim) -> Q:
    reach = _reach_lon(claim.latitude)
    return Q(
        occurred_at__range=(claim.occurred_at - COPY_WINDOW, claim.occurred_at + COPY_WINDOW),
        latitude__range=(claim.latitude - _REACH_LAT, claim.latitude + _REACH_LAT),
        longitude__range=(claim.longitude - reach, claim.longitude + reach),
    )


@dataclass(frozen=True)
class _Seen:
    """A visible incident of another agency near some claim."""

    code: str
    external_ref: str | None
    occurred_at: datetime
    latitude: float
    longitude: float
    group: str
    description: str


def _same_event(claim: Claim, group: str | None, seen: _Seen) -> bool:
    if group != seen.group or abs(claim.occurred_at - seen.occurred_at) > COPY_WINDOW:
        return False
    north = (claim.latitude - seen.latitude) * _METRES_PER_DEGREE
    mean = math.radians((claim.latitude + seen.latitude) / 2)
    east = (claim.longitude - seen.longitude) * _METRES_PER_DEGREE * math.cos(mean)
    return math.hypot(north, east) <= COPY_RADIUS_M


def _seen_near(actor: User, agency_id: int, claims: Sequence[Claim]) -> list[_Seen]:
    """Visible incidents of other agencies, not TLP:CLEAR, in the box and window of a claim:
    one query on PostgreSQL; elsewhere (the SQLite demo) one per _SQLITE_CHUNK claims."""
    if connection.vendor == "postgresql":
        conditions = [_near(claims, agency_id)]
    else:
        conditions = [
            reduce(or_, (_box(c) for c in claims[start : start + _SQLITE_CHUNK]))
            for start in range(0, len(claims), _SQLITE_CHUNK)
        ]
    rows = []
    for condition in conditions:
        rows.extend(
            visible_incidents(actor)
            .filter(condition)
            .exclude(agency_id=agency_id)
            .exclude(tlp=TLP.CLEAR)
            .order_by()
            .values_list(
                "agency__code",
                "external_ref",
                "occurred_at",
                "latitude",
                "longitude",
                "category__group",
                "description",
            )
        )
    return [_Seen(*row) for row in rows]


def _window(moment: datetime) -> int:
    return math.floor(moment.timestamp() / COPY_WINDOW.total_seconds())


def copies(actor: User, agency_id: int, claims: Sequence[Claim]) -> dict[int, dict[str, Any]]:
    """Field errors, by index of `claims`, of the claims copying an incident that `actor` may
    see and that an agency other than `agency_id` owns (see the module docstring). One query
    on the place and time index; a second, of the category groups, only when it found any."""
    compared = [(i, c) for i, c in enumerate(claims) if c.compared]
    if not compared:
        return {}
    seen = _seen_near(actor, agency_id, [c for _, c in compared])
    if not seen:
        return {}
    groups = dict(Category.objects.values_list("slug", "group"))
    by_window: dict[int, list[tuple[int, Claim]]] = defaultdict(list)
    for index, claim in compared:
        by_window[_window(claim.occurred_at)].append((index, claim))
    errors: dict[int, dict[str, Any]] = {}
    texts: dict[int, str] = {}
    for other in seen:
        other_text = normalised(other.description)
        key = _window(other.occurred_at)
        for index, claim in (*by_window[key - 1], *by_window[key], *by_window[key + 1]):
            if not _same_event(claim, groups.get(claim.category), other):
                continue
            found = errors.setdefault(index, {})
            if claim.external_ref and claim.external_ref == other.external_ref:
                found.setdefault("external_ref", [_message(other.code, "event and reference")])
            if index not in texts:
                texts[index] = normalised(claim.description)
            if claim.content and near_copy(texts[index], other_text):
                found.setdefault(CONTENT, [_message(other.code, "event and description")])
            if not found:
                del errors[index]
    return errors


def _message(code: str, what: str) -> str:
    return (
        f"This record copies an incident of agency {code!r} that you can see (same {what}); "
        "it cannot be re-published as yours."
    )


def refuse_copies(
    actor: User, agency_id: int, claims: Sequence[Claim], *, single: bool = False
) -> None:
    """Raise Copied when any claim copies another agency's incident visible to `actor`."""
    errors = copies(actor, agency_id, claims)
    if errors:
        raise Copied(errors, single=single)
