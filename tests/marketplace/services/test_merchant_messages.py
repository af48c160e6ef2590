"""Messages of the city to merchants: audience, e-mail after commit with unsubscribe, one-tap answers written
into the shop's special day, and bad input that changes nothing."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from marketplace.exceptions import InvalidTransition, NotFound, ValidationFailed
from marketplace.models import (
    MerchantMessage,
    MerchantMessageRecipient,
    MerchantNewsOptOut,
    OutboxMessage,
    Shop,
    SpecialDay,
)
from marketplace.services import merchant_messages as service
from marketplace.services.outbox import outbox_deliver
from tests.factories import CategoryFactory, MembershipFactory, ShopFactory, UserFactory

pytestmark = pytest.mark.django_db


def _shop_with_owner(**kwargs) -> Shop:
    shop = ShopFactory(email="", **kwargs)
    MembershipFactory(shop=shop, user=UserFactory(email=f"owner-{shop.slug}@example.org"))
    return shop


@pytest.fixture
def town():
    books = CategoryFactory(name="Bücher")
    comics = CategoryFactory(name="Comics", parent=books)
    food = CategoryFactory(name="Lebensmittel")
    bookshop, comicshop, bakery = _shop_with_owner(), _shop_with_owner(), _shop_with_owner()
    bookshop.categories.add(books)
    comicshop.categories.add(comics)
    bakery.categories.add(food)
    pending = _shop_with_owner(status=Shop.Status.PENDING)
    pending.categories.add(books)
    return {
        "books": books,
        "bookshop": bookshop,
        "comicshop": comicshop,
        "bakery": bakery,
        "pending": pending,
    }


def test_message_to_a_category_reaches_its_active_shops_and_mails_after_commit(
    town, django_capture_on_commit_callbacks
) -> None:
    # given
    MerchantNewsOptOut.objects.create(shop=town["comicshop"])

    # when
    with django_capture_on_commit_callbacks(execute=True):
        message = service.merchant_message_send(
            subject="Lesesommer",
            body="Machen Sie mit!",
            audience="category",
            category=town["books"],
            sender=None,
        )
        assert mail.outbox == []  # nothing before commit

    # then: the sub-category counts; the pending shop and the bakery do not;
    # the opted-out shop gets the banner only
    rows = {row.shop_id: row for row in message.recipients.all()}
    assert set(rows) == {town["bookshop"].pk, town["comicshop"].pk}
    assert rows[town["comicshop"].pk].email_skipped
    assert rows[town["bookshop"].pk].emailed_at is not None
    assert [m.to for m in mail.outbox] == [[f"owner-{town['bookshop'].slug}@example.org"]]
    email = mail.outbox[0]
    assert email.subject == "Lesesommer"
    assert "Machen Sie mit!" in email.body
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token_url = email.extra_headers["List-Unsubscribe"].strip("<>")
    assert token_url in email.body
    assert service.merchant_news_shop_for_token(token_url.rstrip("/").rsplit("/", 1)[1]) == town["bookshop"]


def test_essential_messages_reach_unsubscribed_shops_without_unsubscribe_link(
    town, django_capture_on_commit_callbacks
) -> None:
    # given
    MerchantNewsOptOut.objects.create(shop=town["bakery"])

    # when
    with django_capture_on_commit_callbacks(execute=True):
        service.merchant_message_send(
            subject="Wartung",
            body="Sonntag offline",
            audience="shops",
            shop_ids=[town["bakery"].pk],
            essential=True,
            sender=None,
        )

    # then
    assert len(mail.outbox) == 1
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers


def test_sending_again_mails_nobody_twice(town, django_capture_on_commit_callbacks) -> None:
    # given
    with django_capture_on_commit_callbacks(execute=True):
        message = service.merchant_message_send(subject="A", body="B", audience="all", sender=None)
    sent = len(mail.outbox)

    # when: every recipient's outbox row is handed to the dispatcher again (or its e-mail sent once more)
    rows = OutboxMessage.objects.filter(kind="email.merchant_message")
    assert {outbox_deliver(message_id=row.pk, ignore_due=True) for row in rows} == {None}
    again = sum(
        service.merchant_message_email_send(recipient_id=pk)
        for pk in message.recipients.values_list("pk", flat=True)
    )

    # then
    assert sent == 3
    assert again == 0
    assert len(mail.outbox) == 3


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"subject": " ", "body": "x", "audience": "all"}, "subject"),
        ({"subject": "x", "body": "", "audience": "all"}, "body"),
        ({"subject": "x", "body": "x", "audience": "category"}, "category"),
        ({"subject": "x", "body": "x", "audience": "shops"}, "shops"),
        ({"subject": "x", "body": "x", "audience": "everyone"}, "audience"),
        ({"subject": "x", "body": "x", "audience": "all", "question": "open_day"}, "question_date"),
        (
            {
                "subject": "x",
                "body": "x",
                "audience": "all",
                "question": "open_day",
                "question_intervals": ["25:00"],
            },
            "question_intervals",
        ),
    ],
)
def test_bad_input_is_rejected_and_changes_nothing(
    town, kwargs, field, django_capture_on_commit_callbacks
) -> None:
    # when
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed) as error:
        service.merchant_message_send(sender=None, question_date=None, **kwargs)

    # then
    assert field in error.value.details
    assert MerchantMessage.objects.count() == 0
    assert mail.outbox == []


def test_a_message_nobody_receives_is_rejected(town) -> None:
    # when / then: a pending shop picked by hand is not reachable
    with pytest.raises(ValidationFailed):
        service.merchant_message_send(
            subject="x", body="x", audience="shops", shop_ids=[town["pending"].pk], sender=None
        )
    assert MerchantMessageRecipient.objects.count() == 0


@pytest.fixture
def question(town):
    day = timezone.localdate() + timedelta(days=14)
    message = service.merchant_message_send(
        subject="Verkaufsoffener Sonntag",
        body="Öffnen Sie?",
        audience="all",
        question="open_day",
        question_date=day,
        question_intervals=["13:00-18:00"],
        sender=None,
    )
    return message, day


def test_answer_we_open_writes_the_special_day(town, question) -> None:
    # given
    message, day = question
    shop = town["bookshop"]
    row = message.recipients.get(shop=shop)
    owner = shop.memberships.get().user

    # when
    special = service.merchant_message_answer(shop=shop, recipient_id=row.pk, answer="open", user=owner)

    # then
    assert (special.date, special.closed, special.intervals) == (
        day,
        False,
        [{"opens": "13:00", "closes": "18:00"}],
    )
    row.refresh_from_db()
    assert (row.answer, row.answered_by, row.dismissed_at is not None) == ("open", owner, True)


def test_answering_again_replaces_the_answer_and_the_special_day(town, question) -> None:
    # given
    message, day = question
    shop = town["bakery"]
    row = message.recipients.get(shop=shop)
    service.merchant_message_answer(shop=shop, recipient_id=row.pk, answer="open", user=None)

    # when
    service.merchant_message_answer(shop=shop, recipient_id=row.pk, answer="closed", user=None)

    # then
    special = SpecialDay.objects.get(shop=shop, date=day)
    assert special.closed
    assert special.intervals == []
    assert MerchantMessageRecipient.objects.get(pk=row.pk).answer == "closed"


def test_a_shop_cannot_answer_for_another_shop(town, question) -> None:
    # given
    message, _day = question
    others_row = message.recipients.get(shop=town["bakery"])

    # when / then
    with pytest.raises(NotFound):
        service.merchant_message_answer(
            shop=town["bookshop"], recipient_id=others_row.pk, answer="closed", user=None
        )
    assert not SpecialDay.objects.exists()
    assert MerchantMessageRecipient.objects.get(pk=others_row.pk).answer == ""


def test_a_day_in_the_past_cannot_be_answered(town, question) -> None:
    # given
    message, _day = question
    shop = town["bookshop"]
    row = message.recipients.get(shop=shop)

    # when / then
    with pytest.raises(InvalidTransition):
        service.merchant_message_answer(
            shop=shop, recipient_id=row.pk, answer="open", user=None, now=timezone.now() + timedelta(days=15)
        )
    assert not SpecialDay.objects.exists()


def test_unknown_answers_and_news_without_question_change_nothing(town, question) -> None:
    # given
    message, _day = question
    shop = town["bookshop"]
    news = service.merchant_message_send(subject="N", body="N", audience="all", sender=None)

    # when / then
    with pytest.raises(ValidationFailed):
        service.merchant_message_answer(
            shop=shop, recipient_id=message.recipients.get(shop=shop).pk, answer="maybe", user=None
        )
    with pytest.raises(InvalidTransition):
        service.merchant_message_answer(
            shop=shop, recipient_id=news.recipients.get(shop=shop).pk, answer="open", user=None
        )
    assert not SpecialDay.objects.exists()


def test_unsubscribe_token_is_signed(town) -> None:
    # given
    token = service.merchant_news_token(shop=town["bakery"])

    # when / then
    assert service.merchant_news_shop_for_token(token) == town["bakery"]
    assert service.merchant_news_shop_for_token(token[:-2] + "xx") is None
    assert service.merchant_news_unsubscribe(shop=town["bakery"]) is True
    assert service.merchant_news_unsubscribe(shop=town["bakery"]) is False
    assert service.merchant_news_resubscribe(shop=town["bakery"]) is True


def test_interval_past_midnight_is_kept(town) -> None:
    # a late event closing at midnight: "18:00-24:00" becomes closes 00:00 of the next day
    day = timezone.localdate() + timedelta(days=3)
    message = service.merchant_message_send(
        subject="Lange Nacht",
        body="?",
        audience="shops",
        shop_ids=[town["bakery"].pk],
        question="open_day",
        question_date=day,
        question_intervals=["18:00-24:00"],
        sender=None,
    )
    row = message.recipients.get()
    special = service.merchant_message_answer(
        shop=town["bakery"], recipient_id=row.pk, answer="open", user=None
    )
    assert special.intervals == [{"opens": "18:00", "closes": "00:00"}]
    assert time(0) == time.fromisoformat(special.intervals[0]["closes"])
