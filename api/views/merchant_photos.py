"""Merchant API: a product's photo (API.md "Product photos"), uploaded as `multipart/form-data`.

The shop comes from `shop_get_for_member` (404 for shops the caller cannot reach), the product from the
shop's products; the write is `products.product_photo_set` (checked, upright, EXIF gone, WebP + thumbnail).
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from api.serializers import merchant as s
from api.views.merchant import MerchantView
from marketplace.exceptions import NotFound, ValidationFailed
from marketplace.models import Product
from marketplace.services import products
from marketplace.services.images import PhotoTooLarge


class ProductPhotoView(MerchantView):
    parser_classes = [MultiPartParser]

    def body_limit(self) -> int:
        return int(settings.LADENKARTE_UPLOAD_MAX_BYTES) + 64 * 1024  # the file plus multipart framing

    def product(self) -> Product:
        product = Product.objects.filter(shop=self.shop(), sku=self.kwargs["sku"]).first()
        if product is None:
            raise NotFound()
        return product

    @extend_schema(
        tags=["merchant"],
        request={
            "multipart/form-data": inline_serializer("PhotoUpload", {"photo": serializers.ImageField()})
        },
        responses={200: s.ProductOut},
        description=(
            "Upload the product's photo in the field `photo` (JPEG, PNG or WebP, at most "
            "LADENKARTE_UPLOAD_MAX_BYTES): turned upright, metadata removed, stored as WebP with a "
            "thumbnail. 413 `photo_too_large`, 400 `validation_error` with `details.reason`."
        ),
    )
    def put(self, request: Request, slug: str, sku: str) -> Response:
        product = self.product()
        upload = request.FILES.get("photo")
        if upload is None:
            raise ValidationFailed(
                details={"photo": ["Upload the photo in the field 'photo' (multipart/form-data)."]}
            )
        if upload.size and upload.size > settings.LADENKARTE_UPLOAD_MAX_BYTES:
            raise PhotoTooLarge(details={"max_bytes": settings.LADENKARTE_UPLOAD_MAX_BYTES})
        product = products.product_photo_set(product=product, data=upload.read())
        return Response(s.ProductOut(product).data)

    @extend_schema(tags=["merchant"], request=None, responses={204: None})
    def delete(self, request: Request, slug: str, sku: str) -> Response:
        products.product_photo_remove(product=self.product())
        return Response(status=status.HTTP_204_NO_CONTENT)
