"""The public API, version 1 (API.md). Each topic has its own route module."""

from django.urls import include, path

urlpatterns = [
    path("", include("api.routes.public")),  # search, shops, products, categories
    path("", include("api.routes.reservations")),  # residents' reservations
    path("", include("api.routes.city")),  # collections, featured shops
    path("merchant/", include("api.routes.merchant")),  # merchant API (API key or shop member session)
    path("", include("api.routes.voice")),  # posts and job postings (public and merchant)
    path("", include("api.routes.feedback")),  # feedback after pickup, alerts
    path("", include("api.routes.till")),  # till connectors' signed pushes
]
