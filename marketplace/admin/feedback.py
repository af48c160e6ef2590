"""Admin for reviews (feedback after pickup): merchants read their own (scoped); the city moderates.

Hiding needs a reason (an action with a form, like hiding posts); the shop sees it on my-shop and the
resident on their feedback link. "Keep" closes the reports of a review the city leaves as it is.
Writes go through `marketplace.services.feedback`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from marketplace.admin.tenancy import ShopScopedAdmin
from marketplace.exceptions import DomainError
from marketplace.models import Feedback, FeedbackReport, StockAlert
from marketplace.services import feedback as services


class HideReviewForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the shop and the resident see it)"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


class ReportedFilter(admin.SimpleListFilter):
    title = _("reports")
    parameter_name = "reported"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("open", _("reported, not decided")), ("hidden", _("hidden by the city"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "open":
            return queryset.filter(
                Exists(FeedbackReport.objects.filter(feedback=OuterRef("pk"), handled_at__isnull=True))
            )
        if self.value() == "hidden":
            return queryset.filter(hidden_at__isnull=False)
        return queryset


class ReportInline(admin.TabularInline):
    model = FeedbackReport
    extra = 0
    can_delete = False
    fields = ["by", "reason", "created_at", "handled_at"]
    readonly_fields = ["by", "reason", "created_at", "handled_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Feedback)
class FeedbackAdmin(ShopScopedAdmin):
    list_display = [
        "shop",
        "ready",
        "rating",
        "first_name",
        "created_at",
        "publish_at",
        "answered_at",
        "hidden_at",
    ]
    list_filter = [ReportedFilter, "ready", "rating"]
    search_fields = ["text", "answer", "shop__name"]
    date_hierarchy = "created_at"
    inlines = [ReportInline]
    # Read-only: residents write feedback from their link, shops answer in my-shop or the API.
    readonly_fields = [
        "shop",
        "reservation",
        "ready",
        "rating",
        "text",
        "first_name",
        "created_at",
        "publish_at",
        "answer",
        "answer_public",
        "answered_at",
        "hidden_at",
        "hidden_reason",
        "hidden_by",
    ]
    fields = (*readonly_fields,)
    actions: Any = ["hide", "unhide", "keep"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the city hides with a reason; a deleted review would explain nothing

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("marketplace.moderate_review"))

    @admin.action(description=_("Hide selected reviews (with a reason)"), permissions=["moderate"])
    def hide(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        form = HideReviewForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for feedback in queryset.order_by("pk"):
                try:
                    services.feedback_hide(
                        feedback=feedback, reason=form.cleaned_data["reason"], by=request.user
                    )
                    done += 1
                except DomainError as exc:
                    self.message_user(request, f"{feedback}: {exc.message}", messages.ERROR)
            self.message_user(
                request,
                ngettext("%(count)d review hidden.", "%(count)d reviews hidden.", done) % {"count": done},
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Hide reviews"),
            "reviews": list(queryset.select_related("shop")),
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/marketplace/feedback_hide.html", context)

    @admin.action(description=_("Show selected reviews again"), permissions=["moderate"])
    def unhide(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        count = 0
        for feedback in queryset.filter(hidden_at__isnull=False).order_by("pk"):
            services.feedback_unhide(feedback=feedback)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d review shown again.", "%(count)d reviews shown again.", count)
            % {"count": count},
        )

    @admin.action(description=_("Keep selected reviews (close their reports)"), permissions=["moderate"])
    def keep(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for feedback in queryset.order_by("pk"):
            services.feedback_keep(feedback=feedback)


@admin.register(StockAlert)
class StockAlertAdmin(admin.ModelAdmin):
    """Operators only (no role gets it): residents' alerts, read-only; they end by unsubscribing or expiry."""

    list_display = [
        "__str__",
        "product",
        "radius_km",
        "created_at",
        "confirmed_at",
        "expires_at",
        "last_notified_at",
    ]
    list_filter = ["language"]
    search_fields = ["email", "query"]
    readonly_fields = [
        "email",
        "email_key",
        "query",
        "lexemes",
        "product",
        "location",
        "radius_km",
        "language",
        "created_at",
        "confirmed_at",
        "expires_at",
        "last_notified_at",
        "unsubscribed_at",
    ]
    fields = (*readonly_fields,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
