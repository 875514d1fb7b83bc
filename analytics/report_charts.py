"""A report's trend chart as inline SVG: incidents per week of the top categories and the rest
together ("other"), one small panel each on a shared scale, with the report's period shaded
and dates as "3 Dec".

Call inside `translation.override(language)`: the words go through gettext.
"""

from datetime import date, timedelta
from html import escape
from typing import Any

from django.utils.translation import gettext as _

from analytics import report_text as words

TOP = 5
COLUMNS = 2
PANEL_W, PANEL_H = 330, 130
GAP = 18
TICKS = 4


def top_series(trend: dict[str, Any], top: int = TOP) -> tuple[list[date], dict[str, list[int]]]:
    """Every Monday from the first week to the last, and the weekly counts of the `top`
    categories with most incidents plus "other" (the rest together, when there is a rest)."""
    if not trend.get("weeks"):
        return [], {}
    first, last = date.fromisoformat(trend["weeks"][0]), date.fromisoformat(trend["weeks"][-1])
    weeks = [first + timedelta(days=7 * i) for i in range((last - first).days // 7 + 1)]
    index = {
        w: trend["weeks"].index(w.isoformat()) for w in weeks if w.isoformat() in trend["weeks"]
    }

    def full(counts: list[int]) -> list[int]:
        return [counts[index[w]] if w in index else 0 for w in weeks]

    ranked = sorted(trend["series"].items(), key=lambda item: (-sum(item[1]), item[0]))
    series = {name: full(counts) for name, counts in ranked[:top]}
    rest = [full(counts) for _name, counts in ranked[top:]]
    if rest:
        series[""] = [sum(column) for column in zip(*rest, strict=True)]
    return weeks, series


def trend_svg(content: dict[str, Any]) -> str | None:
    """Small multiples of the weekly trend; None when there is nothing to draw."""
    weeks, series = top_series(content["trend"])
    if not weeks:
        return None
    peak = max(max(counts) for counts in series.values()) or 1
    rows = -(-len(series) // COLUMNS)
    width = COLUMNS * PANEL_W + (COLUMNS - 1) * GAP
    height = rows * (PANEL_H + GAP)
    heading = _("Incidents per week, top %(n)s categories and the rest") % {"n": TOP}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trend" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-label="{escape(heading)}"><title>{escape(heading)}</title>'
    ]
    start = date.fromisoformat(content["period_start"])
    n = len(weeks)
    left, right, top_pad, bottom = 30, 8, 20, 22
    plot_w, plot_h = PANEL_W - left - right, PANEL_H - top_pad - bottom
    ticks = sorted({round(i * (n - 1) / (TICKS - 1)) for i in range(TICKS)}) if n > 1 else [0]
    for i, (name, counts) in enumerate(series.items()):
        ox = (i % COLUMNS) * (PANEL_W + GAP)
        oy = (i // COLUMNS) * (PANEL_H + GAP)

        def x(j: int, _ox: int = ox) -> float:
            return _ox + left + (plot_w * j / (n - 1) if n > 1 else plot_w / 2)

        def y(v: int, _oy: int = oy) -> float:
            return _oy + top_pad + plot_h * (1 - v / peak)

        label = words.category(name) if name else _("other categories")
        parts.append(
            f'<text x="{ox + left}" y="{oy + 13}" font-size="12" font-weight="bold">'
            f"{escape(label)} ({sum(counts)})</text>"
        )
        parts.append(
            f'<rect x="{ox + left}" y="{oy + top_pad}" width="{plot_w}" height="{plot_h}" '
            f'fill="#fafafa" stroke="#ddd"/>'
        )
        shade = [j for j, w in enumerate(weeks) if w >= start - timedelta(days=start.weekday())]
        if shade:
            x0 = x(shade[0]) - (plot_w / (2 * max(n - 1, 1)))
            parts.append(
                f'<rect class="period" x="{x0:.1f}" y="{oy + top_pad}" '
                f'width="{ox + left + plot_w - x0:.1f}" height="{plot_h}" fill="#fde9c9"/>'
            )
        points = " ".join(f"{x(j):.1f},{y(v):.1f}" for j, v in enumerate(counts))
        base = f"{x(n - 1):.1f},{y(0):.1f} {x(0):.1f},{y(0):.1f}"
        parts.append(f'<polygon points="{points} {base}" fill="#2e86c1" fill-opacity="0.25"/>')
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="#1f618d" stroke-width="1.5"/>'
        )
        for v in (0, peak):
            parts.append(
                f'<text x="{ox + left - 4}" y="{y(v) + 4:.1f}" font-size="10" '
                f'text-anchor="end">{v}</text>'
            )
        for j in ticks:
            anchor = "start" if j == 0 and n > 1 else "end" if j == n - 1 and n > 1 else "middle"
            parts.append(
                f'<text x="{x(j):.1f}" y="{oy + PANEL_H - 6}" font-size="10" '
                f'text-anchor="{anchor}">{escape(words.short_date(weeks[j]))}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
