"""OpenAPI helpers: the standard error responses every endpoint documents."""

from drf_spectacular.utils import OpenApiResponse

from fusion.api.serializers import ErrorSerializer

_DESCRIPTIONS = {
    400: "Invalid input; `errors` names each bad field.",
    401: "No or bad credentials.",
    403: "Authenticated but not allowed.",
    404: "Does not exist, or is not visible to you.",
    409: "Conflict with the current state; retry.",
    412: "If-Match is stale: the object changed since you read it.",
    413: "Request body or batch too large.",
    429: "Throttled; see Retry-After.",
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Error responses for `codes`, plus 401 and 429 which every authenticated call may get."""
    wanted = sorted({*codes, 401, 429})
    return {
        code: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[code]) for code in wanted
    }
