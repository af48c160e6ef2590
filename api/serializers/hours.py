"""A shop's opening hours (API.md "Opening hours"): the query of `/hours/` and the day shapes."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from marketplace.selectors.shops import HOURS_MAX_DAYS


class HoursQuerySerializer(serializers.Serializer):
    from_ = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("First date (default: today in the shop's zone)."),
    )
    days = serializers.IntegerField(min_value=1, max_value=HOURS_MAX_DAYS, default=7)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class IntervalSerializer(serializers.Serializer):
    opens = serializers.CharField(help_text="HH:MM")
    closes = serializers.CharField(help_text=_("HH:MM; earlier than `opens` means after midnight."))


class WeeklyHoursSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text=_("0 = Monday ... 6 = Sunday"))
    opens = serializers.CharField()
    closes = serializers.CharField()


class DayHoursSerializer(serializers.Serializer):
    date = serializers.DateField()
    closed = serializers.BooleanField()
    intervals = IntervalSerializer(many=True)
    reason = serializers.CharField(allow_blank=True, help_text=_("Holiday or special day, else empty."))
    source = serializers.ChoiceField(
        choices=["weekly", "city", "shop"],
        help_text=_("weekly hours, city calendar or the shop's special day"),
    )


class TodaySerializer(serializers.Serializer):
    opens = serializers.DateTimeField()
    closes = serializers.DateTimeField()
    intervals = IntervalSerializer(many=True)


def hours_day_data(day: Any) -> dict[str, Any]:
    return {
        "date": day.date.isoformat() if isinstance(day.date, date) else day.date,
        "closed": day.closed,
        "intervals": [
            {"opens": interval.opens.strftime("%H:%M"), "closes": interval.closes.strftime("%H:%M")}
            for interval in day.intervals
        ],
        "reason": day.reason,
        "source": day.source,
    }
