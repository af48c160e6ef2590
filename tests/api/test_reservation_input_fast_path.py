"""Reserving parses a plainly valid body by hand (hot path); it must agree with `ReservationCreateInput`."""

from __future__ import annotations

from typing import Any

import pytest

from api.serializers.reservations import ReservationCreateInput, reservation_create_input_fast


def body(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "items": [{"product_id": 7, "quantity": 2}],
        "customer": {"name": "Erika Muster", "email": "erika@example.org"},
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "data",
    [
        body(),
        body(language="en"),
        body(items=[{"product_id": 2**62, "quantity": 1000}, {"product_id": 1, "quantity": 1}]),
        body(items=[{"product_id": n, "quantity": 1} for n in range(1, 21)]),
        body(
            customer={"name": "Jörg Groß", "email": "j.gross+laden@example.org", "phone": "+49 4131 000000"}
        ),
        body(customer={"name": "X", "email": "x@example.org", "phone": ""}),
    ],
)
def test_fast_path_gives_what_the_serializer_gives(data: dict[str, Any]) -> None:
    # given
    serializer = ReservationCreateInput(data=data)
    # when
    fast = reservation_create_input_fast(data)
    # then
    assert serializer.is_valid(), serializer.errors
    assert fast == serializer.validated_data


@pytest.mark.parametrize(
    "data",
    [
        {},
        [],
        body(items=[]),
        body(items=[{"product_id": n, "quantity": 1} for n in range(1, 22)]),
        body(items=[{"product_id": "7", "quantity": 1}]),  # valid for the serializer, left to it
        body(items=[{"product_id": 7, "quantity": 1.0}]),
        body(items=[{"product_id": True, "quantity": 1}]),
        body(items=[{"product_id": 0, "quantity": 1}]),
        body(items=[{"product_id": 7, "quantity": 1001}]),
        body(items=[{"product_id": 7}]),
        body(items=[{"product_id": 7, "quantity": 1, "price": "0.01"}]),
        body(customer={"name": "Erika"}),
        body(customer={"name": " Erika ", "email": "erika@example.org"}),
        body(customer={"name": "", "email": "erika@example.org"}),
        body(customer={"name": "x" * 121, "email": "erika@example.org"}),
        body(customer={"name": "Erika\x00", "email": "erika@example.org"}),
        body(customer={"name": "Erika", "email": "keine-adresse"}),
        body(customer={"name": "Erika", "email": "erika@example.org", "phone": "abc"}),
        body(customer={"name": "Erika", "email": "erika@example.org", "phone": None}),
        body(language="fr"),
        body(note="hello"),
    ],
)
def test_anything_unusual_is_left_to_the_serializer(data: Any) -> None:
    # when
    fast = reservation_create_input_fast(data)
    # then
    assert fast is None
