"""The Urdu font of the reports, embedded: a report in Urdu must read the same in any browser
and in its PDF, which the server's headless Chromium prints on a machine that may have no font
for Urdu at all (Debian's Chromium brings none: heh goal and yeh barree print as empty boxes).

The font is the console's vendored Noto Nastaliq Urdu (bin/vendor-assets, SIL OFL 1.1), found
through the static files, and embedded as a data: URL so the HTML stays one self-contained
file. Only the regular weight (~160 KB): Chromium draws bold from it."""

import base64
from functools import cache

from django.contrib.staticfiles import finders

FAMILY = "Noto Nastaliq Urdu"
REGULAR = "console/vendor/fonts/noto-nastaliq-urdu-arabic-400-normal.woff2"


class FontMissingError(RuntimeError):
    """The vendored font is not among the static files (a broken install)."""


@cache
def urdu_font_face() -> str:
    """CSS: the @font-face of the embedded Urdu font, and right-to-left text set in it."""
    path = finders.find(REGULAR)
    if not path:
        raise FontMissingError(f"{REGULAR} is missing from the static files")
    with open(path, "rb") as font:
        data = base64.b64encode(font.read()).decode("ascii")
    return (
        f'@font-face {{ font-family: "{FAMILY}"; font-style: normal; font-weight: 400; '
        f'src: url(data:font/woff2;base64,{data}) format("woff2"); }}'
        f'[dir="rtl"] {{ font-family: "{FAMILY}", "DejaVu Sans", Arial, sans-serif; '
        "line-height: 2; }"
    )
