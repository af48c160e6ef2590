"""The admin site of Ladenkarte: Django's admin plus the city's workspace (`/admin/stadt/`).

City editors (permission `marketplace.view_city_workspace`, not superusers) land on the workspace instead of
the model index: a start page in their words (to do, the town this week, quick actions), messages to
merchants and the monthly report. Superusers keep the model index and reach the workspace from the header.
Installed through `LadenkarteAdminConfig` below (settings.INSTALLED_APPS); kept out of `marketplace.admin`
and `marketplace.apps` so that importing it registers nothing and Django finds one AppConfig per module.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, include, path, reverse
from django.utils.translation import gettext as _

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

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """Django's login, throttled (decision 1200): login attempts per client (IPv6 by /64) and per user
        name, counted in the shared cache across processes; past the limit `429` with `Retry-After`."""
        if request.method == "POST":
            from marketplace.exceptions import RateLimited
            from marketplace.infrastructure.rate_limits import (
                client_address,
                rate_limit_client,
                rate_limit_hit,
            )

            username = str(request.POST.get("username") or "").strip().lower()[:150]
            name_key = hashlib.sha256(f"{settings.SECRET_KEY}|{username}".encode()).hexdigest()[:40]
            rate = settings.LADENKARTE_ADMIN_LOGIN_RATE
            try:
                rate_limit_hit(
                    bucket="admin_login",
                    client=rate_limit_client(address=client_address(request.META)),
                    rate=rate,
                )
                rate_limit_hit(bucket="admin_login_name", client=f"name:{name_key}", rate=rate)
            except RateLimited as exc:
                response = HttpResponse(
                    _("Too many login attempts. Please try again later."),
                    status=429,
                    content_type="text/plain; charset=utf-8",
                )
                response["Retry-After"] = str(exc.details.get("retry_after", 60))
                return response
        return super().login(request, extra_context)

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().each_context(request)
        context["city_workspace"] = request.user.has_perm(WORKSPACE_PERMISSION)
        return context


class LadenkarteAdminConfig(AdminConfig):
    """Django's admin with Ladenkarte's site."""

    default_site = "marketplace.admin_site.LadenkarteAdminSite"
