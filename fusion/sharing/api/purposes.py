"""The managed list of purpose codes a stated purpose names (fusion.sharing.purpose)."""

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from fusion.api.base import FusionAPIView
from fusion.api.schema import errors
from fusion.models import PurposeCode
from fusion.sharing.purpose import MAX_CASE_REF, MAX_PURPOSE, active_purpose_codes


def purpose_schema() -> dict[str, Any]:
    """A stated purpose (fusion.sharing.purpose.require_purpose): FUSION_PURPOSE_MIN_LENGTH to
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


class PurposeCodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = PurposeCode
        fields = ("code", "name", "description")


class PurposeCodeListView(FusionAPIView):
    """Any signed-in user reads the list: clients offer it where a purpose is asked for."""

    @extend_schema(
        summary="Purpose codes a stated purpose may name",
        responses={200: PurposeCodeSerializer(many=True), **errors()},
    )
    def get(self, request: Request) -> Response:
        return Response(PurposeCodeSerializer(active_purpose_codes(), many=True).data)
