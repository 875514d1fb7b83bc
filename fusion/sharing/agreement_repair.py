"""Switching a sharing agreement off as a repair: by its owner's admins or a platform admin.

The API's agreement services (`fusion.sharing.agreements`) are for the owning agency's admins. A
platform admin repairs permissions, and switching an agreement off only takes access away, so
it may do this one thing too (from the Django admin), with the effect of the API's PATCH
`active=false`: the agreement saved inactive and every live grant it made ended at once,
each audited, the guardian rows rebuilt in the same transaction.
"""

from django.db import transaction

from agencies.choices import Role
from agencies.models import User
from agencies.permissions import is_platform_admin
from agencies.selectors import roles_of
from fusion import audit
from fusion.choices import EndReason
from fusion.errors import NotAllowed
from fusion.models import SharingAgreement
from fusion.sharing import permission_store
from fusion.sharing.shares import end_grants


def can_deactivate(actor: User, agreement: SharingAgreement) -> bool:
    """The owner's admins, and platform admins (repairing), may switch an agreement off."""
    return is_platform_admin(actor) or roles_of(actor).get(agreement.owner_id) == Role.AGENCY_ADMIN


@transaction.atomic
def agreement_deactivate(*, actor: User, agreement: SharingAgreement) -> int:
    """Switch the agreement off and end the shares it made; returns how many ended.

    Actor: an admin of the owning agency or a platform admin; entries name the owner as the
    acting agency. Raises NotAllowed for anyone else. Explicit shares stay.
    """
    if not can_deactivate(actor, agreement):
        raise NotAllowed("Only the owning agency's admins or a platform admin may do this.")
    locked = SharingAgreement.objects.select_for_update().get(pk=agreement.pk)
    with audit.acting_for(actor, locked.owner_id):
        ended = end_grants(
            permission_store.live_grants().filter(agreement=locked),
            EndReason.AGREEMENT_WITHDRAWN,
        )
        # switched off and withdrawn at once: nothing is left for a worker to apply
        locked.active, locked.apply_error = False, ""
        locked.save(update_fields=["active", "updated_at", "apply_error"])
        SharingAgreement.objects.filter(pk=locked.pk).update(applied_at=locked.updated_at)
    agreement.active = False
    return ended
