"""Admin for reservations (scoped to members, `tenancy`): state changes go through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from marketplace.admin.tenancy import (
    ReadOnlyInline,
    ShopScopedAdmin,
)
from marketplace.exceptions import DomainError
from marketplace.models import (
    Reservation,
    ReservationLine,
)

# --- reservations ---------------------------------------------------------------------------------------


class ReservationLineInline(ReadOnlyInline):
    model = ReservationLine
    fields = ["product", "quantity", "unit_price"]
    readonly_fields = ["product", "quantity", "unit_price"]


@admin.register(Reservation)
class ReservationAdmin(ShopScopedAdmin):
    list_display = ["code", "shop", "customer_name", "status", "pickup_from", "expires_at", "stock_conflict"]
    list_filter = ["status", "stock_conflict"]
    search_fields = ["code", "customer_name", "customer_email"]
    list_select_related = ["shop"]
    date_hierarchy = "created_at"
    inlines = [ReservationLineInline]
    actions = ["mark_ready", "mark_collected", "mark_no_show"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in Reservation._meta.fields if field.name != "token_hash"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_readonly_fields(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # residents reserve; the merchant acts on reservations

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _transition(self, request: HttpRequest, queryset: QuerySet[Reservation], action: str) -> None:
        from marketplace.services import reservations as services

        actor = services.Actor(user=request.user)
        done = 0
        for reservation in queryset.order_by("pk"):
            try:
                if action == "ready":
                    services.reservation_mark_ready(reservation=reservation)
                elif action == "collected":
                    services.reservation_collect(reservation=reservation, actor=actor)
                else:
                    services.reservation_mark_no_show(reservation=reservation, actor=actor)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{reservation.code}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(
                request, ngettext("%d reservation updated.", "%d reservations updated.", done) % done
            )

    @admin.action(description=_("Mark as ready for pickup"), permissions=["change"])
    def mark_ready(self, request: HttpRequest, queryset: QuerySet[Reservation]) -> None:
        self._transition(request, queryset, "ready")

    @admin.action(description=_("Mark as collected"), permissions=["change"])
    def mark_collected(self, request: HttpRequest, queryset: QuerySet[Reservation]) -> None:
        self._transition(request, queryset, "collected")

    @admin.action(description=_("Mark as not collected (no-show)"), permissions=["change"])
    def mark_no_show(self, request: HttpRequest, queryset: QuerySet[Reservation]) -> None:
        self._transition(request, queryset, "no_show")
