"""Function-level authorisation of the merchant API; object access is decided by the merchant selectors."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from marketplace.models import ApiKey


def request_api_key(request: Request) -> ApiKey | None:
    return request.auth if isinstance(request.auth, ApiKey) else None


class IsMerchant(BasePermission):
    """A shop's API key or a logged-in user; read-only keys may only read (403 `permission_denied`).

    Whether the user is a member of the addressed shop is checked by `shop_get_for_member`, which answers
    404 for everything the caller may not reach.
    """

    message = "This API key may only read."

    def has_permission(self, request: Request, view: Any) -> bool:
        api_key = request_api_key(request)
        if api_key is not None:
            if request.method not in SAFE_METHODS and not api_key.can_write:
                raise exceptions.PermissionDenied(self.message)
            return True
        if request.user is not None and request.user.is_authenticated and request.user.is_active:
            return True
        raise exceptions.NotAuthenticated()
