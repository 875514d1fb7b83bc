"""A report's HTML (analytics.report_html) printed to PDF by headless Chromium, so the PDF
holds the same sections in the same order, with the TLP header and footer on every page."""

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
TIMEOUT_S = 60

logger = logging.getLogger(__name__)


class PdfError(RuntimeError):
    """The PDF could not be printed (Chromium missing, failed or too slow)."""


def chromium() -> str:
    found = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if not found:
        raise PdfError(
            "Chromium is not installed: the PDF report is printed by headless Chromium "
            "(bin/system-packages installs it)."
        )
    return found


def html_to_pdf(html: str, *, timeout: float = TIMEOUT_S) -> bytes:
    """The HTML printed to A4 PDF pages. Raises PdfError with the reason (Chromium's error
    output is logged, not put in the reason, which the API's 503 answer carries)."""
    with tempfile.TemporaryDirectory(prefix="fusion-report-") as tmp:
        source, target = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        source.write_text(html, encoding="utf-8")
        command = [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            "--disable-extensions",
            "--mute-audio",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        try:
            done = subprocess.run(  # noqa: S603 (a fixed command; the HTML is a file)
                command, capture_output=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise PdfError(f"Chromium did not print the report within {timeout:.0f} s.") from exc
        if done.returncode != 0 or not target.exists() or target.stat().st_size == 0:
            # Chromium's own words (paths, versions) go to the log, not to the API's answer.
            tail = done.stderr.decode(errors="replace").strip().splitlines()[-3:]
            logger.warning("Chromium could not print a report: %s", " | ".join(tail))
            raise PdfError(f"Chromium could not print the report (exit {done.returncode}).")
        return target.read_bytes()
