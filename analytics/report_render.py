"""A report's content (analytics.reports) as HTML or PDF, with its maps and trend chart drawn
by matplotlib. Every page carries the report's TLP label at its top and bottom."""

import base64
import io
from html import escape
from typing import Any

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

COLOURS = {"hot": "#c0392b", "cold": "#2e86c1", "flagged": "#e67e22"}
A4 = (8.27, 11.69)


def _map_figure(section: dict[str, Any], label: str) -> Figure | None:
    shapes = section.get("map") or []
    if not shapes:
        return None
    figure = Figure(figsize=A4)
    axes = figure.add_axes((0.1, 0.15, 0.8, 0.7))
    xs, ys = [], []
    for geometry, kind in shapes:
        ring = geometry["coordinates"][0]
        axes.add_patch(Polygon(ring, closed=True, color=COLOURS.get(kind or "", "#7f8c8d")))
        xs += [p[0] for p in ring]
        ys += [p[1] for p in ring]
    margin = 0.02
    axes.set_xlim(min(xs) - margin, max(xs) + margin)
    axes.set_ylim(min(ys) - margin, max(ys) + margin)
    axes.set_aspect("equal", adjustable="box")
    axes.set_xlabel("longitude")
    axes.set_ylabel("latitude")
    names = sorted({kind or "cell" for _, kind in shapes})
    axes.set_title(f"{section['kind']} {section['assessment'][:8]}: " + ", ".join(names))
    _label(figure, label)
    return figure


def _trend_figure(trend: dict[str, Any], label: str) -> Figure | None:
    if not trend["weeks"]:
        return None
    figure = Figure(figsize=A4)
    axes = figure.add_axes((0.1, 0.2, 0.8, 0.6))
    positions = range(len(trend["weeks"]))
    for category, counts in trend["series"].items():
        axes.plot(positions, counts, marker="o", label=category)
    axes.set_xticks(list(positions), trend["weeks"], rotation=60, fontsize=7)
    axes.set_ylabel("incidents per week")
    axes.set_title("Incidents used by the approved assessments, per week and category")
    axes.legend(fontsize=7)
    _label(figure, label)
    return figure


def _label(figure: Figure, label: str) -> None:
    for y in (0.975, 0.015):
        figure.text(0.5, y, f"TLP:{label}", ha="center", fontsize=12, weight="bold")


def _figures(content: dict[str, Any]) -> list[Figure]:
    label = content["tlp"]
    drawn = [_map_figure(s, label) for s in content["sections"]]
    drawn.append(_trend_figure(content["trend"], label))
    return [figure for figure in drawn if figure is not None]


def _summary_lines(content: dict[str, Any]) -> list[str]:
    kpis = content["kpis"]
    lines = [
        f"Fusion report — {content['agency']} — {content['period_start']} to "
        f"{content['period_end']}",
        "",
        content["notice"],
        "",
        f"Results reviewed {kpis['results_reviewed']}, approved {kpis['results_approved']}, "
        f"rejected {kpis['results_rejected']}",
        f"Median hours: request to result {kpis['median_hours_request_to_result']}, result to "
        f"decision {kpis['median_hours_result_to_decision']}, request to approved insight "
        f"{kpis['median_hours_request_to_approved_insight']}",
        *_flag_lines(kpis["flags"]),
        *(f"Not measured: {item}" for item in kpis["not_measured"]),
        "",
    ]
    for section in content["sections"]:
        head = f"{section['kind']} {section['assessment']} (TLP:{section['tlp']}, "
        lines.append(f"{head}{section['inputs']} incidents, approved {section['approved_at']})")
        lines += [f"    {key}: {section[key]}" for key in _FIGURES if key in section]
        lines += [f"    warning: {warning}" for warning in section["warnings"]]
    return lines


def _flag_lines(flags: dict[str, Any]) -> list[str]:
    """The KPIs of the report's flags (analytics.kpis), in words."""
    hours, hits = flags["hours_to_acknowledge"], flags["forecast_hit_rate"]
    methods = ", ".join(
        f"{kind} {row['rate']} of {row['with_outcome']}"
        for kind, row in flags["false_positive_rate_by_method"].items()
    )
    return [
        f"Flags {flags['flags']}, acknowledged {flags['acknowledged']} (share "
        f"{flags['acknowledged_share']}); hours to acknowledge: median {hours['median']}, "
        f"mean {hours['mean']}",
        f"Flags with an outcome {flags['with_outcome']}: incident occurred "
        f"{flags['incident_occurred']}, none {flags['no_incident']}; false-positive rate "
        f"{flags['false_positive_rate']}" + (f" (by method: {methods})" if methods else ""),
        f"Forecast hit rate {hits['rate']} ({hits['hits']} of {hits['incidents']} incidents "
        f"in {hits['forecasts']} forecast(s))",
    ]


_FIGURES = (
    "hot_cells",
    "cold_cells",
    "flagged_cells",
    "model",
    "backtest_winner",
    "links",
    "level_shift",
    "trend",
)


def render_pdf(content: dict[str, Any]) -> bytes:
    """The summary page(s), then one page per map and the trend chart."""
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": f"Fusion report TLP:{content['tlp']}"}) as pdf:
        lines = _summary_lines(content)
        for first in range(0, len(lines), 45):
            page = Figure(figsize=A4)
            page.text(
                0.06, 0.93, "\n".join(lines[first : first + 45]), va="top", fontsize=7,
                family="monospace", wrap=True,
            )  # fmt: skip
            _label(page, content["tlp"])
            pdf.savefig(page)
        for figure in _figures(content):
            pdf.savefig(figure)
    return buffer.getvalue()


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    return base64.b64encode(buffer.getvalue()).decode()


def render_html(content: dict[str, Any]) -> str:
    """One page: the label above and below, the summary, the maps and the trend chart."""
    label = escape(f"TLP:{content['tlp']}")
    banner = f'<p class="tlp"><strong>{label}</strong></p>'
    summary = "".join(f"<p>{escape(line)}</p>" for line in _summary_lines(content) if line)
    images = "".join(
        f'<img alt="chart" src="data:image/png;base64,{_png(figure)}">'
        for figure in _figures(content)
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Fusion report {label}</title></head><body>"
        f"{banner}{summary}{images}{banner}</body></html>"
    )
