"""A report (analytics.reports content) as one self-contained, styled HTML page: the summary
first, then the maps, the trend, the tables of surges, hotspot districts and links, and the
technical appendix. CSS is inline and the maps and chart are inline SVG, so the file opens
anywhere and prints to the same PDF (analytics.report_pdf). The TLP label is a fixed header
and footer: on screen and on every printed page.
"""

import json
from datetime import timedelta
from html import escape
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from analytics import report_text as words
from analytics.report_charts import trend_svg
from analytics.report_fonts import urdu_font_face
from analytics.report_maps import map_svg, title

TLP_COLOURS = {
    "RED": ("#ff2b2b", "#000"),
    "AMBER": ("#ffc000", "#000"),
    "AMBER+STRICT": ("#ffc000", "#000"),
    "GREEN": ("#33ff00", "#000"),
    "CLEAR": ("#fff", "#000"),
}
SECTION_IDS = ("report-summary", "report-maps", "report-trend", "report-tables", "report-appendix")
WEEK = timedelta(days=7)
LINK_ROWS = 50  # link pairs shown in the table (strongest first); the rest counted

CSS = """
@page { size: A4; margin: 16mm 14mm 16mm 14mm; }
* { box-sizing: border-box; }
html { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #1b1b1b; }
body { margin: 0 auto; max-width: 190mm; padding: 12mm 0; line-height: 1.45; }
.tlp { position: fixed; inset-inline: 0; text-align: center; z-index: 2; }
.tlp span { display: inline-block; padding: 1px 10px; font-weight: bold; letter-spacing: 0.04em;
  font-size: 9.5pt; }
.tlp.top { top: 0; } .tlp.bottom { bottom: 0; }
section { break-before: page; }
section:first-of-type { break-before: auto; }
h1 { font-size: 17pt; margin: 0 0 2mm; }
h2 { font-size: 13.5pt; margin: 0 0 3mm; border-bottom: 2px solid #1f618d; padding-bottom: 1mm; }
h3 { font-size: 11pt; margin: 4mm 0 1.5mm; color: #1f618d; }
.subtitle { color: #555; margin: 0 0 3mm; }
.notice { background: #f4f6f8; border-inline-start: 4px solid #1f618d; padding: 2mm 3mm;
  font-size: 9.5pt; margin: 0 0 3mm; }
.summary p { margin: 0 0 1.2mm; }
figure { margin: 0 0 5mm; break-inside: avoid; }
figcaption { font-size: 9pt; color: #444; margin-top: 1mm; }
svg { max-width: 100%; height: auto; direction: ltr; font-family: inherit; }
table { border-collapse: collapse; width: 100%; margin: 0 0 4mm; font-size: 9pt; }
th, td { border: 1px solid #ccc; padding: 1mm 1.6mm; text-align: start; vertical-align: top; }
th { background: #eef2f5; }
tr { break-inside: avoid; }
td.num { text-align: end; font-variant-numeric: tabular-nums; }
.appendix { font-size: 8.5pt; }
.appendix dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.6mm 3mm; margin: 0; }
.appendix dt { font-weight: bold; } .appendix dd { margin: 0; overflow-wrap: anywhere; }
.appendix ul { margin: 0; padding-inline-start: 5mm; }
.empty { color: #555; font-style: italic; }
caption { text-align: start; font-weight: bold; padding: 1mm 0; }
@media print {
  body { padding: 0; max-width: none; }
  .tlp { display: none; }
}
"""


def _e(value: Any) -> str:
    return escape(str(value))


def _sentences(lines: list[str]) -> str:
    return "".join(f"<p>{_e(line)}</p>" for line in lines)


def _empty(text: str) -> str:
    """A paragraph saying a part of the report has nothing to show."""
    return f'<p class="empty">{_e(text)}</p>'


def _titled(section_id: str, heading: str, body: str) -> str:
    return f'<section id="{section_id}"><h2>{_e(heading)}</h2>{body}</section>'


def _summary(content: dict[str, Any]) -> str:
    agency = content.get("agency_name") or content["agency"]
    when = words.period(content["period_start"], content["period_end"])
    notice = _(
        "Decision support only: every finding below was reviewed and approved by a person "
        "other than the one who asked for it. Read the warnings in the appendix before acting."
    )
    weekly = words.day(content["period_end"]) - words.day(content["period_start"]) == WEEK
    heading = _("Weekly report of %(agency)s") if weekly else _("Report of %(agency)s")
    parts = [
        f"<h1>{_e(heading % {'agency': agency})}</h1>",
        f'<p class="subtitle">{_e(when)}</p>',
        f'<p class="notice">{_e(notice)}</p>',
    ]
    for heading, lines in words.summary(content):
        if lines:
            parts.append(f"<h3>{_e(heading)}</h3>{_sentences(lines)}")
    return f'<section id="report-summary" class="summary">{"".join(parts)}</section>'


def _maps(content: dict[str, Any]) -> str:
    figures = []
    for section in content["sections"]:
        svg = map_svg(section, content)
        if svg is None:
            continue
        caption = words.finding_sentences(section)
        heading = _e(title(section, content))
        figures.append(
            f"<figure><h3>{heading}</h3>{svg}"
            f"<figcaption>{_e(' '.join(caption))}</figcaption></figure>"
        )
    body = "".join(figures) or _empty(_("No result of the period flags a place."))
    return _titled("report-maps", _("Maps"), body)


def _trend(content: dict[str, Any]) -> str:
    svg = trend_svg(content)
    if svg is None:
        body = _empty(_("No incidents to chart."))
    else:
        note = _(
            "Incidents the approved results used, per week (weeks start on Monday); the five "
            "categories with most incidents and the rest together, on one scale. The shaded "
            "weeks are this report's period."
        )
        body = f"<figure>{svg}<figcaption>{_e(note)}</figcaption></figure>"
    return _titled("report-trend", _("Trend"), body)


def _table(caption: str, headers: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{_e(c)}</td>' if i in numeric else f"<td>{_e(c)}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return (
        f"<table><caption>{_e(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _surge_rows(section: dict[str, Any]) -> list[list[str]]:
    rows = []
    for s in section.get("surges", []) + section.get("aggregate_surges", []):
        before = (s.get("baseline") or [None])[-1]
        rows.append(
            [
                words.district(s.get("district"))
                if s.get("district") != "*"
                else _("whole province"),
                words.category(s.get("category")),
                words.long_date(s["period_start"]) if s.get("period_start") else "\u2013",
                str(s.get("observed")),
                words.number(s.get("expected")),
                "\u2013" if before is None else str(before),
                words.evidence(s.get("q")),
            ]
        )
    return rows


def _tables(content: dict[str, Any]) -> str:
    parts = []
    order = {"surges": 0, "hotspots": 1, "forecast": 2, "links": 3}
    for section in sorted(content["sections"], key=lambda s: order.get(s["kind"], 9)):
        if section["kind"] == "surges":
            rows = _surge_rows(section)
            if rows:
                parts.append(
                    _table(
                        _("Surges: districts and categories above their recent level"),
                        [
                            _("District"),
                            _("Category"),
                            _("Period from"),
                            _("Observed"),
                            _("Expected"),
                            _("Period before"),
                            _("How sure"),
                        ],
                        rows,
                        {3, 4, 5},
                    )
                )
            else:
                parts.append(_empty(_("No surge was flagged.")))
            province = {
                "level_shift": _("Province-wide level shift"),
                "trend": _("Province-wide trend"),
            }
            for key, term in province.items():
                if section.get(key):
                    parts.append(f"<p><strong>{_e(term)}:</strong> {_e(section[key])}</p>")
        elif section["kind"] in ("hotspots", "forecast") and section.get("districts"):
            hot = section["kind"] == "hotspots"
            headers = [_("District"), _("Hot cells") if hot else _("Flagged cells")]
            rows = [[words.district(r["district"]), str(r["cells"])] for r in section["districts"]]
            if hot:
                headers.append(_("Incidents in them"))
                rows = [
                    [*row, str(r["incidents"])]
                    for row, r in zip(rows, section["districts"], strict=True)
                ]
            parts.append(
                _table(
                    _("%(kind)s by district (the district holding each cell's centre)")
                    % {"kind": words.kind(section["kind"])},
                    headers,
                    rows,
                    {1, 2},
                )
            )
        elif section["kind"] == "links":
            rows = [
                [
                    " / ".join(r["agencies"]),
                    " / ".join(words.district(d) for d in r["districts"]),
                    " / ".join(words.long_date(d) if d else "\u2013" for d in r["dates"]),
                    words.number(r.get("score"), 2),
                    "; ".join(r.get("reasons", [])),
                ]
                for r in section.get("link_rows", [])[:LINK_ROWS]
            ]
            if rows:
                parts.append(
                    _table(
                        _("Likely duplicate reports by two agencies (strongest first)"),
                        [_("Agencies"), _("Districts"), _("Dates"), _("Score"), _("Reasons")],
                        rows,
                        {3},
                    )
                )
                extra = len(section.get("link_rows", [])) - LINK_ROWS
                if extra > 0:
                    more = _("%(n)s more pairs are in the JSON report.") % {"n": extra}
                    parts.append(f"<p>{_e(more)}</p>")
            else:
                parts.append(_empty(_("No likely duplicate was found.")))
    body = "".join(parts) or _empty(_("No surges, districts or links to list."))
    heading = _e(_("Surges, districts and links"))
    return f'<section id="report-tables"><h2>{heading}</h2>{body}</section>'


def _dl(items: list[tuple[str, Any]]) -> str:
    rows = []
    for term, value in items:
        if value in (None, "", [], {}):
            continue
        if isinstance(value, list):
            shown = "<ul>" + "".join(f"<li>{_e(v)}</li>" for v in value) + "</ul>"
        elif isinstance(value, dict):
            shown = _e(json.dumps(value, sort_keys=True, default=str))
        else:
            shown = _e(value)
        rows.append(f"<dt>{_e(term)}</dt><dd>{shown}</dd>")
    return f"<dl>{''.join(rows)}</dl>"


def _appendix(content: dict[str, Any]) -> str:
    kpis = content["kpis"]
    parts = [
        "<h3>" + _e(_("Report")) + "</h3>",
        _dl(
            [
                (_("Report id"), content["id"]),
                (_("Agency code"), content["agency"]),
                (
                    _("Period"),
                    f"{content['period_start']} \u2013 {content['period_end']} (end excluded)",
                ),
                (_("TLP"), content["tlp"]),
                (_("Notice"), content["notice"]),
                (_("Key figures"), words.kpi_lines(kpis)),
                (_("Not measured"), kpis.get("not_measured")),
            ]
        ),
    ]
    for section in content["sections"]:
        q_values = [
            f"{words.district(s.get('district'))} / {words.category(s.get('category'))}: "
            f"p={s.get('p')}, q={s.get('q')}"
            for s in section.get("surges", []) + section.get("aggregate_surges", [])
        ]
        top = [
            f"cell {c.get('id')}: count {c.get('count')}, z={words.number(c.get('z'), 2)}, "
            f"q={c.get('q')}, {c.get('kind')}"
            for c in section.get("top_cells", [])
        ]
        review = section.get("review") or {}
        parts.append(f"<h3>{_e(words.kind(section['kind']))} {_e(section['assessment'])}</h3>")
        parts.append(
            _dl(
                [
                    (_("Assessment id"), section["assessment"]),
                    (_("TLP"), section["tlp"]),
                    (_("Method version"), section.get("method_version")),
                    (_("Approved at"), section.get("approved_at")),
                    (_("Decision"), review.get("decision")),
                    (_("Rationale"), section.get("rationale")),
                    (_("Incidents used"), section.get("inputs")),
                    (_("Scope"), section.get("scope")),
                    (_("Parameters"), section.get("parameters")),
                    (_("Model"), section.get("model")),
                    (_("Backtest winner"), section.get("backtest_winner")),
                    (
                        _("Backtest"),
                        {k: v for k, v in (section.get("backtest") or {}).items() if k != "folds"},
                    ),
                    (_("Level shift"), section.get("level_shift")),
                    (_("Trend"), section.get("trend")),
                    (_("Top cells"), top),
                    (_("p and q values"), q_values),
                    (_("Warnings"), section.get("warnings")),
                    (_("Bias checks"), section.get("bias_warnings")),
                    (_("Method's limitations"), section.get("limitations")),
                ]
            )
        )
    heading = _("Appendix: technical detail")
    return (
        '<section id="report-appendix" class="appendix">'
        f"<h2>{_e(heading)}</h2>{''.join(parts)}</section>"
    )


def _page_label(label: str, bg: str, fg: str) -> str:
    """The label in every printed page's top and bottom margins (CSS margin boxes)."""
    box = (
        f'content: "{label}"; background: {fg}; color: {bg}; font-weight: bold; '
        'font-family: "DejaVu Sans", Arial, sans-serif; font-size: 9pt; text-align: center; '
        "width: 38mm; height: 5mm;"
    )
    return (
        f"@page {{ @top-center {{ {box} vertical-align: middle; margin-top: 5mm; }} "
        f"@bottom-center {{ {box} vertical-align: middle; margin-bottom: 5mm; }} }}"
    )


def render_html(content: dict[str, Any], language: str = "en") -> str:
    """The report as one HTML document in `language` (en, or ur: right to left)."""
    with translation.override(language):
        rtl = translation.get_language_bidi()
        label = f"TLP:{content['tlp']}"
        bg, fg = TLP_COLOURS.get(content["tlp"], ("#fff", "#000"))
        banner = f'<span style="background:{fg};color:{bg}">{_e(label)}</span>'
        title = _("Fusion report, %(period)s") % {
            "period": words.period(content["period_start"], content["period_end"])
        }
        label_name = _("TLP label")
        body = "".join(
            (
                _summary(content),
                _maps(content),
                _trend(content),
                _tables(content),
                _appendix(content),
            )
        )
        return (
            f'<!doctype html><html lang="{_e(language)}" dir="{"rtl" if rtl else "ltr"}"><head>'
            f'<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
            f"<title>{_e(title)} {_e(label)}</title>"
            f"<style>{CSS}{urdu_font_face() if rtl else ''}{_page_label(label, bg, fg)}</style>"
            "</head><body>"
            f'<header class="tlp top" aria-label="{_e(label_name)}">{banner}</header>'
            f"<main>{body}</main>"
            f'<footer class="tlp bottom">{banner}</footer></body></html>'
        )
