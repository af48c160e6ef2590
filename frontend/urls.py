"""The website: residents' pages, the merchant "my shop" page, the city's public shop registration."""

from django.urls import include, path

urlpatterns = [
    path("", include("frontend.routes.public")),
    path("mein-laden/", include("frontend.routes.my_shop")),
    path("", include("frontend.routes.city")),
]
