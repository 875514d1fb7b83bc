"""Oversight in the browser: a member reads the audit log filtered by an action, verifies the
chain (intact, with the number of entries checked), sees the first bad entry once the chain is
broken in the database, and opens complaints, transparency and the assessment records; an
agency's analyst gets the API's refusal and nothing of another agency's entries, and its admin
only its own agency's."""

import re
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from analytics.models import Assessment
from fusion.models import AuditEntry, AuditSeal, Complaint
from fusion.oversight.complaints import complaint_receive
from tests import factories
from tests.browser.conftest import assert_accessible, shot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def break_the_chain(entry_id: int) -> None:
    """Edit an entry as an intruder with the database superuser's rights would (the audit
    trail's append-only triggers off), as tests/fusion/test_audit_chain.py does."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE fusion_auditentry SET purpose = 'rewritten' WHERE id = %s", [entry_id]
        )


def test_oversight_verifies_the_trail_and_an_analyst_reads_none_of_it(page) -> None:
    # given
    police, levies = factories.agency("police", "police"), factories.agency("levies", "levies")
    watchdog = factories.agency("watch", "oversight")
    overseer = factories.member(watchdog, "oversight", "overseer")
    analyst = factories.member(police, "analyst", "police_analyst")
    admin = factories.member(police, "agency_admin", "police_admin")
    factories.incident(police, factories.member(police, "submitter"), external_ref="POL-1")
    factories.incident(levies, factories.member(levies, "submitter"), external_ref="LEV-1")
    for n in range(3):  # last month: fewer than the smallest published cell
        complaint_receive(subject=f"Complaint {n}", details="Twice.", about="access")
    Complaint.objects.update(received_at=timezone.now().replace(day=1) - timedelta(days=3))
    complaint_receive(subject="Why was my record read?", details="Twice.", about="access")
    Assessment.objects.create(
        kind="hotspots", status="pending_review", requester=analyst, agency=police, scope={},
        params={}, scope_key="o", method_version="1.1.0", code_version="t",
        result={"cells": [], "warnings": []},
    )  # fmt: skip

    # the audit log, filtered by an action
    sign_in(page, overseer)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    page.get_by_label("Action").select_option("create")
    page.get_by_label("Object type").fill("incidents.incident")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.audit-table tbody tr")
    assert rows.count() == 2
    assert all("Created" in text for text in rows.locator("td:nth-child(3)").all_inner_texts())
    assert "of levies" in page.locator("table.audit-table").inner_text()
    assert_accessible(page)
    shot(page, "audit-log")

    # verify: intact, with the number checked
    page.get_by_role("button", name="Verify the audit trail").click()
    assert page.get_by_role("heading", name="Intact").is_visible()
    checked = AuditSeal.objects.count()
    figures = page.locator("dl.facts").inner_text()
    assert re.search(rf"Entries checked\s+{checked}\b", figures), figures
    assert re.search(r"First bad entry\s+none", figures), figures
    assert_accessible(page)
    shot(page, "audit-verify")

    # broken in the database: the first bad entry is named
    victim = AuditEntry.objects.order_by("pk").first().pk
    break_the_chain(victim)
    page.get_by_role("link", name="Verify again").click()
    assert page.get_by_role("heading", name=f"Broken at entry {victim}").is_visible()
    assert re.search(rf"First bad entry\s+{victim}\b", page.locator("dl.facts").inner_text())
    assert "entry was changed" in page.locator(".verdict").inner_text()
    shot(page, "audit-verify-broken")

    # the other oversight pages
    nav = page.get_by_role("navigation", name="Main")
    for link, heading, name in [
        ("Complaints", "Complaints", "complaints"),
        ("Transparency", "Transparency", "transparency"),
    ]:
        nav.get_by_role("link", name=link).click()
        assert page.get_by_role("heading", name=heading, level=1).is_visible()
        if name == "transparency":
            row = page.get_by_role("row", name=re.compile("Complaints received"))
            assert row.get_by_text("Suppressed").count() == 1
            assert row.get_by_text("withheld").is_visible()
        assert_accessible(page)
        shot(page, name)
    assert "Why was my record read?" in page.goto("/oversight/complaints/").text()
    page.goto("/oversight/assessments/")
    assert page.get_by_role("heading", name="Methods and their status").is_visible()
    assert "police_analyst" in page.locator("main table").inner_text()
    assert_accessible(page)
    shot(page, "oversight-assessments")
    page.get_by_role("button", name="Sign out").click()

    # an agency's analyst: the API's refusal, nothing of the levies
    sign_in(page, analyst)
    assert page.get_by_role("link", name="Audit log").count() == 0
    page.goto("/oversight/audit/?object_type=incidents.incident")
    assert page.get_by_role("heading", name="Not allowed").is_visible()
    assert "read the audit trail" in page.locator("main").inner_text()
    assert "levies" not in page.locator("body").inner_text().lower()
    page.get_by_role("button", name="Sign out").click()

    # its admin: the entries about its own agency's objects only
    sign_in(page, admin)
    page.goto("/oversight/audit/?object_type=incidents.incident")
    assert page.locator("table.audit-table tbody tr").count() == 1
    assert "of police" in page.locator("table.audit-table").inner_text()
    assert "levies" not in page.locator("main").inner_text().lower()
