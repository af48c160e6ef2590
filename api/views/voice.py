"""Posts and job postings in the API: the town feed and jobs for everyone, writes for the shop's members.

Public lists answer only what the website shows (live posts, open jobs of active shops). Merchant
endpoints find the shop through `shop_get_for_member` (404 for other shops) and write through the services.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import idempotent
from api.pagination import PageNumberPagination
from api.parsers import FormParser, JSONParser, MultiPartParser
from api.serializers import voice as s
from api.views.merchant import MerchantView
from marketplace.models import JobPosting, Post
from marketplace.selectors import jobs as job_selectors
from marketplace.selectors import posts as post_selectors
from marketplace.selectors.shops import Near
from marketplace.services import jobs, posts
from marketplace.services.jobs import JobInput, town_today
from marketplace.services.posts import PostInput

RADIUS_MAX_KM = 50.0


class FeedQuery(serializers.Serializer):
    category = serializers.SlugField(required=False, default="")
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
    lng = serializers.FloatField(required=False, min_value=-180, max_value=180)
    radius_km = serializers.FloatField(required=False, min_value=0.1, max_value=RADIUS_MAX_KM, default=5.0)
    shop = serializers.SlugField(required=False, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("lat" in attrs) != ("lng" in attrs):
            raise serializers.ValidationError({"lat": ["Send lat and lng together."]})
        return attrs


class JobQuery(serializers.Serializer):
    kind = serializers.ChoiceField(choices=JobPosting.Kind.choices, required=False, default="")
    category = serializers.SlugField(required=False, default="")
    shop = serializers.SlugField(required=False, default="")


def _valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class PostFeedView(APIView):
    """The town feed: live posts of active shops, newest first."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    pagination_class = PageNumberPagination  # for the schema: the answer is a page

    @extend_schema(
        tags=["residents"],
        parameters=[FeedQuery],
        responses=s.PostOut(many=True),
        summary="Live posts of the town's shops",
    )
    def get(self, request: Request) -> Response:
        query = _valid(FeedQuery, request.query_params.dict())  # `shop=` is invalid, not "not sent"
        near = (
            Near(lat=query["lat"], lng=query["lng"], radius_km=query["radius_km"]) if "lat" in query else None
        )
        feed = post_selectors.posts_feed(now=timezone.now(), category_slug=query["category"], near=near)
        if query["shop"]:
            feed = feed.filter(shop__slug=query["shop"])
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(feed, request, view=self)
        return paginator.get_paginated_response(s.PostOut(page, many=True).data)


class JobListView(APIView):
    """Open job postings of active shops, featured first."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    pagination_class = PageNumberPagination  # for the schema: the answer is a page

    @extend_schema(
        tags=["residents"], parameters=[JobQuery], responses=s.JobOut(many=True), summary="Open jobs"
    )
    def get(self, request: Request) -> Response:
        query = _valid(JobQuery, request.query_params.dict())  # `kind=` is invalid, not "not sent"
        found = job_selectors.jobs_live(
            today=town_today(timezone.now()), kind=query["kind"], category_slug=query["category"]
        )
        if query["shop"]:
            found = found.filter(shop__slug=query["shop"])
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(found, request, view=self)
        return paginator.get_paginated_response(s.JobOut(page, many=True).data)


class JobDetailView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(tags=["residents"], responses=s.JobOut, summary="One open job")
    def get(self, request: Request, pk: int) -> Response:
        job = job_selectors.job_get_public(job_id=pk, today=town_today(timezone.now()))
        return Response(s.JobOut(job).data)


# --- merchant ----------------------------------------------------------------------------------------------


class MerchantPostListView(MerchantView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def body_limit(self) -> int:
        from django.conf import settings

        return int(settings.LADENKARTE_UPLOAD_MAX_BYTES) + 64 * 1024

    @extend_schema(tags=["merchant"], responses=s.MerchantPostOut(many=True))
    def get(self, request: Request, slug: str) -> Response:
        """The shop's recent posts: live, upcoming, hidden by the city (with reason) and just ended."""
        return Response(
            s.MerchantPostOut(
                post_selectors.posts_for_member(shop=self.shop(), now=timezone.now()), many=True
            ).data
        )

    @extend_schema(
        tags=["merchant"],
        request={"application/json": s.PostIn, "multipart/form-data": s.PostIn},
        responses={201: s.MerchantPostOut},
    )
    @idempotent(required_for_api_keys=False)
    def post(self, request: Request, slug: str) -> Response:
        """Write a post (limit per shop and day: 429 `post_limit_reached`); a photo is sent as multipart."""
        shop = self.shop()
        if not isinstance(request.data, Mapping):  # a JSON list or string: the serializer's 400 says why
            _valid(s.PostIn, request.data)
        data = request.data.copy() if hasattr(request.data, "copy") else dict(request.data)
        if hasattr(request.data, "getlist") and "product_ids" in request.data:
            data = {
                **{k: request.data.get(k) for k in request.data},
                "product_ids": request.data.getlist("product_ids"),
            }
        values = _valid(s.PostIn, data)
        photo = values.pop("photo", None)
        post = posts.post_create(
            shop=shop,
            data=PostInput(
                kind=values["kind"],
                title=values["title"],
                text=values["text"],
                starts_at=values["starts_at"],
                ends_at=values["ends_at"],
                product_ids=values["product_ids"],
                photo=photo.read() if photo else None,
            ),
            user=request.user if request.user.is_authenticated else None,
        )
        return Response(s.MerchantPostOut(post).data, status=status.HTTP_201_CREATED)


class MerchantPostDetailView(MerchantView):
    def _post(self, post_id: int) -> Post:
        return post_selectors.post_get_for_shop(shop=self.shop(), post_id=post_id)

    @extend_schema(tags=["merchant"], responses=s.MerchantPostOut)
    def get(self, request: Request, slug: str, post_id: int) -> Response:
        return Response(s.MerchantPostOut(self._post(post_id)).data)

    @extend_schema(tags=["merchant"], responses={200: s.MerchantPostOut})
    def delete(self, request: Request, slug: str, post_id: int) -> Response:
        """Take the post down now (it stays in the shop's list and counts for the daily limit)."""
        return Response(s.MerchantPostOut(posts.post_end(post=self._post(post_id))).data)


class MerchantJobListView(MerchantView):
    @extend_schema(tags=["merchant"], responses=s.JobOut(many=True))
    def get(self, request: Request, slug: str) -> Response:
        """The shop's postings: open ones and those that ended in the last 30 days."""
        return Response(
            s.JobOut(
                job_selectors.jobs_for_member(shop=self.shop(), today=town_today(timezone.now())), many=True
            ).data
        )

    @extend_schema(tags=["merchant"], request=s.JobIn, responses={201: s.JobOut})
    @idempotent(required_for_api_keys=False)
    def post(self, request: Request, slug: str) -> Response:
        """Post a job (limits: open postings per shop, new postings per day: 429 `job_limit_reached`)."""
        shop = self.shop()  # 404 for other shops before anything about the input is said
        values = _valid(s.JobIn, request.data)
        job = jobs.job_create(shop=shop, data=JobInput(**values))
        return Response(s.JobOut(job).data, status=status.HTTP_201_CREATED)


class MerchantJobDetailView(MerchantView):
    def _job(self, job_id: int) -> JobPosting:
        return job_selectors.job_get_for_shop(shop=self.shop(), job_id=job_id)

    @extend_schema(tags=["merchant"], responses=s.JobOut)
    def get(self, request: Request, slug: str, job_id: int) -> Response:
        return Response(s.JobOut(self._job(job_id)).data)

    @extend_schema(tags=["merchant"], request=s.JobUpdateIn, responses=s.JobOut)
    def patch(self, request: Request, slug: str, job_id: int) -> Response:
        """Change a posting; a later `valid_through` sends another reminder before the new end."""
        job = self._job(job_id)
        changes = _valid(s.JobUpdateIn, request.data)
        return Response(s.JobOut(jobs.job_update(job=job, changes=changes)).data)

    @extend_schema(tags=["merchant"], responses={200: s.JobOut})
    def delete(self, request: Request, slug: str, job_id: int) -> Response:
        """End the posting now (valid through yesterday)."""
        return Response(s.JobOut(jobs.job_end(job=self._job(job_id))).data)
