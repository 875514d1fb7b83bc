"""A report's maps as inline SVG: the cells a hotspots or forecast result flagged, over the
outlines of the district register's areas (their bounding boxes) named at their centres, with
a legend in words, a scale bar in kilometres, a north arrow and a title in words.

Call inside `translation.override(language)`: the words go through gettext.
"""

import math
from html import escape
from typing import Any

from django.utils.translation import gettext as _

from analytics import report_text as words
from incidents.districts import Area, register

COLOURS = {"hot": "#c0392b", "cold": "#2e86c1", "flagged": "#e67e22"}
WIDTH = 680
MAX_HEIGHT = 620
LEGEND = 64
PAD = 0.15  # degrees around the cells
SCALES_KM = (1, 2, 5, 10, 20, 50, 100, 200, 500)


def _areas() -> list[Area]:
    """The register's areas (none when the register is off)."""
    return register().areas()


def _ring(geometry: dict[str, Any]) -> list[list[float]]:
    return geometry["coordinates"][0]


def _extent(shapes: list[tuple[dict, str | None]]) -> tuple[float, float, float, float]:
    xs = [p[0] for g, _k in shapes for p in _ring(g)]
    ys = [p[1] for g, _k in shapes for p in _ring(g)]
    return min(xs) - PAD, min(ys) - PAD, max(xs) + PAD, max(ys) + PAD


def title(section: dict[str, Any], content: dict[str, Any]) -> str:
    """The map's title in words: what, of which categories, over which days."""
    scope = section.get("scope") or {}
    first = (scope.get("occurred_after") or content["period_start"])[:10]
    end = (scope.get("occurred_before") or content["period_end"])[:10]
    what = words.categories(scope.get("categories"))
    if section["kind"] == "forecast":
        return _(
            "Forecast of %(what)s: places flagged for the next %(period)s (data of %(span)s)"
        ) % {
            "what": what,
            "period": section.get("period") or _("period"),
            "span": words.period(first, end),
        }
    return _("Hotspots of %(what)s, %(span)s") % {"what": what, "span": words.period(first, end)}


def _scale_km(px_per_km: float, width: float) -> int:
    fits = [km for km in SCALES_KM if km * px_per_km <= width / 4]
    return fits[-1] if fits else SCALES_KM[0]


def map_svg(section: dict[str, Any], content: dict[str, Any]) -> str | None:
    """The section's map as an SVG element; None when it has no cells to show."""
    shapes = section.get("map") or []
    if not shapes:
        return None
    west, south, east, north = _extent(shapes)
    k = math.cos(math.radians((south + north) / 2))
    scale = min(WIDTH / ((east - west) * k), MAX_HEIGHT / (north - south))
    width, height = (east - west) * k * scale, (north - south) * scale

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return (lon - west) * k * scale, (north - lat) * scale

    canvas = max(width, WIDTH)  # room for the legend under a narrow map
    heading = title(section, content)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="map" role="img" '
        f'viewBox="0 0 {canvas:.0f} {height + LEGEND:.0f}" width="{canvas:.0f}" '
        f'height="{height + LEGEND:.0f}" aria-label="{escape(heading)}">',
        f"<title>{escape(heading)}</title>",
        f'<rect x="0" y="0" width="{width:.1f}" height="{height:.1f}" fill="#f7f7f4" '
        'stroke="#888"/>',
        f'<clipPath id="clip-{section["assessment"][:8]}"><rect width="{width:.1f}" '
        f'height="{height:.1f}"/></clipPath>',
        f'<g clip-path="url(#clip-{section["assessment"][:8]})">',
    ]
    for geometry, kind in shapes:
        points = " ".join("{:.1f},{:.1f}".format(*xy(*p[:2])) for p in _ring(geometry))
        colour = COLOURS.get(kind or "", "#7f8c8d")
        parts.append(
            f'<polygon class="cell cell-{escape(kind or "")}" points="{points}" '
            f'fill="{colour}" fill-opacity="0.85"/>'
        )
    labels = []
    for area in _areas():
        if area.east < west or area.west > east or area.north < south or area.south > north:
            continue
        x0, y0 = xy(area.west, area.north)
        x1, y1 = xy(area.east, area.south)
        parts.append(
            f'<rect class="district" x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" '
            f'height="{y1 - y0:.1f}" fill="none" stroke="#555" stroke-width="0.8" '
            f'stroke-dasharray="4 2"/>'
        )
        lat, lon = area.centre
        if not (west <= lon <= east and south <= lat <= north):
            # the centre is off the map: name the box where it shows
            lon = (max(area.west, west) + min(area.east, east)) / 2
            lat = (max(area.south, south) + min(area.north, north)) / 2
        cx, cy = xy(lon, lat)
        labels.append(
            f'<text class="district-name" x="{cx:.1f}" y="{cy:.1f}" text-anchor="middle" '
            f'font-size="10" fill="#222" stroke="#fff" stroke-width="2.5" '
            f'paint-order="stroke">{escape(area.name)}</text>'
        )
    parts += labels
    parts.append("</g>")
    # north arrow, top corner
    north = _("N")  # the letter on the north arrow
    nx = width - 22
    parts.append(
        f'<g class="north" aria-hidden="true"><path d="M{nx},12 l7,18 l-7,-5 l-7,5 z" '
        f'fill="#222"/><text x="{nx}" y="44" text-anchor="middle" font-size="11">'
        f"{escape(north)}</text></g>"
    )
    # scale bar, bottom corner
    px_per_km = scale / 111.0
    km = _scale_km(px_per_km, width)
    bar = km * px_per_km
    length = _("%(km)s km") % {"km": km}
    sy = height - 14
    parts.append(
        f'<g class="scale"><rect x="10" y="{sy - 12}" width="{bar + 60:.1f}" height="22" '
        f'fill="#fff" fill-opacity="0.8"/><path d="M14,{sy} h{bar:.1f} M14,{sy - 5} v5 '
        f'M{14 + bar:.1f},{sy - 5} v5" stroke="#222" stroke-width="2" fill="none"/>'
        f'<text x="{20 + bar:.1f}" y="{sy + 1}" font-size="11">'
        f"{escape(length)}</text></g>"
    )
    # legend, under the map
    ly = height + 18
    kinds = list(dict.fromkeys(kind or "" for _g, kind in shapes))
    names = {
        "hot": _("hot: more incidents than the area's average"),
        "cold": _("cold: fewer incidents than the area's average"),
        "flagged": _("flagged by the forecast"),
    }
    x = 6.0
    for kind in kinds:
        label = names.get(kind, _("cell"))
        parts.append(
            f'<rect x="{x:.0f}" y="{ly - 10}" width="12" height="12" '
            f'fill="{COLOURS.get(kind, "#7f8c8d")}"/><text x="{x + 17:.0f}" y="{ly}" '
            f'font-size="11">{escape(label)}</text>'
        )
        x += 30 + 6.2 * len(label)
    outline = _(
        "Dashed outlines: the district register's boxes (approximate, they may overlap), "
        "named at their centres."
    )
    parts.append(
        f'<rect x="6" y="{ly + 12}" width="12" height="12" fill="none" stroke="#555" '
        f'stroke-dasharray="4 2"/><text x="23" y="{ly + 22}" font-size="11">'
        f"{escape(outline)}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)
