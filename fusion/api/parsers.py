"""Parsers that answer an oversized body with 413 before reading it: JSON (also as STIX's
media type) and CSV (kept as text; its reader turns rows into records). What Python or
PostgreSQL cannot take is a 400 here, for every view: JSON nested deeper than Python's json
follows (it raises RecursionError), and NUL characters, which no PostgreSQL text holds."""

import codecs
import io
from typing import Any

from django.conf import settings
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser, JSONParser

from fusion.errors import Invalid

NUL_MESSAGE = "Null characters are not allowed."  # the words of DRF's own text fields


class PayloadTooLarge(APIException):
    status_code = 413
    default_detail = "Request body too large."
    default_code = "payload_too_large"


def _refuse_oversized(parser_context: dict | None) -> None:
    """PayloadTooLarge when the declared body exceeds DATA_UPLOAD_MAX_MEMORY_SIZE."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    request = (parser_context or {}).get("request")
    declared = request.META.get("CONTENT_LENGTH") if request is not None else None
    if limit is not None and declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"Request body exceeds {limit} bytes.")


class LimitedJSONParser(JSONParser):
    """JSONParser with the body limit (DATA_UPLOAD_MAX_MEMORY_SIZE) enforced as a 413."""

    def parse(
        self, stream: Any, media_type: str | None = None, parser_context: dict | None = None
    ) -> Any:
        _refuse_oversized(parser_context)
        raw = stream.read()
        try:
            data = super().parse(io.BytesIO(raw), media_type, parser_context)
            # UTF-8 JSON holds a NUL only escaped (UTF-16 and -32 bodies have zero bytes
            # anywhere): the walk runs only for bodies that may hold one.
            where = _nul_at(data) if b"\\u0000" in raw or b"\x00" in raw else None
        except RecursionError as exc:
            raise ParseError("JSON nested too deeply.") from exc
        if where is not None:
            errors: Any = [NUL_MESSAGE]
            for key in reversed(where):  # nested as DRF nests a field's errors
                errors = {key: errors}
            if not isinstance(errors, dict):
                errors = {"body": errors}
            raise Invalid("Text may not contain NUL characters.", errors=errors)
        return data


def _nul_at(value: Any) -> list[str] | None:
    """The keys down to the first string (or object key) holding a NUL, e.g.
    `["area", "districts", "0"]`; None when there is none."""
    if isinstance(value, str):
        return [] if "\x00" in value else None
    if not isinstance(value, dict | list):
        return None
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if "\x00" in str(key):
            return []
        found = _nul_at(item)
        if found is not None:
            return [str(key), *found]
    return None


class LimitedSTIXParser(LimitedJSONParser):
    """A STIX 2.1 bundle (`application/stix+json;version=2.1`): JSON."""

    media_type = "application/stix+json"


# Charsets a CSV body may declare (codecs' canonical names).
TEXT_ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "ascii", "iso8859-1", "cp1252")


class LimitedCSVParser(BaseParser):
    """A CSV body, returned as text (UTF-8 unless the media type names a charset)."""

    media_type = "text/csv"

    def parse(
        self, stream: Any, media_type: str | None = None, parser_context: dict | None = None
    ) -> str:
        _refuse_oversized(parser_context)
        params = dict(
            part.strip().split("=", 1) for part in (media_type or "").split(";")[1:] if "=" in part
        )
        encoding = params.get("charset", "utf-8").strip('"')
        try:
            name = codecs.lookup(encoding).name
        except LookupError:
            name = ""
        if name not in TEXT_ENCODINGS:
            # Python's codecs include compressors (zlib, bz2) and binary transforms.
            raise ParseError(f"Unsupported charset {encoding!r}; use one of {TEXT_ENCODINGS}.")
        try:
            return stream.read().decode(name).lstrip("\ufeff")
        except UnicodeDecodeError as exc:
            raise ParseError(f"CSV body is not valid {encoding}.") from exc
