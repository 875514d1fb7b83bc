"""The words of a report (analytics.reports content): dates as a reader writes them, category
names, how sure a finding is, and the one-page summary in plain sentences.

Every sentence goes through gettext: call these inside `translation.override(language)`.
Data values (district names, usernames, category names) are shown as they are, a category's
hyphens read as spaces.
"""

from datetime import date, timedelta
from typing import Any

from django.utils.dates import MONTHS, MONTHS_3
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

SUMMARY_DISTRICTS = 3  # districts named per sentence
SUMMARY_CATEGORIES = 3


def day(value: str | date) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def long_date(value: str | date) -> str:
    """ "6 December 2026"."""
    d = day(value)
    return _("%(day)s %(month)s %(year)s") % {
        "day": d.day,
        "month": MONTHS[d.month],
        "year": d.year,
    }


def short_date(value: str | date) -> str:
    """ "3 Dec" (axis labels)."""
    d = day(value)
    return _("%(day)s %(month)s") % {"day": d.day, "month": str(MONTHS_3[d.month]).title()}


def span(first: str | date, last: str | date) -> str:
    """The days first to last (both included): "1\u20137 June 2026", "30 November \u2013 6 December
    2026"."""
    a, b = day(first), day(last)
    if a == b:
        return long_date(a)
    if (a.year, a.month) == (b.year, b.month):
        return _("%(first)s–%(last)s %(month)s %(year)s") % {  # noqa: RUF001
            "first": a.day,
            "last": b.day,
            "month": MONTHS[a.month],
            "year": a.year,
        }
    if a.year == b.year:
        return _("%(first)s – %(last)s") % {  # noqa: RUF001
            "first": f"{a.day} {MONTHS[a.month]}",
            "last": long_date(b),
        }
    return _("%(first)s – %(last)s") % {  # noqa: RUF001
        "first": long_date(a),
        "last": long_date(b),
    }


def period(start: str | date, end: str | date) -> str:
    """A period [start, end) in words (the end is excluded)."""
    return span(start, day(end) - timedelta(days=1))


def category(slug: str | None) -> str:
    """A category slug as words; "*" or empty: every category."""
    if not slug or slug == "*":
        return _("all categories")
    return slug.replace("-", " ").replace("_", " ")


def categories(slugs: list[str] | None) -> str:
    return ", ".join(category(s) for s in slugs) if slugs else _("all categories")


def district(name: str | None) -> str:
    return name if name and name != "*" else _("no district of the register")


def role(value: str) -> str:
    return {
        "analyst": _("analyst"),
        "coordinator": _("coordinator"),
        "agency_admin": _("agency admin"),
        "submitter": _("submitter"),
        "oversight": _("oversight"),
    }.get(value, value)


def kind(value: str) -> str:
    return {
        "hotspots": _("Hotspots"),
        "forecast": _("Forecast"),
        "surges": _("Surges"),
        "links": _("Duplicate links"),
    }.get(value, value)


def evidence(q: float | None) -> str:
    """How sure, from a q (or p) value, in words."""
    if q is None:
        return _("not tested")
    if q < 0.001:
        return _("very strong evidence")
    if q < 0.01:
        return _("strong evidence")
    if q < 0.05:
        return _("some evidence")
    return _("weak evidence")


def number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "\u2013"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.{digits}f}"


def caveat(kind_: str) -> str:
    """The method's main stated limitation (its model card's limitations) in plain words."""
    return {
        "hotspots": _(
            "Hotspots show where incidents are reported, which follows patrolling and "
            "reporting habits as much as crime; they depend on the size of the grid cells."
        ),
        "surges": _(
            "A change in reporting practice or coverage looks like a surge; counts under "
            "about 10 a week rarely show a real doubling quickly."
        ),
        "forecast": _(
            "Forecasts learn from recorded incidents: places patrolled more are forecast "
            "more, and on sparse data they do little better than last period's counts."
        ),
        "links": _(
            "Two different events close in place, time and kind can be linked: each link is "
            "a lead for the two agencies to check, not a merge."
        ),
    }.get(kind_, "")


def _change(now: int, before: int) -> str:
    if now == before:
        return _("unchanged at %(now)s") % {"now": now}
    if now > before:
        return _("%(now)s, up from %(before)s") % {"now": now, "before": before}
    return _("%(now)s, down from %(before)s") % {"now": now, "before": before}


def _listing(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return _("%(items)s and %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def _movers(now: dict[str, int], before: dict[str, int], label: Any, n: int) -> list[str]:
    """The n keys whose count moved most (rises first), as "name (12, up from 4)"."""
    keys = set(now) | set(before)
    moved = sorted(
        (k for k in keys if now.get(k, 0) != before.get(k, 0)),
        key=lambda k: (-(now.get(k, 0) - before.get(k, 0)), k),
    )[:n]
    return [f"{label(k)} ({_change(now.get(k, 0), before.get(k, 0))})" for k in moved]


def changes_sentences(content: dict[str, Any]) -> list[str]:
    """What changed since the previous period: totals, categories and districts."""
    changes = content.get("changes") or {}
    now, before = changes.get("period"), changes.get("previous")
    if not now or not before:
        return []
    days = (day(now["end"]) - day(now["start"])).days
    lines = [
        ngettext(
            "The approved results counted %(now)s incidents in %(period)s against %(before)s "
            "in the %(days)s day before (%(previous)s).",
            "The approved results counted %(now)s incidents in %(period)s against %(before)s "
            "in the %(days)s days before (%(previous)s).",
            days,
        )
        % {
            "now": now["total"],
            "before": before["total"],
            "period": period(now["start"], now["end"]),
            "days": days,
            "previous": period(before["start"], before["end"]),
        }
    ]
    if now["total"] == 0 and before["total"] == 0:
        return lines
    rising = _movers(now["by_category"], before["by_category"], category, SUMMARY_CATEGORIES)
    if rising:
        lines.append(_("Categories that changed most: %(list)s.") % {"list": _listing(rising)})
    places = _movers(now["by_district"], before["by_district"], district, SUMMARY_DISTRICTS)
    if places:
        lines.append(_("Districts that changed most: %(list)s.") % {"list": _listing(places)})
    top = list(now["by_district"].items())[:SUMMARY_DISTRICTS]
    if top:
        named = [f"{district(name)} ({count})" for name, count in top]
        lines.append(_("Most incidents this period: %(list)s.") % {"list": _listing(named)})
    return lines


def comparison_sentences(content: dict[str, Any]) -> list[str]:
    """What is new and what ended against the agency's previous report (when the reader may
    read it)."""
    previous = content.get("previous")
    if previous is None:
        return []
    if not previous.get("found"):
        return [_("No report of the period before can be compared with this one.")]
    when = period(previous["period_start"], previous["period_end"])
    then, now = previous["then"], previous["now"]
    lines = []

    def named(pairs: list) -> str:
        return _listing(
            [_("%(category)s in %(district)s") % {"category": category(c), "district": district(d)}
             for d, c in pairs]
        )  # fmt: skip

    old, new = {tuple(p) for p in then["surges"]}, {tuple(p) for p in now["surges"]}
    if new - old:
        lines.append(
            _("New surges since the report of %(when)s: %(list)s.")
            % {"when": when, "list": named(sorted(new - old))}
        )
    if old - new:
        lines.append(
            _("Surges of the report of %(when)s no longer flagged: %(list)s.")
            % {"when": when, "list": named(sorted(old - new))}
        )
    if old & new:
        lines.append(_("Surges still flagged: %(list)s.") % {"list": named(sorted(old & new))})
    appeared = sorted(set(now["hot_districts"]) - set(then["hot_districts"]))
    gone = sorted(set(then["hot_districts"]) - set(now["hot_districts"]))
    if appeared:
        lines.append(
            _("Hotspots appeared in %(list)s (none there in the report of %(when)s).")
            % {"list": _listing(appeared), "when": when}
        )
    if gone:
        lines.append(_("Hotspots no longer found in %(list)s.") % {"list": _listing(gone)})
    if not lines:
        lines.append(
            _("Surges and hotspot districts are the same as in the report of %(when)s.")
            % {"when": when}
        )
    return lines


def _districts(rows: list[dict[str, Any]]) -> str:
    named = [f"{district(r['district'])} ({r['cells']})" for r in rows[:SUMMARY_DISTRICTS]]
    return _listing(named)


def surge_row_words(row: dict[str, Any]) -> str:
    return _("%(category)s in %(district)s (%(observed)s against about %(expected)s expected)") % {
        "category": category(row.get("category")),
        "district": district(row.get("district")),
        "observed": row.get("observed"),
        "expected": number(row.get("expected")),
    }


def _size(section: dict[str, Any]) -> str:
    """ " (5 km squares)", or nothing when the result does not say its cell size."""
    km = section.get("cell_km")
    return _(" (%(km)s km squares)") % {"km": number(km)} if km else ""


def finding_sentences(section: dict[str, Any]) -> list[str]:
    """What one approved result found, in words naming districts."""
    k = section["kind"]
    if k == "hotspots":
        hot = section.get("hot_cells", 0)
        if not hot:
            return [_("Hotspots: no place stands out from the rest of the area.")]
        return [
            ngettext(
                "Hotspots: %(n)s grid cell%(size)s has clearly more incidents than "
                "the area's average, in %(districts)s.",
                "Hotspots: %(n)s grid cells%(size)s have clearly more incidents than "
                "the area's average, most in %(districts)s.",
                hot,
            )
            % {
                "n": hot,
                "size": _size(section),
                "districts": _districts(section.get("districts", [])),
            }
        ]
    if k == "forecast":
        flagged = section.get("flagged_cells", 0)
        if not flagged:
            return [_("Forecast: no place is flagged for the next period.")]
        return [
            ngettext(
                "Forecast: %(n)s grid cell%(size)s is flagged for the next period, in "
                "%(districts)s.",
                "Forecast: %(n)s grid cells%(size)s are flagged for the next period, "
                "most in %(districts)s.",
                flagged,
            )
            % {
                "n": flagged,
                "size": _size(section),
                "districts": _districts(section.get("districts", [])),
            }
        ]
    if k == "surges":
        surges = section.get("surges", [])
        lines = []
        if surges:
            lines.append(
                ngettext(
                    "Surges: %(n)s district and category is above what its recent weeks "
                    "predict: %(list)s.",
                    "Surges: %(n)s districts and categories are above what their recent weeks "
                    "predict: %(list)s.",
                    len(surges),
                )
                % {"n": len(surges), "list": _listing([surge_row_words(s) for s in surges[:4]])}
            )
        else:
            lines.append(
                _("Surges: no district and category is above what its recent weeks predict.")
            )
        province = [s for s in section.get("aggregate_surges", []) if s.get("level") == "province"]
        for row in province:
            lines.append(
                _(
                    "Across the province: %(observed)s incidents against about %(expected)s "
                    "expected (%(evidence)s)."
                )
                % {
                    "observed": row.get("observed"),
                    "expected": number(row.get("expected")),
                    "evidence": evidence(row.get("q")),
                }
            )
        return lines
    if k == "links":
        n = section.get("links", 0)
        if not n:
            return [_("Duplicate links: no two agencies' reports look like the same event.")]
        return [
            ngettext(
                "Duplicate links: %(n)s pair of reports by different agencies likely "
                "describes one event; the agencies should check it and count it once.",
                "Duplicate links: %(n)s pairs of reports by different agencies likely "
                "describe one event each; the agencies should check them and count each once.",
                n,
            )
            % {"n": n}
        ]
    return []


def sureness_sentences(content: dict[str, Any]) -> list[str]:
    """How sure: the evidence of the findings, the warnings' count and each method's main
    limitation."""
    sections = content["sections"]
    lines = []
    qs = [
        s.get("q")
        for section in sections
        for s in section.get("surges", []) + section.get("aggregate_surges", [])
        if s.get("q") is not None
    ]
    if qs:
        lines.append(
            _(
                "Even the least certain surge listed has %(weakest)s behind it (the share of false "
                "alarms among them is held at the rate the analyst chose)."
            )
            % {"weakest": evidence(max(qs))}
        )
    warnings = sum(len(s.get("warnings", [])) for s in sections)
    if warnings:
        lines.append(
            ngettext(
                "The results carry %(n)s warning, listed in the appendix: read it before acting.",
                "The results carry %(n)s warnings, listed in the appendix: read them before "
                "acting.",
                warnings,
            )
            % {"n": warnings}
        )
    for k in dict.fromkeys(s["kind"] for s in sections):
        if text := caveat(k):
            lines.append(text)
    return lines


def review_sentences(content: dict[str, Any]) -> list[str]:
    """What was reviewed, by whom, and the decisions."""
    kpis = content["kpis"]
    lines = [
        ngettext(
            "%(reviewed)s result was reviewed in the period: %(approved)s approved and still "
            "in force, %(rejected)s rejected.",
            "%(reviewed)s results were reviewed in the period: %(approved)s approved and still "
            "in force, %(rejected)s rejected.",
            kpis["results_reviewed"],
        )
        % {
            "reviewed": kpis["results_reviewed"],
            "approved": kpis["results_approved"],
            "rejected": kpis["results_rejected"],
        }
    ]
    groups: dict[tuple, list[str]] = {}
    for section in content["sections"]:
        review = section.get("review") or {}
        who = review.get("reviewer") or {}
        asked = review.get("requester") or {}
        key = (
            asked.get("username", "\u2013"),
            asked.get("role", ""),
            who.get("username", "\u2013"),
            who.get("role", ""),
            (section.get("approved_at") or "")[:10],
        )
        groups.setdefault(key, []).append(kind(section["kind"]))
    for (requester, requester_role, reviewer, reviewer_role, approved), kinds in groups.items():
        lines.append(
            _(
                "%(kinds)s: asked for by %(requester)s (%(requester_role)s), approved by "
                "%(reviewer)s (%(reviewer_role)s) on %(date)s."
            )
            % {
                "kinds": _listing([kinds[0]] + [k.lower() for k in kinds[1:]]),
                "requester": requester,
                "requester_role": role(requester_role),
                "reviewer": reviewer,
                "reviewer_role": role(reviewer_role),
                "date": long_date(approved) if approved else "\u2013",
            }
        )
    return lines


def summary(content: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """The summary page: (heading, sentences) in reading order."""
    if not content["sections"]:
        return [
            (
                _("What changed"),
                [
                    _(
                        "No result approved in this period is still in force: there is no "
                        "finding to report. Results approved and later withdrawn leave the "
                        "report."
                    )
                ],
            ),
            (_("Reviewed"), review_sentences(content)),
        ]
    findings = [line for s in content["sections"] for line in finding_sentences(s)]
    return [
        (_("What changed"), changes_sentences(content) + comparison_sentences(content)),
        (_("Where"), findings),
        (_("How sure"), sureness_sentences(content)),
        (_("Reviewed"), review_sentences(content)),
    ]


def kpi_lines(kpis: dict[str, Any]) -> list[str]:
    """The report's KPIs (analytics.reports, analytics.kpis) as lines for the appendix."""
    flags = kpis["flags"]
    hours, hits = flags["hours_to_acknowledge"], flags["forecast_hit_rate"]
    methods = ", ".join(
        f"{k} {row['rate']} of {row['with_outcome']}"
        for k, row in flags["false_positive_rate_by_method"].items()
    )
    return [
        _("Results reviewed %(reviewed)s, approved %(approved)s, rejected %(rejected)s")
        % {
            "reviewed": kpis["results_reviewed"],
            "approved": kpis["results_approved"],
            "rejected": kpis["results_rejected"],
        },
        _(
            "Median hours: request to result %(a)s, result to decision %(b)s, request to "
            "approved insight %(c)s"
        )
        % {
            "a": kpis["median_hours_request_to_result"],
            "b": kpis["median_hours_result_to_decision"],
            "c": kpis["median_hours_request_to_approved_insight"],
        },
        _(
            "Flags %(flags)s, acknowledged %(ack)s (share %(share)s); hours to acknowledge: "
            "median %(median)s, mean %(mean)s"
        )
        % {
            "flags": flags["flags"],
            "ack": flags["acknowledged"],
            "share": flags["acknowledged_share"],
            "median": hours["median"],
            "mean": hours["mean"],
        },
        _(
            "Flags with an outcome %(n)s: incident occurred %(yes)s, none %(no)s; "
            "false-positive rate %(rate)s"
        )
        % {
            "n": flags["with_outcome"],
            "yes": flags["incident_occurred"],
            "no": flags["no_incident"],
            "rate": flags["false_positive_rate"],
        }
        + (_(" (by method: %(methods)s)") % {"methods": methods} if methods else ""),
        _(
            "Forecast hit rate %(rate)s (%(hits)s of %(incidents)s incidents in %(forecasts)s "
            "forecast(s))"
        )
        % {
            "rate": hits["rate"],
            "hits": hits["hits"],
            "incidents": hits["incidents"],
            "forecasts": hits["forecasts"],
        },
    ]
