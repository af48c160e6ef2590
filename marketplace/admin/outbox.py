"""The outbox in the admin: side effects waiting, retrying or dead; "retry" for dead ones (the city team).

Scoped like the merchants' admin: a merchant sees the rows of its own shops (its webhooks' queue and its
reservations' e-mails); the city's editors and superusers see all.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from marketplace.admin.tenancy import ShopScopedAdmin
from marketplace.models import OutboxMessage
from marketplace.selectors.outbox import outbox_depth
from marketplace.services.outbox import outbox_retry


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ShopScopedAdmin):
    list_display = ["created_at", "kind", "state", "attempts", "due_at", "shop", "last_error"]
    list_filter = ["state", "kind"]
    list_select_related = ["shop"]
    search_fields = ["kind", "last_error", "shop__name"]
    date_hierarchy = "created_at"
    fields = (
        "kind",
        "state",
        "attempts",
        "max_attempts",
        "due_at",
        "created_at",
        "delivered_at",
        "shop",
        "webhook",
        "payload",
        "last_error",
    )
    readonly_fields = fields
    actions = ["retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # rows are written by the services, with their write

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        response = super().changelist_view(request, extra_context)
        if isinstance(response, TemplateResponse) and response.context_data is not None:
            depth = outbox_depth()
            response.context_data["title"] = _(
                "Outbox: %(waiting)d waiting (%(retrying)d retrying), %(dead)d dead, oldest due for %(age)d s"
            ) % {
                "waiting": depth.waiting,
                "retrying": depth.retrying,
                "dead": depth.dead,
                "age": depth.oldest_age_seconds,
            }
        return response

    @admin.action(description=_("Retry selected dead messages"), permissions=["change"])
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        revived = outbox_retry(message_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext(
                "%(n)d message will be delivered again.", "%(n)d messages will be delivered again.", revived
            )
            % {"n": revived},
            messages.SUCCESS if revived else messages.WARNING,
        )
