"""Admin for posts and job postings: merchants see their own (scoped), the city moderates and features.

Hiding a post needs a reason (an action with a form, like the shop decisions); the shop sees the reason on
its my-shop page. Writes go through `marketplace.services.posts` / `jobs`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from marketplace.admin.tenancy import ShopScopedAdmin, sees_all_shops
from marketplace.exceptions import DomainError
from marketplace.models import JobPosting, Post
from marketplace.services import jobs, posts


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the shop sees it)"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


class PostStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("live", _("shown now")), ("hidden", _("hidden by the city")), ("ended", _("ended"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        if self.value() == "live":
            return queryset.filter(hidden_at__isnull=True, starts_at__lte=now, ends_at__gt=now)
        if self.value() == "hidden":
            return queryset.filter(hidden_at__isnull=False)
        if self.value() == "ended":
            return queryset.filter(ends_at__lte=now)
        return queryset


@admin.register(Post)
class PostAdmin(ShopScopedAdmin):
    list_display = ["title", "shop", "kind", "starts_at", "ends_at", "hidden_at", "hidden_reason"]
    list_filter = [PostStateFilter, "kind"]
    search_fields = ["title", "text", "shop__name"]
    date_hierarchy = "created_at"
    # Read-only here: posts are written in my-shop or through the API (limits, photo processing, products
    # of the shop's own); the admin lists them, ends them and the city hides them with a reason.
    readonly_fields = [
        "shop",
        "kind",
        "title",
        "text",
        "photo",
        "starts_at",
        "ends_at",
        "products",
        "created_at",
        "created_by",
        "hidden_at",
        "hidden_reason",
        "hidden_by",
    ]
    fields = (*readonly_fields,)
    actions: Any = ["hide", "unhide", "end_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # ended and hidden posts stay: they count for the daily limit and explain a hiding

    def has_hide_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("marketplace.hide_post"))

    @admin.action(description=_("Hide selected posts (with a reason)"), permissions=["hide"])
    def hide(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        if not self.has_hide_permission(request):
            raise PermissionDenied
        form = HideForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for post in queryset.order_by("pk"):
                try:
                    posts.post_hide(post=post, reason=form.cleaned_data["reason"], by=request.user)
                    done += 1
                except DomainError as exc:
                    self.message_user(request, f"{post.title}: {exc.message}", messages.ERROR)
            self.message_user(
                request,
                ngettext("%(count)d post hidden.", "%(count)d posts hidden.", done) % {"count": done},
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Hide posts"),
            "posts": list(queryset.select_related("shop")),
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/marketplace/post_hide.html", context)

    @admin.action(description=_("Show selected posts again"), permissions=["hide"])
    def unhide(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        count = 0
        for post in queryset.filter(hidden_at__isnull=False).order_by("pk"):
            posts.post_unhide(post=post)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d post shown again.", "%(count)d posts shown again.", count) % {"count": count},
        )

    @admin.action(description=_("End selected posts now"), permissions=["change"])
    def end_now(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for post in queryset.order_by("pk"):
            posts.post_end(post=post)


@admin.register(JobPosting)
class JobPostingAdmin(ShopScopedAdmin):
    list_display = ["title", "shop", "kind", "hours_per_week", "valid_through", "featured"]
    list_filter = ["kind", "featured"]
    search_fields = ["title", "description", "shop__name"]
    readonly_fields = ["created_at", "expiry_reminder_sent_at"]
    actions: Any = ["feature", "unfeature"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # written in my-shop or through the API (limits)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a shop ends a posting; the row stays

    def has_feature_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("marketplace.feature_jobposting"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if sees_all_shops(request) and not request.user.is_superuser:
            # the city features a posting, it does not rewrite it
            return [f.name for f in JobPosting._meta.fields if f.name not in ("id", "featured")]
        fixed = [*self.readonly_fields, "shop"]
        if not self.has_feature_permission(request):
            fixed.append("featured")
        return fixed

    def save_model(self, request: HttpRequest, obj: JobPosting, form: Any, change: bool) -> None:
        if not change:
            return super().save_model(request, obj, form, change)
        changes = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in jobs.JobInput.__dataclass_fields__
        }
        if changes:
            try:
                obj = jobs.job_update(job=obj, changes=changes)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return None
        if "featured" in form.changed_data:
            jobs.job_feature(job=obj, featured=form.cleaned_data["featured"])
        return None

    @admin.action(description=_("Feature selected jobs"), permissions=["feature"])
    def feature(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for job in queryset.order_by("pk"):
            jobs.job_feature(job=job, featured=True)

    @admin.action(description=_("Stop featuring selected jobs"), permissions=["feature"])
    def unfeature(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for job in queryset.order_by("pk"):
            jobs.job_feature(job=job, featured=False)
