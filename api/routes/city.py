"""API routes: the city's collections and featured shops, and the feeds (docs/feeds.md)."""

from django.urls import URLPattern, URLResolver, path

from api.views import city

urlpatterns: list[URLPattern | URLResolver] = [
    path("collections/", city.CollectionListView.as_view(), name="api-collection-list"),
    path("collections/<slug:slug>/", city.CollectionDetailView.as_view(), name="api-collection-detail"),
    path("featured-shops/", city.FeaturedShopListView.as_view(), name="api-featured-shop-list"),
    path(
        "feeds/google-local-inventory/",
        city.GoogleLocalInventoryFeedView.as_view(),
        name="api-feed-google-local-inventory",
    ),
    path("feeds/opening-hours/", city.OsmOpeningHoursFeedView.as_view(), name="api-feed-opening-hours"),
    path("city/data-health/", city.DataHealthView.as_view(), name="api-city-data-health"),
]
