"""Feedback after pickup in the API (API.md "Feedback"): the resident gives it with the token of the e-mail
link, everyone reads a shop's published reviews, the shop's members read, answer and report."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import idempotent
from api.parsers import JSONParser
from api.serializers import feedback as s
from api.views.merchant import MerchantView
from api.views.public import ErrorSerializer
from marketplace.exceptions import NotFound
from marketplace.infrastructure.rate_limits import client_address, rate_limit_client, rate_limit_hit
from marketplace.models import Feedback, FeedbackReport
from marketplace.selectors import shops
from marketplace.selectors.alerts import alert_demand_for_shop
from marketplace.selectors.feedback import (
    NO_CONFIDENCE,
    feedback_get_for_shop,
    feedback_of_shop,
    published_review_of_shop,
    shop_feedback_summary,
    stock_confidence,
)
from marketplace.services import alerts
from marketplace.services import feedback as services

REPORT_RATE = "10/h"  # as the website's report button


def _valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _review(feedback: Feedback) -> dict[str, Any]:
    return {
        "id": feedback.pk,
        "first_name": feedback.first_name,
        "ready": feedback.ready,
        "rating": feedback.rating,
        "text": feedback.text,
        "created_at": feedback.created_at,
        "answer": feedback.answer if feedback.answer_public else None,
    }


class FeedbackCreateView(APIView):
    """Give feedback for a collected reservation, once, with the token from the e-mail link."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    parser_classes = [JSONParser]  # JSON only, as the schema says

    @extend_schema(
        tags=["residents"],
        request=s.FeedbackIn,
        responses={
            201: s.ReviewOut,
            404: OpenApiResponse(ErrorSerializer, description="`feedback_link_invalid`"),
        },
    )
    def post(self, request: Request) -> Response:
        """`404 feedback_link_invalid` for an altered or expired link (30 days after the pickup);
        `409 feedback_not_possible` when the reservation was not collected or feedback was already given."""
        data = _valid(s.FeedbackIn, request.data)
        feedback = services.feedback_give(
            token=data["token"],
            data=services.FeedbackInput(ready=data["ready"], rating=data["rating"], text=data["text"]),
        )
        return Response(_review(feedback), status=status.HTTP_201_CREATED)


class ShopReviewsView(APIView):
    """A shop's published reviews: counts, the average (from 5 ratings on) and the latest with answers."""

    permission_classes = [AllowAny]

    @extend_schema(tags=["residents"], responses=s.ReviewSummaryOut)
    def get(self, request: Request, slug: str) -> Response:
        shop = shops.shop_get_public(slug=slug)
        now = timezone.now()
        summary = shop_feedback_summary(shop=shop, now=now)
        confidence = stock_confidence(shop_ids=[shop.pk], now=now).get(shop.pk, NO_CONFIDENCE)
        return Response(
            {
                "count": summary.count,
                "rating_count": summary.rating_count,
                "average": summary.average,
                "ready_yes": summary.ready_yes,
                "ready_total": summary.ready_total,
                "stock_confidence": {"share": confidence.share, "signals": confidence.signals},
                "latest": [_review(item) for item in summary.latest],
            }
        )


class ShopReviewReportView(APIView):
    """A resident reports a published review that breaks the rules (the website's report button)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    @extend_schema(
        tags=["residents"],
        request=s.ReportIn,
        responses={
            204: None,
            404: OpenApiResponse(ErrorSerializer, description="`not_found`: no such published review"),
            429: OpenApiResponse(ErrorSerializer, description="`rate_limited`: more than 10 an hour"),
        },
    )
    def post(self, request: Request, slug: str, feedback_id: int) -> Response:
        """The city's to-do list picks it up; the city hides it with a reason, or keeps it."""
        shop = shops.shop_get_public(slug=slug)
        feedback = published_review_of_shop(shop=shop, feedback_id=feedback_id)
        if feedback is None:
            raise NotFound
        data = _valid(s.ReportIn, request.data)
        rate_limit_hit(
            bucket="review_report",
            client=rate_limit_client(address=client_address(request.META)),
            rate=REPORT_RATE,
        )
        services.feedback_report(feedback=feedback, by=FeedbackReport.By.RESIDENT, reason=data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MerchantReviewListView(MerchantView):
    @extend_schema(tags=["merchant"], responses=s.MerchantFeedbackOut(many=True))
    def get(self, request: Request, slug: str) -> Response:
        """The shop's feedback, newest first (the latest 20), published or not yet."""
        return Response(s.MerchantFeedbackOut(feedback_of_shop(shop=self.shop()), many=True).data)


class MerchantAlertDemandView(MerchantView):
    @extend_schema(tags=["merchant"], responses=s.AlertDemandOut)
    def get(self, request: Request, slug: str) -> Response:
        """What residents near the shop wait for ("tell me when it's here"): people per product of the shop
        and per search text whose radius covers the shop; counts only (a text only from 2 people on)."""
        demand = alert_demand_for_shop(shop=self.shop())
        return Response(
            {
                "products": [
                    {"product_id": row.product_id, "title": row.product_title, "people": row.people}
                    for row in demand.products
                ],
                "texts": [{"text": row.text, "people": row.people} for row in demand.texts],
                "rare_texts": demand.rare_texts,
            }
        )


class _MerchantReviewView(MerchantView):
    def feedback(self) -> Feedback:
        item = feedback_get_for_shop(shop=self.shop(), feedback_id=int(self.kwargs["feedback_id"]))
        if item is None:
            raise NotFound
        return item


class MerchantReviewAnswerView(_MerchantReviewView):
    @extend_schema(tags=["merchant"], request=s.AnswerIn, responses=s.MerchantFeedbackOut)
    @idempotent(required_for_api_keys=False)
    def post(self, request: Request, slug: str, feedback_id: int) -> Response:
        """Answer privately (`public: false`: an e-mail to the customer) or publicly; replaces the last."""
        data = _valid(s.AnswerIn, request.data)
        user = request.user if getattr(request.user, "is_authenticated", False) else None
        item = services.feedback_answer(
            feedback=self.feedback(), text=data["answer"], public=data["public"], by=user
        )
        return Response(s.MerchantFeedbackOut(item).data)


class MerchantReviewReportView(_MerchantReviewView):
    @extend_schema(tags=["merchant"], request=s.ReportIn, responses={204: None})
    def post(self, request: Request, slug: str, feedback_id: int) -> Response:
        """Report a review that breaks the rules; the city decides (hide with a reason, or keep)."""
        data = _valid(s.ReportIn, request.data)
        services.feedback_report(
            feedback=self.feedback(), by=FeedbackReport.By.MERCHANT, reason=data["reason"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class AlertCreateView(APIView):
    """ "Tell me when it's here": leave an e-mail address for a query or a product near a point."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    parser_classes = [JSONParser]  # JSON only, as the schema says

    @extend_schema(tags=["residents"], request=s.AlertIn, responses={202: s.AlertOut})
    def post(self, request: Request) -> Response:
        """Double opt-in: a confirmation e-mail is sent; the alert runs 30 days from confirming (renewable
        from every e-mail), at most one e-mail a day, unsubscribe in every e-mail. `409 too_many_alerts` past
        `LADENKARTE_MAX_ALERTS_PER_EMAIL` live alerts of one person; `429 rate_limited` past 10 an hour."""
        data = _valid(s.AlertIn, request.data)
        rate_limit_hit(
            bucket="stock_alert", client=rate_limit_client(address=client_address(request.META)), rate="10/h"
        )
        alerts.alert_create(
            request=alerts.AlertRequest(
                email=data["email"],
                query=data["query"],
                product_id=data["product"],
                lat=data["lat"],
                lng=data["lng"],
                radius_km=data["radius_km"],
                language=data["language"],
            )
        )
        return Response({"status": "confirmation_sent"}, status=status.HTTP_202_ACCEPTED)
