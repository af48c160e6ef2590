"""Serializer fields the API's input serializers share."""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class FiniteFloatField(serializers.FloatField):
    """A float that is a real number (no NaN, no infinity)."""

    def to_internal_value(self, data: Any) -> float:
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            raise serializers.ValidationError(_("A finite number is required."))
        return value
