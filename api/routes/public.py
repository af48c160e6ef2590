"""API routes: the residents' read API (search, shops, map, hours, products, categories)."""

from django.urls import URLPattern, URLResolver, path

from api.views import public

urlpatterns: list[URLPattern | URLResolver] = [
    path("search/", public.SearchView.as_view(), name="api-search"),
    path("shops/", public.ShopListView.as_view(), name="api-shop-list"),
    path("shops/map/", public.ShopMapView.as_view(), name="api-shop-map"),
    path("shops/<slug:slug>/", public.ShopDetailView.as_view(), name="api-shop-detail"),
    path("shops/<slug:slug>/hours/", public.ShopHoursView.as_view(), name="api-shop-hours"),
    path("shops/<slug:slug>/products/", public.ShopProductsView.as_view(), name="api-shop-products"),
    path("products/<int:pk>/", public.ProductDetailView.as_view(), name="api-product-detail"),
    path("categories/", public.CategoryTreeView.as_view(), name="api-category-tree"),
]
