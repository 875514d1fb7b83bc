"""Celery entry points of sharing: they take ids and call one service."""

from celery import shared_task

from fusion.agreements import agreement_apply
from fusion.audit_chain import seal
from fusion.sharing import shares_expire

RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


@shared_task(
    name="fusion.agreement_apply", acks_late=True, soft_time_limit=600, time_limit=660, **RETRY
)
def agreement_apply_task(agreement_id: int) -> None:
    """Share (and withdraw) what an agreement covers now; safe to run twice."""
    agreement_apply(agreement_id=agreement_id)


@shared_task(name="fusion.shares_expire", acks_late=True, soft_time_limit=300, time_limit=330)
def shares_expire_task() -> None:
    """End grants past their expiry and drop their permission rows."""
    shares_expire()


@shared_task(name="fusion.audit_seal", acks_late=True, soft_time_limit=300, time_limit=330)
def audit_seal_task() -> None:
    """Chain the audit entries committed since the last run (one sealer at a time)."""
    seal()
