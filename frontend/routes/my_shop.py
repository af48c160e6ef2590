"""Website routes: the merchant's "my shop" page under /mein-laden/."""

from django.urls import URLPattern, URLResolver, path

from frontend.views import my_shop as views
from frontend.views import my_shop_products as product_views
from frontend.views import my_shop_till as till
from frontend.views import my_shop_voice as voice

app_name = "my_shop"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("bestaetigen/<str:token>/", views.stock_confirm, name="stock-confirm"),
    path("nachrichten/abbestellen/<str:token>/", views.news_unsubscribe, name="unsubscribe"),
    path("<slug:slug>/", views.shop_page, name="shop"),
    path("<slug:slug>/produkte/", views.product_list, name="products"),
    path("<slug:slug>/produkte/<str:sku>/bestand/", views.stock_adjust, name="stock"),
    path("<slug:slug>/produkte/<str:sku>/bestandsart/", product_views.stock_mode_set, name="stock_mode"),
    path("<slug:slug>/produkte/<str:sku>/foto/", product_views.photo_upload, name="photo"),
    path("<slug:slug>/reservierungen/<str:code>/<str:action>/", views.reservation_action, name="reservation"),
    path("<slug:slug>/import/", views.csv_upload, name="import"),
    path("<slug:slug>/kasse/", till.till_page, name="till"),
    path("<slug:slug>/kasse/<str:kind>/einstellungen/", till.till_save, name="till_save"),
    path("<slug:slug>/kasse/<str:kind>/datei/", till.till_upload, name="till_upload"),
    path("<slug:slug>/kasse/<str:kind>/jetzt/", till.till_pull_now, name="till_pull"),
    path("<slug:slug>/scannen/", till.scan_page, name="scan"),
    path("<slug:slug>/scannen/code/", till.scan_lookup, name="scan_lookup"),
    path("<slug:slug>/scannen/listen/", till.scan_list, name="scan_list"),
    path("<slug:slug>/abholung/", views.pickup_settings, name="pickup_settings"),
    path("<slug:slug>/zugang/", views.accessibility_update, name="accessibility"),
    path("<slug:slug>/bewertungen/<int:feedback_id>/antworten/", views.review_answer, name="review_answer"),
    path("<slug:slug>/bewertungen/<int:feedback_id>/melden/", views.review_report, name="review_report"),
    path("<slug:slug>/neu/", voice.post_create, name="post_create"),
    path("<slug:slug>/neu/<int:post_id>/beenden/", voice.post_end, name="post_end"),
    path("<slug:slug>/jobs/", voice.job_create, name="job_create"),
    path("<slug:slug>/jobs/<int:job_id>/beenden/", voice.job_end, name="job_end"),
    path(
        "<slug:slug>/nachrichten/<int:recipient_id>/antwort/<str:answer>/",
        views.city_message_answer,
        name="message_answer",
    ),
    path(
        "<slug:slug>/nachrichten/<int:recipient_id>/ausblenden/",
        views.city_message_dismiss,
        name="message_dismiss",
    ),
    path("<slug:slug>/schluessel/", views.api_key_create, name="key_create"),
    path("<slug:slug>/schluessel/<int:key_id>/widerrufen/", views.api_key_revoke, name="key_revoke"),
]
