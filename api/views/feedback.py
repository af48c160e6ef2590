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
from marketplace.models import Feedback, FeedbackReport
from marketplace.selectors import shops
from marketplace.selectors.feedback import feedback_get_for_shop, feedback_of_shop, shop_feedback_summary
from marketplace.services import alerts
from marketplace.services import feedback as services
from marketplace.services.rate_limits import client_address, rate_limit_client, rate_limit_hit


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
        summary = shop_feedback_summary(shop=shop, now=timezone.now())
        return Response(
            {
                "count": summary.count,
                "rating_count": summary.rating_count,
                "average": summary.average,
                "ready_yes": summary.ready_yes,
                "ready_total": summary.ready_total,
                "latest": [_review(item) for item in summary.latest],
            }
        )


class MerchantReviewListView(MerchantView):
    @extend_schema(tags=["merchant"], responses=s.MerchantFeedbackOut(many=True))
    def get(self, request: Request, slug: str) -> Response:
        """The shop's feedback, newest first (the latest 20), published or not yet."""
        return Response(s.MerchantFeedbackOut(feedback_of_shop(shop=self.shop()), many=True).data)


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
