"""API routes: posts and job postings (public under /api/v1/, the shop's own under /api/v1/merchant/)."""

from django.urls import URLPattern, URLResolver, path

from api.views import voice

urlpatterns: list[URLPattern | URLResolver] = [
    path("posts/", voice.PostFeedView.as_view(), name="api-posts"),
    path("jobs/", voice.JobListView.as_view(), name="api-jobs"),
    path("jobs/<int:pk>/", voice.JobDetailView.as_view(), name="api-job-detail"),
    path("merchant/shops/<slug:slug>/posts/", voice.MerchantPostListView.as_view(), name="merchant-posts"),
    path(
        "merchant/shops/<slug:slug>/posts/<int:post_id>/",
        voice.MerchantPostDetailView.as_view(),
        name="merchant-post",
    ),
    path("merchant/shops/<slug:slug>/jobs/", voice.MerchantJobListView.as_view(), name="merchant-jobs"),
    path(
        "merchant/shops/<slug:slug>/jobs/<int:job_id>/",
        voice.MerchantJobDetailView.as_view(),
        name="merchant-job",
    ),
]
