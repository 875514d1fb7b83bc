"""OpenAPI helpers: the standard error responses every endpoint documents, and the schema
class of every Fusion view, which states the answers DRF gives to any operation."""

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from fusion.api.serializers import ErrorSerializer, StrictInputSerializer

_DESCRIPTIONS = {
    400: "Invalid input; `errors` names each bad field.",
    401: "No or bad credentials.",
    403: "Authenticated but not allowed.",
    404: "Does not exist, or is not visible to you.",
    409: "Conflict with the current state; retry.",
    412: "If-Match is stale: the object changed since you read it.",
    413: "Request body or batch too large.",
    429: "Throttled; see Retry-After.",
    503: "A part this needs is unavailable now (e.g. the PDF renderer); retry later.",
}
_ANY_400 = (
    "Invalid input; `errors` names each bad field. Any operation answers 400 to a query "
    "parameter (known or not) or a body that holds a NUL character anywhere."
)
# Besides the limits the schema states: what it cannot state (rules across fields, names that
# must exist), as the description of every documented 400.
_BEYOND_SCHEMA = (
    " Besides the limits stated in this schema, a 400 answers a value that names nothing "
    "(an unknown category, agency, user, match or purpose code) and a rule across fields "
    "given in the operation's or field's description."
)
# No text field or query parameter may hold a NUL (PostgreSQL text cannot).
NO_NUL = "^[^\\x00]*$"
_PAGE_404 = "No such page (`page` past the last one)."
_FORMAT_404 = "No such `format`."
JSON = "application/json"
# fusion.api.base: 1 to 255 characters once trimmed (here: visible ASCII, no spaces).
IDEMPOTENCY_KEY_SCHEMA = {"type": "string", "pattern": "^[!-~]{1,255}$"}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Error responses for `codes`, plus 401 and 429 which every authenticated call may get."""
    wanted = sorted({*codes, 401, 429})
    return {
        code: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[code]) for code in wanted
    }


def _refuse_nul(schema: dict[str, Any]) -> None:
    """A free string (no pattern, format or enum of its own) is documented without NULs."""
    if schema.get("type") == "string" and not {"pattern", "format", "enum"} & set(schema):
        schema["pattern"] = NO_NUL


def _refuse_nul_within(schema: Any) -> None:
    """_refuse_nul on every string of a request schema: its properties, items, and theirs."""
    if isinstance(schema, list):
        for item in schema:
            _refuse_nul_within(item)
    elif isinstance(schema, dict):
        _refuse_nul(schema)
        for key in ("properties", "items", "additionalProperties"):
            inner = schema.get(key)
            if key == "properties" and isinstance(inner, dict):
                _refuse_nul_within(list(inner.values()))
            elif isinstance(inner, dict):
                _refuse_nul_within(inner)


class FusionAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus what every Fusion view answers whatever its own
    declarations say: errors are JSON whatever `format` was asked for; any query parameter
    holding a NUL is a 400; a page past the last is a 404, as is an unknown `format`; a strict
    input (StrictInputSerializer) allows no other properties."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        query = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
        for parameter in query.values():
            _refuse_nul(parameter.get("schema", {}))
        extra = {"400": _ANY_400}
        if "page" in query:
            query["page"]["schema"]["minimum"] = 1
            extra["404"] = _PAGE_404
        if "format" in query:
            extra.setdefault("404", _FORMAT_404)
        for code, description in extra.items():
            if code not in responses:
                responses[code] = {"description": description}
        if "400" in responses:
            responses["400"]["description"] = (
                responses["400"].get("description") or _ANY_400
            ) + _BEYOND_SCHEMA
        error_ref = self._error_schema()
        for code, response in responses.items():
            if int(code) >= 400:
                content = response.get("content", {})
                response["content"] = {JSON: content.get(JSON, {"schema": error_ref})}
        return operation

    def _map_basic_serializer(self, serializer: Any, direction: str) -> dict[str, Any]:
        """No request text holds a NUL; a strict input refuses keys it does not name (400)."""
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request":
            _refuse_nul_within(schema)
            if isinstance(serializer, StrictInputSerializer):
                schema["additionalProperties"] = False
        return schema

    def _error_schema(self) -> dict[str, Any]:
        component = self.resolve_serializer(ErrorSerializer, "response")
        return component.ref
