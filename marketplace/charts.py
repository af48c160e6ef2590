"""Geometry of the small server-rendered SVG charts (sparklines and day columns): values in, coordinates out.

Templates draw the SVG from these (`admin/marketplace/workspace/sparkline.svg.html`, the monthly report);
no JavaScript, so the same chart works in the admin, in e-mail-safe HTML and in the PDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    points: str  # "x,y x,y ..." for <polyline>
    area: str  # the polygon under the line
    last_x: float
    last_y: float
    week_x: float  # where the last 7 values start (the current week is shaded)
    top: int


def sparkline(values: Sequence[int], *, width: int = 160, height: int = 36, pad: int = 3) -> Sparkline:
    """A line through `values` scaled to the box; the maximum touches the top, 0 the bottom."""
    top = max(values, default=0)
    count = len(values)
    step = (width - 2 * pad) / max(count - 1, 1)
    inner = height - 2 * pad

    def y(value: int) -> float:
        return round(height - pad - (inner * value / top if top else 0), 1)

    coordinates = [(round(pad + index * step, 1), y(value)) for index, value in enumerate(values)] or [
        (pad, float(height - pad))
    ]
    points = " ".join(f"{x},{yy}" for x, yy in coordinates)
    area = f"{coordinates[0][0]},{height - pad} {points} {coordinates[-1][0]},{height - pad}"
    week_start = max(count - 7, 0)
    return Sparkline(
        width=width,
        height=height,
        points=points,
        area=area,
        last_x=coordinates[-1][0],
        last_y=coordinates[-1][1],
        week_x=round(pad + week_start * step - step / 2, 1) if count > 7 else 0,
        top=top,
    )


@dataclass(frozen=True)
class Column:
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str


@dataclass(frozen=True)
class ColumnChart:
    width: int
    height: int
    baseline: float
    columns: tuple[Column, ...]
    top: int


def column_chart(
    values: Sequence[int],
    labels: Sequence[str],
    *,
    width: int = 640,
    height: int = 140,
    label_space: int = 16,
) -> ColumnChart:
    """One column per value (e.g. per day of a month), scaled so the largest reaches the top."""
    top = max(values, default=0)
    count = max(len(values), 1)
    slot = width / count
    baseline = height - label_space
    columns = []
    for index, (value, label) in enumerate(zip(values, labels, strict=True)):
        bar = (baseline - 4) * value / top if top else 0
        columns.append(
            Column(
                x=round(index * slot + slot * 0.15, 1),
                y=round(baseline - bar, 1),
                width=round(slot * 0.7, 1),
                height=round(bar, 1),
                value=value,
                label=label,
            )
        )
    return ColumnChart(width=width, height=height, baseline=baseline, columns=tuple(columns), top=top)
