"""The managed list of purpose codes a stated purpose names (fusion.purpose)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from fusion.api.base import FusionAPIView
from fusion.api.schema import errors
from fusion.models import PurposeCode
from fusion.purpose import active_purpose_codes


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
