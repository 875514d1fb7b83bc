"""The stated purpose that reading persons, searching and exporting require."""

from django.conf import settings

from fusion.errors import Invalid

MAX_PURPOSE = 500


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
