"""API routes: till pushes (under /api/v1/till-push/), signed per connector, no key or login."""

from django.urls import URLPattern, URLResolver, path

from api.views import till as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("till-push/<int:connector_id>/", views.TillPushView.as_view(), name="till-push"),
]
