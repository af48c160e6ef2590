"""The public API, version 1 (API.md). Each topic module adds its routes here."""

from django.urls import path

app_name = "api"

urlpatterns: list = []  # type: ignore[type-arg]
