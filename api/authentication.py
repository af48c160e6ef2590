"""Merchant authentication: `Authorization: Api-Key <key>` for tills and scripts, member sessions."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header
from rest_framework.request import Request

from marketplace.models import ApiKey

KEYWORD = "Api-Key"


class InvalidApiKey(exceptions.NotAuthenticated):
    """A key was sent but is unknown or revoked: 401 `not_authenticated`, like a missing one."""

    default_detail = "The API key is not valid."


class ApiKeyAuthentication(BaseAuthentication):
    """Authenticates a shop's API key; `request.auth` is the `ApiKey`, `request.user` stays anonymous.

    The key does not act as any person: authorisation looks at `request.auth.shop_id` and its scope.
    """

    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        header = get_authorization_header(request)
        if not header:
            return None
        try:
            parts = header.decode("latin-1").split()
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
            raise InvalidApiKey() from None
        if not parts or parts[0].lower() != KEYWORD.lower():
            return None
        if len(parts) != 2 or len(parts[1]) > 200:
            raise InvalidApiKey()
        from marketplace.services.api_keys import api_key_authenticate

        api_key = api_key_authenticate(raw_key=parts[1])
        if api_key is None or not api_key.is_active:
            raise InvalidApiKey()
        return AnonymousUser(), api_key

    def authenticate_header(self, request: Request) -> str:
        # makes DRF answer 401 (not 403) when credentials are missing
        return f'{KEYWORD} realm="api"'


class MemberSessionAuthentication(SessionAuthentication):
    """Session login of a shop member (with CSRF protection for unsafe methods)."""


MERCHANT_AUTHENTICATION = [ApiKeyAuthentication, MemberSessionAuthentication]
