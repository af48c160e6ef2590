"""The category tree (API.md "Categories")."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class CategoryTreeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField(allow_blank=True)
    children = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.ListField(child=serializers.DictField(), help_text=_("Same shape, nested."))
    )
    def get_children(self, node: Any) -> list[dict[str, Any]]:
        return [CategoryTreeSerializer(child).data for child in node.children]
