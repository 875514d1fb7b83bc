"""Pagination: page numbers for small lists, keyset cursors for incidents.

Incidents are paged by (occurred_at, id) descending with the cursor condition in the WHERE
clause, so a page costs the same at any depth and never runs COUNT(*) over the visible set.
"""

import base64
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

MAX_PAGE_SIZE = 500


class PageNumberPagination(pagination.PageNumberPagination):
    """`{"count", "next", "previous", "results"}` with `page` and a capped `page_size`."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


def _encode(payload: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def _decode(token: str) -> tuple[datetime, UUID, bool]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return datetime.fromisoformat(raw["t"]), UUID(raw["i"]), bool(raw["r"])
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise ValidationError({"cursor": ["Invalid cursor."]}) from exc


class KeysetPagination(pagination.BasePagination):
    """`{"next", "previous", "results"}` over (occurred_at, id) descending."""

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    page_size = 50
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        # ASCII digits only, and few enough for int() (it refuses "²" and 4,300 digits).
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or int(raw) < 1:
            raise ValidationError({"page_size": ["A positive whole number."]})
        return min(int(raw), self.max_page_size)

    def paginate_queryset(
        self, queryset: QuerySet, request: Request, view: Any = None
    ) -> list[Any]:
        self.request = request
        size = self.get_page_size(request)
        token = request.query_params.get(self.cursor_query_param)
        reverse = False
        if token:
            at, pk, reverse = _decode(token)
            if reverse:
                cond = Q(occurred_at__gt=at) | Q(occurred_at=at, id__gt=pk)
            else:
                cond = Q(occurred_at__lt=at) | Q(occurred_at=at, id__lt=pk)
            queryset = queryset.filter(cond)
        order = ("occurred_at", "id") if reverse else ("-occurred_at", "-id")
        rows = list(queryset.order_by(*order)[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        if reverse:
            rows.reverse()
        self.has_next = bool(rows) and (more if not reverse else True)
        self.has_previous = bool(rows) and (bool(token) if not reverse else more)
        self.page = rows
        return rows

    def _link(self, row: Any, reverse: bool) -> str:
        url = self.request.build_absolute_uri()
        token = _encode({"t": row.occurred_at.isoformat(), "i": str(row.id), "r": reverse})
        return replace_query_param(url, self.cursor_query_param, token)

    def get_next_link(self) -> str | None:
        return self._link(self.page[-1], False) if self.has_next else None

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        return self._link(self.page[0], True)

    def get_paginated_response(self, data: Sequence[Any]) -> Response:
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "in": "query",
                "required": False,
                "description": "From a `next` or `previous` link; any other value is a 400.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "in": "query",
                "required": False,
                "description": f"Default {self.page_size}; above {self.max_page_size} gives "
                f"{self.max_page_size}.",
                "schema": {"type": "integer", "minimum": 1, "maximum": 999_999_999},
            },
        ]

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def first_page_url(self) -> str:
        return remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)
