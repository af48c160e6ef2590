"""OpenAPI descriptions of our authentication classes (drf-spectacular extensions)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A shop's API key: `Authorization: Api-Key <key>`.",
        }


class MemberSessionScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "api.authentication.MemberSessionAuthentication"
    name = "MemberSession"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


# --- error answers every operation can give -----------------------------------------------------------------

_METHODS = ("get", "put", "post", "patch", "delete")
_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": _ERROR}


def error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: document the error answers of our one exception handler
    (`api.errors`) on every operation that can give them, so a client (and the schemathesis run in the tests)
    sees every status code the API answers with. Operations keep their own, more specific descriptions."""
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            security = operation.get("security", [{}])
            anonymous = {} in security
            query = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
            for parameter in operation.get("parameters", []):
                # A query string has no null: an absent parameter is the "not set" of a nullable filter.
                if parameter.get("in") == "query":
                    parameter.get("schema", {}).pop("nullable", None)
            has_query = bool(query)
            writes = method != "get"
            candidates = {
                "400": (has_query or writes, "`validation_error` (field details) or another refused input"),
                "401": (not anonymous, "`not_authenticated`: no or an unknown API key / session"),
                "403": (not anonymous, "`permission_denied`: the key or member may not do this"),
                "404": (
                    "{" in path or not anonymous or bool(query & {"page", "shop"}),
                    "`not_found` (or a page past the end, an unknown shop)",
                ),
                "409": (writes, "`conflict`: the current state does not allow it (stock, status, limits)"),
                "415": ("requestBody" in operation, "`unsupported_media_type`: send application/json"),
                "503": (True, "`service_unavailable`: database unreachable; retry after `Retry-After`"),
            }
            responses = operation.setdefault("responses", {})
            for code, (applies, description) in candidates.items():
                if applies and code not in responses:
                    responses[code] = _error(description)
    # Our input serializers refuse fields they do not know ("Unknown or read-only field"): say so.
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object" and "properties" in component:
            component.setdefault("additionalProperties", False)
    return result
