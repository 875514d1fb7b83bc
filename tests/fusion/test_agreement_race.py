"""An agreement run that waited for a concurrent change applies the agreement as changed."""

import threading
import time

import pytest
from django.db import connection, transaction

from fusion.models import ShareGrant, SharingAgreement
from fusion.sharing.agreements import agreement_apply, agreement_update
from tests import factories


@pytest.mark.django_db(transaction=True)
def test_a_run_waiting_on_a_switch_off_grants_nothing_after_it(world):
    # given: an active agreement not yet applied to a police incident
    factories.incident(world.police, world.police_submitter, category="kidnapping")
    agreement = SharingAgreement.objects.create(
        owner=world.police, recipient=world.levies, created_by=world.police_admin
    )
    outcome = {}

    def run() -> None:
        try:
            outcome["applied"] = agreement_apply(agreement_id=agreement.pk)
        finally:
            connection.close()

    # when: the owner switches it off while a worker's run waits for the agreement's lock
    with transaction.atomic():
        locked = SharingAgreement.objects.select_for_update().get(pk=agreement.pk)
        agreement_update(actor=world.police_admin, agreement=locked, changes={"active": False})
        worker = threading.Thread(target=run)
        worker.start()
        time.sleep(0.5)  # the run has read the agreement and waits on the lock
    worker.join(timeout=30)
    # then: the run saw the agreement switched off
    assert outcome["applied"]["granted"] == 0
    assert not ShareGrant.objects.filter(agreement=agreement, revoked_at__isnull=True).exists()
