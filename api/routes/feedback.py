"""API routes: feedback after pickup (public and the shop's own) and "tell me when it's here" alerts."""

from django.urls import URLPattern, URLResolver, path

from api.views import feedback

urlpatterns: list[URLPattern | URLResolver] = [
    path("feedback/", feedback.FeedbackCreateView.as_view(), name="api-feedback"),
    path("alerts/", feedback.AlertCreateView.as_view(), name="api-alerts"),
    path("shops/<slug:slug>/reviews/", feedback.ShopReviewsView.as_view(), name="api-shop-reviews"),
    path(
        "shops/<slug:slug>/reviews/<int:feedback_id>/report/",
        feedback.ShopReviewReportView.as_view(),
        name="api-shop-review-report",
    ),
    path(
        "merchant/shops/<slug:slug>/reviews/",
        feedback.MerchantReviewListView.as_view(),
        name="merchant-reviews",
    ),
    path(
        "merchant/shops/<slug:slug>/alerts/",
        feedback.MerchantAlertDemandView.as_view(),
        name="merchant-alert-demand",
    ),
    path(
        "merchant/shops/<slug:slug>/reviews/<int:feedback_id>/answer/",
        feedback.MerchantReviewAnswerView.as_view(),
        name="merchant-review-answer",
    ),
    path(
        "merchant/shops/<slug:slug>/reviews/<int:feedback_id>/report/",
        feedback.MerchantReviewReportView.as_view(),
        name="merchant-review-report",
    ),
]
