"""Serializers of feedback after pickup and alerts (decision 1700): separate input and output."""

from __future__ import annotations

from rest_framework import serializers

from api.serializers.merchant import StrictInput
from api.serializers.search import StockConfidenceSerializer
from marketplace.models import Feedback
from marketplace.services.feedback import REASON_MAX, TEXT_MAX


class FeedbackIn(StrictInput):
    token = serializers.CharField(help_text="The token of the link in the e-mail after the pickup.")
    ready = serializers.ChoiceField(
        choices=Feedback.Ready.values, help_text="Was everything there and ready?"
    )
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True, default=None)
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT_MAX)


class ReviewOut(serializers.Serializer):
    """A published review as residents see it: a first name only."""

    id = serializers.IntegerField()
    first_name = serializers.CharField()
    ready = serializers.CharField()
    rating = serializers.IntegerField(allow_null=True)
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
    answer = serializers.CharField(allow_null=True, help_text="The shop's public answer, or null.")


class ReviewSummaryOut(serializers.Serializer):
    """`average`, `ready_yes` and `ready_total` are null below 5 reviews (no fake precision); the stock
    confidence's `share` below 5 signals."""

    count = serializers.IntegerField()
    rating_count = serializers.IntegerField()
    average = serializers.FloatField(allow_null=True)
    ready_yes = serializers.IntegerField(allow_null=True)
    ready_total = serializers.IntegerField(allow_null=True)
    stock_confidence = StockConfidenceSerializer(help_text="The same figure as in the search.")
    latest = ReviewOut(many=True)


class MerchantFeedbackOut(serializers.Serializer):
    """Feedback as the shop sees it: published or not, with its answer and the city's decision."""

    id = serializers.IntegerField()
    reservation_code = serializers.CharField(source="reservation.code")
    first_name = serializers.CharField()
    ready = serializers.CharField()
    rating = serializers.IntegerField(allow_null=True)
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
    publish_at = serializers.DateTimeField()
    answer = serializers.CharField()
    answer_public = serializers.BooleanField()
    answered_at = serializers.DateTimeField(allow_null=True)
    hidden_at = serializers.DateTimeField(allow_null=True)
    hidden_reason = serializers.CharField()


class AnswerIn(StrictInput):
    answer = serializers.CharField(max_length=TEXT_MAX)
    public = serializers.BooleanField(
        help_text="true: shown under the review; false: an e-mail to the customer only"
    )


class ReportIn(StrictInput):
    reason = serializers.CharField(max_length=REASON_MAX)


class AlertIn(StrictInput):
    email = serializers.EmailField()
    query = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    product = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)
    radius_km = serializers.FloatField(required=False, default=2.0, min_value=0.1, max_value=25)
    language = serializers.ChoiceField(choices=["de", "en"], required=False, default="de")


class AlertOut(serializers.Serializer):
    status = serializers.CharField(
        help_text="`confirmation_sent`: the alert starts once the e-mail link is opened."
    )


class WaitingProductOut(serializers.Serializer):
    product_id = serializers.IntegerField()
    title = serializers.CharField()
    people = serializers.IntegerField(help_text="Distinct e-mail addresses with a live alert for it.")


class WaitingTextOut(serializers.Serializer):
    text = serializers.CharField(help_text="A search text (one spelling of its words).")
    people = serializers.IntegerField(
        help_text="Distinct e-mail addresses whose alert's radius covers the shop."
    )


class AlertDemandOut(serializers.Serializer):
    """What residents near the shop wait for (live alerts, counts only, no addresses)."""

    products = WaitingProductOut(many=True)
    texts = WaitingTextOut(many=True, help_text="Texts of at least 2 people, most people first.")
    rare_texts = serializers.IntegerField(help_text="Further texts, each of fewer than 2 people (not shown).")
