"""Page-number pagination with a hard `page_size` cap that errors instead of silently clamping."""

from __future__ import annotations

from typing import Any

from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

MAX_PAGE_SIZE = 100


def page_size_from(request: Request, default: int = 20) -> int:
    """Read `page_size` (1..100) from the query string; a bad value is a validation error."""
    raw = request.query_params.get("page_size")
    if raw is None:
        return default
    try:
        size = int(raw)
    except ValueError:
        raise ValidationError({"page_size": ["A whole number is required."]}) from None
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ValidationError({"page_size": [f"Ensure this value is between 1 and {MAX_PAGE_SIZE}."]})
    return size


def page_from(request: Request) -> int:
    raw = request.query_params.get("page")
    if raw is None:
        return 1
    try:
        page = int(raw)
    except ValueError:
        raise ValidationError({"page": ["A whole number is required."]}) from None
    if page < 1:
        raise ValidationError({"page": ["Ensure this value is greater than or equal to 1."]})
    return page


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request: Request) -> int:
        return page_size_from(request, self.page_size)

    def get_page_number(self, request: Request, paginator: Any) -> int:
        return page_from(request)  # a whole number >= 1; `page=` or `page=x` is a 400

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        params = super().get_schema_operation_parameters(view)
        for param in params:
            if param["name"] == "page":
                param["schema"] = {"type": "integer", "minimum": 1}
            if param["name"] == "page_size":
                param["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 20}
        return params
