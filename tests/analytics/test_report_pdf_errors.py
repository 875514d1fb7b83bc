"""A PDF that Chromium cannot print: the reason the API's 503 answer carries names the exit
status only; Chromium's own error output (paths, versions) goes to the log."""

import logging
import stat

import pytest

from analytics import report_pdf


def test_chromiums_error_output_is_logged_not_given_as_the_reason(
    monkeypatch, tmp_path, caplog
) -> None:
    # given: a "Chromium" that fails, saying where it lives
    failing = tmp_path / "chromium"
    failing.write_text("#!/bin/sh\necho 'crashpad: /opt/secret/profile locked' >&2\nexit 21\n")
    failing.chmod(failing.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(report_pdf, "chromium", lambda: str(failing))
    # when
    with (
        caplog.at_level(logging.WARNING, logger="analytics.report_pdf"),
        pytest.raises(report_pdf.PdfError) as refused,
    ):
        report_pdf.html_to_pdf("<p>report</p>")
    # then
    assert str(refused.value) == "Chromium could not print the report (exit 21)."
    assert "/opt/secret/profile" in caplog.text
