"""Renderers: GeoJSON output (`?format=geojson`), and document formats (exports, reports)
whose views write the body themselves, with errors always answered as JSON."""

from typing import Any

from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response


class GeoJSONRenderer(JSONRenderer):
    media_type = "application/geo+json"
    format = "geojson"


class DocumentRenderer(BaseRenderer):
    """Names a format for content negotiation; the view builds or streams the document."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None):  # type: ignore[no-untyped-def]
        raise NotImplementedError("the view writes the document")


class JSONErrors:
    """Mixed into a view serving documents: an error, and the answer to OPTIONS (the view's
    description), are JSON whatever format was asked; a document renderer renders nothing."""

    def _answer_in_json(self) -> None:
        self.request.accepted_renderer = JSONRenderer()  # type: ignore[attr-defined]
        self.request.accepted_media_type = JSONRenderer.media_type  # type: ignore[attr-defined]

    def handle_exception(self, exc: Exception) -> Response:
        self._answer_in_json()
        return super().handle_exception(exc)  # type: ignore[misc]

    def options(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        self._answer_in_json()
        return super().options(request, *args, **kwargs)  # type: ignore[misc]
