"""The resident website and the merchant "my shop" page."""

from django.urls import path

app_name = "frontend"

urlpatterns: list = []  # type: ignore[type-arg]
