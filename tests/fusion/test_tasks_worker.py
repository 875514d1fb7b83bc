"""Agreement application on a real Celery worker over the Redis broker."""

import pytest

from fusion.models import SharingAgreement
from tests import factories
from tests.worker import wait_for


@pytest.mark.django_db(transaction=True)
def test_agreement_is_applied_by_a_real_worker(world, client_for, redis_worker):
    # given
    matching = factories.incident(
        world.police, world.police_submitter, category="kidnapping", severity=4
    )
    factories.incident(world.police, world.police_submitter, category="robbery", severity=4)
    reader = client_for(world.levies_analyst)
    assert reader.get(f"/api/v1/incidents/{matching.pk}/").status_code == 404
    # when: the request commits, and only then is the task sent to Redis
    response = client_for(world.police_admin).post(
        "/api/v1/sharing-agreements/",
        {"recipient": "levies", "categories": ["kidnapping"], "level": "view"},
        format="json",
    )
    assert response.status_code == 201
    # then: the worker applies it
    applied = wait_for(lambda: SharingAgreement.objects.get().applied_at is not None)
    assert applied, "the worker did not apply the agreement"
    assert reader.get(f"/api/v1/incidents/{matching.pk}/").status_code == 200
    ids = {r["id"] for r in reader.get("/api/v1/incidents/").json()["results"]}
    assert ids == {str(matching.pk)}
