"""Till push endpoint (API.md "Till connectors"): a till (ready2order product webhooks) sends its changed
products here, signed with the connector's secret; the write goes through the connector service."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.services import connectors

SIGNATURE_HEADER = "X-Ladenkarte-Signature"
MAX_PUSH_BYTES = 2 * 1024 * 1024


class _RawJson(BaseParser):
    media_type = "application/json"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        return None  # the signed raw body is read by the view


class TillPushView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = [_RawJson]

    @extend_schema(
        tags=["merchant"],
        parameters=[
            OpenApiParameter(
                SIGNATURE_HEADER,
                str,
                location=OpenApiParameter.HEADER,
                required=True,
                description="sha256=<hex HMAC-SHA256 of the raw body with the connector's push secret>",
            )
        ],
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT},
        description=(
            'A till\'s push of changed products (ready2order product webhook: `{"event": ..., "data": '
            "{product}}`, a product or a list). Unknown connector or bad signature: 404."
        ),
    )
    def post(self, request: Request, connector_id: int) -> Response:
        body = request.body[: MAX_PUSH_BYTES + 1]
        if len(body) > MAX_PUSH_BYTES:
            raise connectors.ConnectorError(_("The push is too large."))
        report = connectors.connector_push(
            connector_id=connector_id, body=body, signature=request.headers.get(SIGNATURE_HEADER, "")
        )
        return Response(report)
