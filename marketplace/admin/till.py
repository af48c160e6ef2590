"""Admin: the shops' till connectors (status, last error, last success), read-only for the city (issue 16)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from marketplace.models import GtinProduct, TillConnector


@admin.register(TillConnector)
class TillConnectorAdmin(admin.ModelAdmin):
    """What each shop's till sync did last; credentials are never shown (they are stored sealed)."""

    list_display = ("shop", "kind", "state", "last_success_at", "last_error", "last_error_at", "active")
    list_filter = ("kind", "state", "active")
    search_fields = ("shop__name",)
    fields = (
        "shop",
        "kind",
        "active",
        "state",
        "last_run_at",
        "last_success_at",
        "last_error",
        "last_error_at",
        "last_report",
        "cursor",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(GtinProduct)
class GtinProductAdmin(admin.ModelAdmin):
    """The open product data (loaded by `manage.py import_product_data`), for looking a code up."""

    list_display = ("gtin", "name", "brand", "quantity", "source")
    search_fields = ("=gtin", "name")
    list_filter = ("source",)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
