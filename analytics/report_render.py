"""A report's content (analytics.reports) as HTML or PDF, in a language (English by default,
Urdu right to left): the one-page summary, maps, trend, tables and technical appendix
(analytics.report_html), the PDF printed from the same HTML (analytics.report_pdf). Every
page carries the report's TLP label at its top and bottom."""

from typing import Any

from analytics.report_html import SECTION_IDS, render_html
from analytics.report_pdf import PdfError, html_to_pdf

__all__ = ["SECTION_IDS", "PdfError", "render_html", "render_pdf"]


def render_pdf(content: dict[str, Any], language: str = "en") -> bytes:
    """The same document as render_html, printed to A4 pages. Raises PdfError."""
    return html_to_pdf(render_html(content, language))
