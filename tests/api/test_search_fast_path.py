"""The search view parses its query string by hand (hot path); it must agree with `SearchQuerySerializer`."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from api.serializers.search import SearchQuerySerializer
from api.views.public import search_query_fast


@pytest.mark.parametrize(
    "query",
    [
        "lat=53.2489&lng=10.4077",
        "lat=53.2489&lng=10.4077&radius_km=5&page_size=20",
        "lat=-90&lng=180&radius_km=0.1&page=50&page_size=1",
        "lat=90&lng=-180&radius_km=50&page_size=100",
        "lat=053.2&lng=10&page=0002",
        "lat=53.2&lng=10.4&q=%20Fahrradschlauch%20rot%20&ordering=relevance",
        "lat=53.2&lng=10.4&q=Schn%C3%BCrsenkel&ordering=-price",
        "lat=53.2&lng=10.4&q=%20%20&ordering=",
        "lat=53.2&lng=10.4&category=buecher&shop=laden-1&available_today=false&open_now=true",
        "lat=53.2&lng=10.4&available_today=0&open_now=1&category=&shop=",
        "lat=1&lat=53.2&lng=10.4",  # a repeated parameter: the last value counts, as in the serializer
    ],
)
def test_fast_path_gives_what_the_serializer_gives(query: str) -> None:
    # given
    params = QueryDict(query)
    serializer = SearchQuerySerializer(data=params)
    # when
    fast = search_query_fast(params)
    # then
    assert serializer.is_valid(), serializer.errors
    assert fast == dict(serializer.validated_data)


@pytest.mark.parametrize(
    "query",
    [
        "lng=10.4",  # lat missing
        "lat=90.5&lng=10.4",
        "lat=nan&lng=10.4",
        "lat=1e1&lng=10.4",  # valid, but not a plain decimal: left to the serializer
        "lat=+53&lng=10.4",
        "lat=53&lng=10.4&radius_km=51",
        "lat=53&lng=10.4&radius_km=0.05",
        "lat=53&lng=10.4&page=0",
        "lat=53&lng=10.4&page_size=101",
        "lat=53&lng=10.4&page_size=2.0",
        "lat=53&lng=10.4&ordering=name",
        "lat=53&lng=10.4&available_today=vielleicht",
        "lat=53&lng=10.4&available_today=True",
        "lat=53&lng=10.4&category=B%C3%BCcher",
        "lat=53&lng=10.4&q=" + "x" * 201,
        "lat=53&lng=10.4&q=a%00b",
        "lat=53&lng=10.4&q=tab%09here",
        "lat=53&lng=10.4&max_price=10",
        "lat=53&lng=10.4&utm_source=x",
    ],
)
def test_anything_unusual_is_left_to_the_serializer(query: str) -> None:
    # when
    fast = search_query_fast(QueryDict(query))
    # then
    assert fast is None
