"""The admin site of Ladenkarte: Django's admin plus the city's workspace (`/admin/stadt/`).

City editors (permission `marketplace.view_city_workspace`, not superusers) land on the workspace instead of
the model index: a start page in their words (to do, the town this week, quick actions), messages to
merchants and the monthly report. Superusers keep the model index and reach the workspace from the header.
Installed through `LadenkarteAdminConfig` below (settings.INSTALLED_APPS); kept out of `marketplace.admin`
and `marketplace.apps` so that importing it registers nothing and Django finds one AppConfig per module.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, include, path, reverse

WORKSPACE_PERMISSION = "marketplace.view_city_workspace"


def lands_on_workspace(user: Any) -> bool:
    """The city's editors start on the workspace; superusers and merchants on the model index."""
    return bool(user.is_active and not user.is_superuser and user.has_perm(WORKSPACE_PERMISSION))


class LadenkarteAdminSite(admin.AdminSite):
    index_template = "admin/marketplace/workspace/index.html"

    def get_urls(self) -> list[URLPattern | URLResolver]:
        from marketplace.admin import workspace

        return [
            path("stadt/", include(workspace.urls(self))),
            *super().get_urls(),
        ]

    def index(  # type: ignore[override]
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse | HttpResponseRedirect:
        if lands_on_workspace(request.user) and "models" not in request.GET:
            return HttpResponseRedirect(reverse("admin:city_workspace", current_app=self.name))
        return super().index(request, extra_context)

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().each_context(request)
        context["city_workspace"] = request.user.has_perm(WORKSPACE_PERMISSION)
        return context


class LadenkarteAdminConfig(AdminConfig):
    """Django's admin with Ladenkarte's site."""

    default_site = "marketplace.admin_site.LadenkarteAdminSite"
