"""Two clients upserting overlapping batches at once, on real concurrent PostgreSQL
connections: one record per external_ref, and no error but a clean retryable 409."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from fusion.models import AuditEntry
from incidents.models import Incident
from tests import factories

URL = "/api/v1/incidents/bulk/"


def post_concurrently(tokens: list[str], bodies: list[dict]) -> list:
    barrier = threading.Barrier(len(bodies))
    results: list = [None] * len(bodies)

    def worker(i: int) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[i]}")
        barrier.wait()
        try:
            results[i] = client.post(URL, bodies[i], format="json")
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_overlapping_batches_at_once_leave_one_record_per_ref(world):
    tokens = [factories.token(world.police_submitter), factories.token(world.police_admin)]
    for round_number in range(3):
        # given: two batches sharing 200 of their 300 refs, sent in opposite orders
        refs_a = [f"C{round_number}-{i:04d}" for i in range(0, 300)]
        refs_b = [f"C{round_number}-{i:04d}" for i in range(100, 400)][::-1]
        bodies = [
            {"incidents": [factories.payload(external_ref=r, severity=2) for r in refs_a]},
            {"incidents": [factories.payload(external_ref=r, severity=4) for r in refs_b]},
        ]
        # when
        responses = post_concurrently(tokens, bodies)
        # then
        codes = sorted(r.status_code for r in responses)
        assert all(code in (200, 409) for code in codes), [r.content[:200] for r in responses]
        assert 200 in codes
        for response in responses:
            if response.status_code == 409:
                assert response.json()["detail"]
        refs = Incident.objects.filter(external_ref__startswith=f"C{round_number}-")
        stored = list(refs.values_list("external_ref", flat=True))
        assert len(stored) == len(set(stored))
        expected = 400 if codes == [200, 200] else 300
        assert len(stored) == expected


@pytest.mark.django_db(transaction=True)
def test_a_reference_another_client_creates_after_the_lock_is_a_clean_409(world, monkeypatch):
    # given: between this batch's lock and its upsert, another client creates R-1 and commits
    from incidents import bulk_staged

    stage = bulk_staged._stage

    def another_client_first(records, sent):
        def create() -> None:
            try:
                factories.incident(world.police, world.police_admin, external_ref="R-1")
            finally:
                connection.close()

        thread = threading.Thread(target=create)
        thread.start()
        thread.join(timeout=30)
        return stage(records, sent)

    monkeypatch.setattr(bulk_staged, "_stage", another_client_first)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(world.police_submitter)}")
    body = {"incidents": [factories.payload(external_ref=f"R-{i}", severity=5) for i in range(3)]}
    # when
    response = client.post(URL, body, format="json")
    # then: a retryable conflict, and nothing of the batch was kept
    assert response.status_code == 409, response.content[:300]
    assert response.json()["detail"]
    assert list(Incident.objects.values_list("external_ref", "version", "severity")) == [
        ("R-1", 1, 3)
    ]
    assert not AuditEntry.objects.filter(event="bulk_upsert").exists()
    # and the retry, with the reference now locked as existing, goes through
    monkeypatch.setattr(bulk_staged, "_stage", stage)
    retried = client.post(URL, body, format="json")
    assert (retried.json()["created"], retried.json()["updated"]) == (2, 1)
