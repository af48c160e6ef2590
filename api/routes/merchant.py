"""API routes: merchant (under /api/v1/merchant/). A key or member reaches only its own shops."""

from django.urls import URLPattern, URLResolver, path

from api.views import merchant as views
from api.views import merchant_photos as photo_views
from api.views import merchant_reservations as reservation_views

SHOP = "shops/<slug:slug>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path(f"{SHOP}products/", views.ProductListView.as_view(), name="merchant-products"),
    path(f"{SHOP}products/<str:sku>/", views.ProductDetailView.as_view(), name="merchant-product"),
    path(
        f"{SHOP}products/<str:sku>/photo/",
        photo_views.ProductPhotoView.as_view(),
        name="merchant-product-photo",
    ),
    path(f"{SHOP}inventory/", views.InventorySyncView.as_view(), name="merchant-inventory"),
    path(f"{SHOP}inventory/import/", views.CsvImportView.as_view(), name="merchant-inventory-import"),
    path(f"{SHOP}inventory/imports/<int:job_id>/", views.ImportJobView.as_view(), name="merchant-import-job"),
    path(f"{SHOP}hours/", views.HoursView.as_view(), name="merchant-hours"),
    path(f"{SHOP}pickup-settings/", views.PickupSettingsView.as_view(), name="merchant-pickup-settings"),
    path(f"{SHOP}accessibility/", views.AccessibilityView.as_view(), name="merchant-accessibility"),
    path(f"{SHOP}special-days/", views.SpecialDayListView.as_view(), name="merchant-special-days"),
    path(f"{SHOP}special-days/<str:day>/", views.SpecialDayDetailView.as_view(), name="merchant-special-day"),
    path(f"{SHOP}webhooks/", views.WebhookListView.as_view(), name="merchant-webhooks"),
    path(f"{SHOP}webhooks/<int:webhook_id>/", views.WebhookDetailView.as_view(), name="merchant-webhook"),
    path(
        f"{SHOP}webhooks/<int:webhook_id>/deliveries/",
        views.WebhookDeliveryListView.as_view(),
        name="merchant-webhook-deliveries",
    ),
    path(
        f"{SHOP}reservations/",
        reservation_views.MerchantReservationListView.as_view(),
        name="merchant-reservations",
    ),
    *(
        path(
            f"{SHOP}reservations/<str:code>/{action}/",
            reservation_views.action_view(action),
            name=f"merchant-reservation-{action}",
        )
        for action in ("ready", "collect", "cancel", "no-show")
    ),
]
