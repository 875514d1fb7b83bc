"""One batch of incident records through the ingest rules, shared by the bulk endpoint and
the exchange import: the size cap, every record checked by index (shape and domain rules, in
one answer), then the atomic upsert."""

from typing import Any

from django.conf import settings

from agencies.acting import acting_agency
from agencies.choices import WRITER_ROLES
from agencies.models import Agency, User
from fusion.api.parsers import PayloadTooLarge
from fusion.errors import Invalid
from incidents.api.serializers import validate_records
from incidents.bulk import BatchResult, batch_errors, incident_upsert_batch
from incidents.selectors import active_category_slugs


def submitting_agency(user: User, code: str | None) -> Agency:
    """The agency the caller submits for (NotAllowed, or Invalid naming `agency`)."""
    return acting_agency(user, code, WRITER_ROLES, "submit incidents")


def checked_records(items: list[Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(validated records, {index: field errors}) with shape and domain-rule errors together.

    Raises PayloadTooLarge above FUSION_BULK_MAX records."""
    if len(items) > settings.FUSION_BULK_MAX:
        raise PayloadTooLarge(f"At most {settings.FUSION_BULK_MAX} incidents per request.")
    records, shape_errors = validate_records(items, {"category_slugs": active_category_slugs()})
    if not shape_errors:
        return records, {}
    # Report the domain-rule errors of the well-formed records too, in one answer.
    rules = {i: e for i, e in batch_errors(records).items() if i not in shape_errors}
    return records, dict(sorted({**rules, **shape_errors}.items(), key=lambda kv: int(kv[0])))


def ingest_batch(user: User, agency: Agency, items: list[Any]) -> BatchResult:
    """Upsert `items` (raw records) for `agency`, all or nothing. Raises PayloadTooLarge;
    Invalid with `{"incidents": {index: {field: [messages]}}}` naming every bad record."""
    records, errors = checked_records(items)
    if errors:
        raise Invalid(
            f"{len(errors)} of {len(items)} records are invalid; none was stored.",
            errors={"incidents": errors},
        )
    return incident_upsert_batch(actor=user, agency=agency, records=records)
