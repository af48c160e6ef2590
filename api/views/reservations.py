"""Residents' reservations: create (idempotent, rate limited), status and cancel with code + token."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import ApiKeyAuthentication
from api.clients import client_scope
from api.idempotency import HEADER as IDEMPOTENCY_HEADER
from api.idempotency import idempotent
from api.permissions import request_api_key
from api.serializers import reservations as s
from marketplace.infrastructure.rate_limits import RESERVATION_CREATE, rate_limit_hit
from marketplace.selectors.reservations import reservation_get_by_token
from marketplace.services import reservations as services
from marketplace.services.pickup_days import reservation_move_next_day
from marketplace.services.reservation_emails import reservation_status_url

TOKEN_HEADER = "X-Reservation-Token"  # noqa: S105 - a header name

_TOKEN_PARAMETERS = [
    OpenApiParameter(
        TOKEN_HEADER, str, OpenApiParameter.HEADER, required=False, description="The secret token."
    ),
]
_ERROR = OpenApiResponse(description='{"error": {"code", "message", "details"}}')


def _token(request: Request) -> str:
    """Only from the header: a token in an API URL ends up in proxy and server logs (`?token=` is for the
    website's e-mailed link)."""
    return request.headers.get(TOKEN_HEADER) or ""


def _user(request: Request) -> Any:
    """The logged-in user for the audit trail (None for API keys and anonymous callers)."""
    user = request.user
    return user if user is not None and user.is_authenticated else None


class ResidentView(APIView):
    # API-key clients (e.g. a town app) may reserve for residents; browsers come anonymously or by session.
    authentication_classes = [ApiKeyAuthentication, SessionAuthentication]
    permission_classes = [AllowAny]  # anonymous too (the schema's security then includes "none")


class ReservationCreateView(ResidentView):
    @extend_schema(
        operation_id="reservation_create",
        request=s.ReservationCreateInput,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="Recommended; required for API-key clients. Repeats get the first answer (24 h).",
            )
        ],
        responses={
            201: s.ReservationCreatedOutput,
            400: _ERROR,
            409: _ERROR,
            422: _ERROR,
            429: _ERROR,
        },
        tags=["reservations"],
    )
    @idempotent(seal_fields=("token", "url"))
    def post(self, request: Request) -> Response:
        rate_limit_hit(
            bucket=RESERVATION_CREATE,
            client=client_scope(request),
            rate=settings.LADENKARTE_RESERVATION_RATE,
        )
        data = s.reservation_create_input_fast(request.data)
        if data is None:  # anything unusual (or wrong): the serializer validates and words the errors
            serializer = s.ReservationCreateInput(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        language = data.get("language") or translation.get_language_from_request(request)
        api_key = request_api_key(request)
        created = services.reservation_create(
            items=[
                services.LineRequest(product_id=i["product_id"], quantity=i["quantity"])
                for i in data["items"]
            ],
            contact=services.Contact(
                name=data["customer"]["name"],
                email=data["customer"]["email"],
                phone=data["customer"]["phone"],
            ),
            language=language,
            actor=services.Actor(user=_user(request), api_key=api_key),
            pickup_date=data.get("pickup_date"),
        )
        reservation = created.reservation
        body = s.reservation_data(reservation, created.lines)
        body["token"] = created.token
        body["url"] = reservation_status_url(code=reservation.code, token=created.token, language=language)
        return Response(body, status=status.HTTP_201_CREATED)


class ReservationDetailView(ResidentView):
    @extend_schema(
        operation_id="reservation_retrieve",
        parameters=_TOKEN_PARAMETERS,
        responses={200: s.ReservationOutput, 404: _ERROR},
        tags=["reservations"],
    )
    def get(self, request: Request, code: str) -> Response:
        reservation = reservation_get_by_token(code=code, token=_token(request))
        return Response(s.reservation_data(reservation))


class ReservationCancelView(ResidentView):
    @extend_schema(
        operation_id="reservation_cancel",
        request=None,
        parameters=_TOKEN_PARAMETERS,
        responses={200: s.ReservationOutput, 404: _ERROR, 409: _ERROR},
        tags=["reservations"],
    )
    def post(self, request: Request, code: str) -> Response:
        reservation = reservation_get_by_token(code=code, token=_token(request))
        services.reservation_cancel(reservation=reservation, by="resident")
        reservation = reservation_get_by_token(code=code, token=_token(request))
        return Response(s.reservation_data(reservation))


class ReservationMoveView(ResidentView):
    @extend_schema(
        operation_id="reservation_move",
        request=None,
        parameters=_TOKEN_PARAMETERS,
        responses={200: s.ReservationOutput, 404: _ERROR, 409: _ERROR},
        tags=["reservations"],
        description="Move the pickup to the shop's next opening day, once "
        "(409 `reservation_move_not_possible`).",
    )
    def post(self, request: Request, code: str) -> Response:
        reservation = reservation_get_by_token(code=code, token=_token(request))
        reservation_move_next_day(reservation=reservation)
        reservation = reservation_get_by_token(code=code, token=_token(request))
        return Response(s.reservation_data(reservation))
