"""Website routes: the residents' pages (German paths; English under /en/ through i18n_patterns)."""

from django.contrib.sitemaps.views import index as sitemap_index
from django.contrib.sitemaps.views import sitemap
from django.urls import URLPattern, URLResolver, path

from frontend import feeds
from frontend.sitemaps import SITEMAPS
from frontend.views import alerts, feedback, public, reservations, search, seo, share, voice

app_name = "public"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", public.home, name="home"),
    path("suche/", search.search, name="search"),
    path("produkt/<int:pk>/", public.product_detail, name="product-short"),
    path("produkt/<int:pk>-<slug:slug>/", public.product_detail, name="product"),
    path("produkt/<int:pk>/reservieren/", reservations.reserve, name="reserve"),
    path("laden/<slug:slug>/", public.shop_detail, name="shop"),
    path(
        "laden/<slug:slug>/bewertungen/<int:feedback_id>/melden/",
        feedback.review_report,
        name="review-report",
    ),
    path("bewertung/<str:token>/", feedback.feedback_page, name="feedback"),
    path("bewertungen/regeln/", feedback.rules, name="review-rules"),
    path("benachrichtigung/", alerts.alert_request, name="alert"),
    path("benachrichtigung/<str:action>/<str:token>/", alerts.alert_action, name="alert-action"),
    path("reservierung/<str:code>/", reservations.status, name="reservation"),
    path("reservierung/<str:code>/bestaetigung/", reservations.confirmation, name="reservation-confirmation"),
    path("reservierung/<str:code>/stornieren/", reservations.cancel, name="reservation-cancel"),
    path("reservierung/<str:code>/verschieben/", reservations.move, name="reservation-move"),
    path("reservierung/<str:code>/bestaetigen/", reservations.confirm_hold, name="reservation-confirm-hold"),
    path("reservierung/<str:code>/kalender.ics", reservations.calendar, name="reservation-ics"),
    path("sammlungen/", public.collections, name="collections"),
    path("sammlungen/<slug:slug>/", public.collection_detail, name="collection"),
    path("im-fokus/", public.featured, name="featured"),
    # the shops' own voice: posts, jobs, share cards, poster, feeds (decision 1800)
    path("neu/", voice.news, name="news"),
    path("neu/<int:pk>/", voice.post_detail, name="post"),
    path("neu/rss/", feeds.NewsFeed(), name="news-rss"),
    path("neu/atom/", feeds.NewsAtomFeed(), name="news-atom"),
    path("jobs/", voice.jobs, name="jobs"),
    path("jobs/<int:pk>/", voice.job_detail, name="job"),
    path("jobs/rss/", feeds.JobsFeed(), name="jobs-rss"),
    path("jobs/atom/", feeds.JobsAtomFeed(), name="jobs-atom"),
    path("laden/<slug:slug>/neu/rss/", feeds.ShopNewsFeed(), name="shop-news-rss"),
    path("laden/<slug:slug>/neu/atom/", feeds.ShopNewsAtomFeed(), name="shop-news-atom"),
    path("laden/<slug:slug>/aushang.pdf", share.shop_poster, name="shop-poster"),
    path("teilen/<str:kind>/<int:pk>/<str:digest>-<str:fmt>.png", share.share_image, name="share-image"),
    path("impressum/", public.imprint, name="imprint"),
    path("datenschutz/", public.privacy, name="privacy"),
    path("robots.txt", seo.robots, name="robots"),
    path(
        "sitemap.xml",
        sitemap_index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "public:sitemap-section"},
        name="sitemap",
    ),
    path("sitemap-<section>.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap-section"),
]
