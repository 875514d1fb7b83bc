"""The stated purpose as query parameters, in the schema of every route that asks for one."""

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter

from fusion.purpose import MAX_CASE_REF, MAX_PURPOSE


def purpose_schema() -> dict[str, Any]:
    """A stated purpose (fusion.purpose.require_purpose): FUSION_PURPOSE_MIN_LENGTH to
    MAX_PURPOSE characters once trimmed."""
    shortest = max(settings.FUSION_PURPOSE_MIN_LENGTH, 2)
    return {
        "type": "string",
        "maxLength": MAX_PURPOSE,
        "pattern": rf"^\s*[^\s\x00][^\x00]{{{shortest - 2},{MAX_PURPOSE - 2}}}[^\s\x00]\s*$",
    }


def purpose_param(**kwargs: Any) -> OpenApiParameter:
    """The `purpose` query parameter of a GET that asks for one."""
    return OpenApiParameter("purpose", purpose_schema(), **kwargs)


# The query parameters of every GET that requires a purpose (persons, search, export).
PURPOSE_PARAMS = [
    OpenApiParameter(
        "purpose_code",
        {"type": "string", "maxLength": 40},
        description="A code of GET purposes/ that is active (else 400); `other` when left out.",
    ),
    OpenApiParameter(
        "case_ref",
        {"type": "string", "pattern": f"^[ -~]{{0,{MAX_CASE_REF}}}$"},
        description=f"Case or warrant reference (at most {MAX_CASE_REF} printable "
        "characters); logged.",
    ),
]
