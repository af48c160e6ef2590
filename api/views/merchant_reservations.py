"""Merchant reservation list and actions: ready, collect, cancel, no-show (only the caller's own shops)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from api.pagination import PageNumberPagination
from api.permissions import request_api_key
from api.serializers import reservations as s
from api.views.merchant import MerchantView
from marketplace.models import Reservation
from marketplace.selectors.reservations import reservation_get_in_shop, reservations_of_shop
from marketplace.services import reservations as services

_ERROR = OpenApiResponse(description='{"error": {"code", "message", "details"}}')


def _user(request: Request) -> Any:
    """The logged-in user for the audit trail (None for API keys and anonymous callers)."""
    user = request.user
    return user if user is not None and user.is_authenticated else None


class MerchantReservationListView(MerchantView):
    pagination_class = PageNumberPagination  # for the schema: the answer is a page

    @extend_schema(
        operation_id="merchant_reservation_list",
        parameters=[s.MerchantReservationListQuery],
        responses={200: s.MerchantReservationOutput(many=True), 404: _ERROR},
        tags=["merchant"],
    )
    def get(self, request: Request, slug: str) -> Response:
        # A plain dict: for a QueryDict DRF reads `status=` as "not sent"; here it is an invalid status.
        query = s.MerchantReservationListQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        reservations = reservations_of_shop(
            shop=self.shop(),
            status=query.validated_data.get("status"),
            pickup_date=query.validated_data.get("pickup_date"),
        )
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(reservations, request, view=self)
        return paginator.get_paginated_response([s.merchant_reservation_data(r) for r in page or []])


class MerchantReservationActionView(MerchantView):
    """POST runs one action; 409 `invalid_transition` / `reservation_not_cancellable` changes nothing."""

    action: str = ""

    def _run(self, reservation: Reservation) -> None:
        api_key = request_api_key(self.request)
        actor = services.Actor(user=_user(self.request), api_key=api_key)
        actions: dict[str, Callable[[], Any]] = {
            "ready": lambda: services.reservation_mark_ready(reservation=reservation),
            "collect": lambda: services.reservation_collect(reservation=reservation, actor=actor),
            "cancel": lambda: services.reservation_cancel(
                reservation=reservation, by="merchant", actor=actor
            ),
            "no-show": lambda: services.reservation_mark_no_show(reservation=reservation, actor=actor),
        }
        actions[self.action]()

    @extend_schema(
        request=None,
        responses={200: s.MerchantReservationOutput, 404: _ERROR, 409: _ERROR},
        tags=["merchant"],
    )
    def post(self, request: Request, slug: str, code: str) -> Response:
        shop = self.shop()
        self._run(reservation_get_in_shop(shop=shop, code=code))
        return Response(s.merchant_reservation_data(reservation_get_in_shop(shop=shop, code=code)))


def action_view(name: str) -> Any:
    """One view class per action, so each has its own operation in the OpenAPI schema."""

    @extend_schema(
        operation_id=f"merchant_reservation_{name.replace('-', '_')}",
        request=None,
        responses={200: s.MerchantReservationOutput, 404: _ERROR, 409: _ERROR},
        tags=["merchant"],
    )
    def post(self: MerchantReservationActionView, request: Request, slug: str, code: str) -> Response:
        return MerchantReservationActionView.post(self, request, slug, code)

    view = type(
        f"MerchantReservation{name.title().replace('-', '')}View",
        (MerchantReservationActionView,),
        {"action": name, "post": post},
    )
    return view.as_view()
