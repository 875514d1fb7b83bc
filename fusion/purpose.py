"""The stated purpose that reading persons, searching, exporting, sharing and asking for access
require: a code of the managed list, the words that justify the access, and optionally the
case or warrant it serves.

Data-protection law (LED Art. 25, UK DPA 2018 s.62) asks that every consultation and
disclosure of personal data be logged with its justification. The code makes the log
countable (fusion.oversight.transparency publishes accesses by code); the words stay required, with
their minimum length, whatever the code: a code names the kind of work, not why this record.
A caller that states words only (as before codes existed) is given the code `other`.
Access entries keep the code and the reference in `additional_data` (covered by the audit
chain) beside the words in `purpose`.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from fusion import audit
from fusion.errors import Invalid
from fusion.models import PurposeCode

MAX_PURPOSE = 500
MAX_CASE_REF = 100
DEFAULT_CODE = "other"


@dataclass(frozen=True)
class Purpose:
    text: str
    code: str = DEFAULT_CODE
    case_ref: str = ""

    def details(self) -> dict[str, str]:
        """What an access entry keeps of the purpose besides its words."""
        return {"purpose_code": self.code, "case_ref": self.case_ref}


def require_purpose(value: str | None, *, field: str = "purpose") -> str:
    """The trimmed purpose; Invalid naming `field` when missing, too short or too long."""
    text = (value or "").strip()
    minimum = settings.FUSION_PURPOSE_MIN_LENGTH
    if not text:
        raise Invalid("A stated purpose is required; it is logged.", errors={field: ["Required."]})
    if len(text) < minimum or len(text) > MAX_PURPOSE:
        raise Invalid(
            "State the purpose in words.",
            errors={field: [f"Between {minimum} and {MAX_PURPOSE} characters."]},
        )
    return text


def stated_purpose(
    *, purpose: str | None, purpose_code: str | None = None, case_ref: str | None = None
) -> Purpose:
    """The purpose a caller stated. No code means `other`; a code must be an active one of
    the list. Raises Invalid naming every field at fault (`purpose`, `purpose_code`,
    `case_ref`).

    Example: ``stated_purpose(purpose="Burglary series", purpose_code="investigation")``.
    """
    errors: dict[str, list[str]] = {}
    text = ""
    try:
        text = require_purpose(purpose)
    except Invalid as exc:
        errors.update(exc.errors or {})
    code = (purpose_code or "").strip() or DEFAULT_CODE
    if code != DEFAULT_CODE and not active_purpose_codes().filter(code=code).exists():
        errors["purpose_code"] = ["Not an active purpose code; see GET /api/v1/purposes/."]
    ref = (case_ref or "").strip()
    if len(ref) > MAX_CASE_REF or not ref.isprintable():
        errors["case_ref"] = [f"At most {MAX_CASE_REF} printable characters."]
    if errors:
        raise Invalid("State the purpose: a code of the list, in words.", errors=errors)
    return Purpose(text, code, ref)


def purpose_from_query(params: Mapping[str, Any]) -> Purpose:
    """The purpose stated in a GET's query (`purpose`, `purpose_code`, `case_ref`)."""
    return stated_purpose(
        purpose=params.get("purpose"),
        purpose_code=params.get("purpose_code"),
        case_ref=params.get("case_ref"),
    )


def active_purpose_codes() -> QuerySet[PurposeCode]:
    """The codes a purpose may name now."""
    return PurposeCode.objects.filter(active=True)


@transaction.atomic
def purpose_code_save(*, actor: Any, purpose_code: PurposeCode) -> PurposeCode:
    """Add or change a code of the list (platform admins, in the Django admin); audited.
    `other` stays active: it is the code of purposes stated in words only. Raises Invalid."""
    if purpose_code.code == DEFAULT_CODE and not purpose_code.active:
        raise Invalid(f"The code {DEFAULT_CODE!r} cannot be made inactive.")
    with audit.acting_for(actor):
        purpose_code.save()
    return purpose_code
