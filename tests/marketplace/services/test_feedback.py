"""Feedback after pickup (issue 17): only collected reservations, once; the 72-hour window on a frozen clock;
figures from 5 reviews on; answers; reports and the city's moderation; e-mails through the outbox."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from marketplace.exceptions import FeedbackLinkInvalid, FeedbackNotPossible, ValidationFailed
from marketplace.models import Feedback, FeedbackReport, OutboxMessage, Reservation
from marketplace.selectors.city_todo import city_todos
from marketplace.selectors.feedback import StockConfidence, shop_feedback_summary, stock_confidence
from marketplace.services import feedback as svc
from marketplace.services import reservations as reservation_services
from marketplace.services.outbox import outbox_dispatch
from marketplace.services.roles import CITY_EDITORS_GROUP, roles_setup
from tests.factories import (
    ApiKeyFactory,
    MembershipFactory,
    ProductFactory,
    ReservationFactory,
    ShopFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 6, 5, 12, 0, tzinfo=BERLIN)  # the frozen clock: every service gets `now`
RAW = "lk_feedbacktests_0123456789abcdef"


def collected(
    shop: Any = None, *, at: datetime = T0, name: str = "Erika Muster", **kwargs: Any
) -> Reservation:
    return ReservationFactory(
        shop=shop or ShopFactory(),
        status=Reservation.Status.COLLECTED,
        closed_at=at,
        customer_name=name,
        **kwargs,
    )


def give(reservation: Reservation, *, at: datetime = T0, **data: Any) -> Feedback:
    token = svc.feedback_token(reservation=reservation)
    return svc.feedback_give(token=token, data=svc.FeedbackInput(**{"ready": "yes", **data}), now=at)


# --- the e-mail on collect and the link ----------------------------------------------------------------


def test_collecting_sends_one_feedback_email_whose_link_opens_the_form(django_capture_on_commit_callbacks):
    # given a reservation that is ready
    shop = ShopFactory(name="Teeladen")
    product = ProductFactory(shop=shop, title="Grüner Tee", quantity_on_hand=5)
    with django_capture_on_commit_callbacks(execute=True):
        created = reservation_services.reservation_create(
            items=[reservation_services.LineRequest(product_id=product.pk, quantity=1)],
            contact=reservation_services.Contact(name="Erika Muster", email="erika@example.org"),
            language="en",
        )
    mail.outbox.clear()
    # when the merchant marks it collected
    with django_capture_on_commit_callbacks(execute=True):
        reservation_services.reservation_collect(reservation=created.reservation)
    # then exactly one e-mail asks for feedback, in the resident's language, with a signed link
    feedback_mails = [m for m in mail.outbox if "Was everything there" in m.subject]
    assert len(feedback_mails) == 1
    (message,) = feedback_mails
    assert message.to == ["erika@example.org"]
    assert "Hello Erika," in message.body
    path = re.search(r"https?://[^/]+(/en/bewertung/[^/\s]+/)", message.body).group(1)  # type: ignore[union-attr]
    assert OutboxMessage.objects.filter(kind="email.feedback_request").count() == 1
    page = Client().get(path)
    assert page.status_code == 200
    assert b'data-testid="feedback-form"' in page.content


def test_link_expires_after_30_days_and_a_changed_token_is_refused():
    # given
    reservation = collected()
    token = svc.feedback_token(reservation=reservation)
    # when / then
    assert svc.feedback_reservation_for_token(token=token, now=T0 + timedelta(days=30)) == reservation
    with pytest.raises(FeedbackLinkInvalid):
        svc.feedback_reservation_for_token(token=token, now=T0 + timedelta(days=30, seconds=1))
    with pytest.raises(FeedbackLinkInvalid):
        svc.feedback_reservation_for_token(token=token[:-2] + "xx", now=T0)
    assert not Feedback.objects.exists()


# --- only collected, only once ---


@pytest.mark.parametrize(
    "status", [Reservation.Status.HELD, Reservation.Status.NO_SHOW, Reservation.Status.CANCELLED]
)
def test_feedback_only_for_collected_reservations(status):
    # given
    reservation = ReservationFactory(status=status, closed_at=T0)
    # when / then
    with pytest.raises(FeedbackNotPossible):
        give(reservation)
    assert not Feedback.objects.exists()
    assert not OutboxMessage.objects.filter(kind="email.feedback_shop").exists()


def test_feedback_only_once():
    # given
    reservation = collected()
    give(reservation, rating=5)
    # when / then
    with pytest.raises(FeedbackNotPossible):
        give(reservation, rating=1, text="Doch nicht")
    assert list(Feedback.objects.values_list("rating", flat=True)) == [5]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"ready": "maybe"}, "ready"),
        ({"rating": 6}, "rating"),
        ({"rating": 0}, "rating"),
        ({"text": "x" * 1001}, "text"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(data, field):
    # given
    reservation = collected()
    # when / then
    with pytest.raises(ValidationFailed) as caught:
        give(reservation, **data)
    assert field in caught.value.details
    assert not Feedback.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_racing_submissions_give_exactly_one_feedback():
    # given
    reservation = collected()
    token = svc.feedback_token(reservation=reservation)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit(stars: int) -> None:
        try:
            barrier.wait()
            svc.feedback_give(token=token, data=svc.FeedbackInput(ready="yes", rating=stars), now=T0)
            outcomes.append("ok")
        except FeedbackNotPossible:
            outcomes.append("refused")
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=submit, args=(n,)) for n in (4, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert sorted(outcomes) == ["ok", "refused"]
    assert Feedback.objects.count() == 1


# --- the shop first; the 72-hour window --------------------------------------------------------------------


def test_text_is_published_after_72_hours_and_stars_alone_at_once(django_capture_on_commit_callbacks):
    # given a shop with an e-mail address and two collected reservations
    shop = ShopFactory(email="laden@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        text = give(collected(shop, name="Erika Muster"), rating=2, text="Die Tasse hatte einen Sprung.")
        stars = give(collected(shop, name="Max Mustermann"), rating=5)
    # then the shop hears of both first, by e-mail
    shop_mails = [m for m in mail.outbox if m.to == ["laden@example.org"]]
    assert len(shop_mails) == 2
    assert any("Die Tasse hatte einen Sprung." in m.body for m in shop_mails)
    # stars alone are shown at once; the text only after 72 hours (frozen clock)
    assert [f.pk for f in shop_feedback_summary(shop=shop, now=T0).latest] == [stars.pk]
    just_before = T0 + timedelta(hours=72) - timedelta(seconds=1)
    assert [f.pk for f in shop_feedback_summary(shop=shop, now=just_before).latest] == [stars.pk]
    at_72 = shop_feedback_summary(shop=shop, now=T0 + timedelta(hours=72))
    assert [f.pk for f in at_72.latest] == [text.pk, stars.pk]
    # only first names
    assert [f.first_name for f in at_72.latest] == ["Erika", "Max"]


def test_answer_privately_by_email_or_publicly_at_any_time(django_capture_on_commit_callbacks):
    # given a published review
    shop = ShopFactory(name="Teeladen")
    reservation = collected(shop, customer_email="erika@example.org")
    review = give(reservation, rating=3, text="Etwas lange gewartet.")
    mail.outbox.clear()
    # when the shop answers privately within the window
    with django_capture_on_commit_callbacks(execute=True):
        svc.feedback_answer(feedback=review, text="Entschuldigung, wir waren krank.", public=False, now=T0)
    # then the resident gets it by e-mail, and the page shows no answer
    (private_mail,) = mail.outbox
    assert private_mail.to == ["erika@example.org"]
    assert "Entschuldigung, wir waren krank." in private_mail.body
    later = T0 + timedelta(days=10)
    (shown,) = shop_feedback_summary(shop=shop, now=later).latest
    assert not shown.answer_public
    # when it answers publicly much later
    with django_capture_on_commit_callbacks(execute=True):
        svc.feedback_answer(feedback=review, text="Danke, jetzt geht es schneller.", public=True, now=later)
    # then the answer is under the review
    (shown,) = shop_feedback_summary(shop=shop, now=later).latest
    assert (shown.answer, shown.answer_public) == ("Danke, jetzt geht es schneller.", True)
    with pytest.raises(ValidationFailed):
        svc.feedback_answer(feedback=review, text="  ", public=True, now=later)
    review.refresh_from_db()
    assert review.answer == "Danke, jetzt geht es schneller."


# --- figures ---


def test_no_figures_below_five_reviews_then_average_and_ready_share():
    # given four reviews
    shop = ShopFactory()
    for stars, ready in ((5, "yes"), (4, "yes"), (5, "partly"), (3, "yes")):
        give(collected(shop), rating=stars, ready=ready)
    # then: a count, no average, no share
    few = shop_feedback_summary(shop=shop, now=T0)
    assert (few.count, few.average, few.ready_yes, few.ready_total, few.few) == (4, None, None, None, True)
    # when a fifth comes
    give(collected(shop), rating=4, ready="no")
    # then
    enough = shop_feedback_summary(shop=shop, now=T0)
    assert (enough.count, enough.rating_count, enough.average) == (5, 5, 4.2)
    assert (enough.ready_yes, enough.ready_total) == (3, 5)


def test_stock_confidence_from_answers_and_no_shows():
    # given 4 answers (2 yes, 1 partly, 1 no) and 1 no-show: 5 signals
    shop, quiet = ShopFactory(), ShopFactory()
    for ready in ("yes", "yes", "partly", "no"):
        give(collected(shop), ready=ready)
    ReservationFactory(shop=shop, status=Reservation.Status.NO_SHOW, closed_at=T0)
    give(collected(quiet), ready="yes")
    # when
    figures = stock_confidence(shop_ids=[shop.pk, quiet.pk], now=T0)
    # then (2 + 0.5) / 5; too few signals for the quiet shop
    assert figures == {
        shop.pk: StockConfidence(signals=5, share=0.5),
        quiet.pk: StockConfidence(signals=1, share=None),
    }
    assert figures[shop.pk].percent == 50


def test_stock_confidence_counts_only_what_residents_can_read_and_the_last_180_days():
    # given 5 published "yes" answers, and a "no" still in the shop's 72 hours, a hidden "no", a "no" and a
    # no-show from 181 days ago
    shop = ShopFactory()
    for _ in range(5):
        give(collected(shop), ready="yes")
    give(collected(shop), ready="no", text="Nichts war da.")
    svc.feedback_hide(feedback=give(collected(shop), ready="no"), reason="Beleidigend.", now=T0)
    old = T0 - timedelta(days=181)
    give(collected(shop, at=old), ready="no", at=old)
    ReservationFactory(shop=shop, status=Reservation.Status.NO_SHOW, closed_at=old)
    # when
    figures = stock_confidence(shop_ids=[shop.pk], now=T0)
    # then only the five published answers count
    assert figures == {shop.pk: StockConfidence(signals=5, share=1.0)}
    # and the "no" with a text counts once it is published, 72 hours later
    later = stock_confidence(shop_ids=[shop.pk], now=T0 + timedelta(hours=72))
    assert later == {shop.pk: StockConfidence(signals=6, share=0.83)}


def test_shop_page_shows_figures_reviews_answers_and_schema_markup_from_five_on():
    # given five reviews, one with a public answer
    shop = ShopFactory(slug="teeladen", name="Teeladen")
    reviews = [give(collected(shop, name=f"Kunde{n} Nachname"), rating=5 - n % 2) for n in range(4)]
    svc.feedback_answer(feedback=reviews[0], text="Vielen Dank!", public=True)
    client = Client()
    # then below five: a count, no average and no AggregateRating
    html = client.get("/laden/teeladen/").content.decode()
    assert 'data-testid="review-few"' in html
    assert "AggregateRating" not in html
    assert "Nachname" not in html
    # when the fifth comes
    give(collected(shop, name="Ida Schmidt"), rating=4)
    html = client.get("/laden/teeladen/").content.decode()
    # then
    assert 'data-testid="review-average"' in html
    assert "Everything ready at 5 of 5 pickups" in html or "Alles bereit bei 5 von 5 Abholungen" in html
    assert "Vielen Dank!" in html
    assert '"@type": "AggregateRating"' in html or '"@type":"AggregateRating"' in html
    assert "Nachname" not in html
    assert "Schmidt" not in html


# --- reports and moderation ---


def test_report_goes_to_the_city_which_hides_with_a_reason_both_sides_see():
    # given a city editor and a published review that a resident reports
    roles_setup()
    editor = UserFactory(is_staff=True)
    editor.groups.add(Group.objects.get(name=CITY_EDITORS_GROUP))
    shop = ShopFactory(slug="laden")
    owner = UserFactory()
    MembershipFactory(user=owner, shop=shop)
    five_days_ago = datetime.now(tz=BERLIN) - timedelta(days=5)
    reservation = collected(shop, at=five_days_ago)
    review = give(reservation, rating=1, text="Der Verkäufer Herr X ist ...", at=five_days_ago)
    answer = Client().post(
        f"/laden/laden/bewertungen/{review.pk}/melden/", {"reason": "Name eines Mitarbeiters"}
    )
    assert answer.status_code == 302
    # then it is on the city's to-do list
    (todo,) = [item for item in city_todos(user=editor) if item.key == "reviews"]
    assert todo.count == 1
    # when the city hides it through the admin action, without a reason first
    admin = Client()
    admin.force_login(editor)
    url = "/admin/marketplace/feedback/"
    form = admin.post(url, {"action": "hide", "_selected_action": [review.pk]})
    assert form.status_code == 200  # the form asking for the reason
    empty = admin.post(url, {"action": "hide", "_selected_action": [review.pk], "apply": "1", "reason": ""})
    assert empty.status_code == 200
    assert Feedback.objects.get(pk=review.pk).hidden_at is None
    done = admin.post(
        url,
        {
            "action": "hide",
            "_selected_action": [review.pk],
            "apply": "1",
            "reason": "Nennt einen Mitarbeiter.",
        },
    )
    assert done.status_code == 302
    # then it is gone from the shop page, the reports are closed, and both sides see the reason
    review.refresh_from_db()
    assert review.hidden_reason == "Nennt einen Mitarbeiter."
    assert shop_feedback_summary(shop=shop).count == 0
    assert not FeedbackReport.objects.filter(handled_at__isnull=True).exists()
    assert [item for item in city_todos(user=editor) if item.key == "reviews"] == []
    merchant = Client()
    merchant.force_login(owner)
    assert "Nennt einen Mitarbeiter." in merchant.get("/mein-laden/laden/").content.decode()
    token = svc.feedback_token(reservation=reservation)
    assert "Nennt einen Mitarbeiter." in Client().get(f"/bewertung/{token}/").content.decode()


def test_merchants_cannot_moderate_and_reports_need_a_reason():
    # given
    roles_setup()
    shop = ShopFactory()
    review = give(collected(shop), rating=1)
    # when / then
    with pytest.raises(ValidationFailed):
        svc.feedback_report(feedback=review, by="merchant", reason="   ")
    with pytest.raises(ValidationFailed):
        svc.feedback_hide(feedback=review, reason="")
    assert not FeedbackReport.objects.exists()
    owner = UserFactory(is_staff=True)
    owner.groups.add(Group.objects.get(name="Merchants"))
    MembershipFactory(user=owner, shop=shop)
    client = Client()
    client.force_login(owner)
    client.post(
        "/admin/marketplace/feedback/",
        {"action": "hide", "_selected_action": [review.pk], "apply": "1", "reason": "Gefällt mir nicht"},
    )
    review.refresh_from_db()
    assert review.hidden_at is None


# --- the website form, the API ---


def test_resident_gives_feedback_on_the_website_once():
    # given
    reservation = collected(at=datetime.now(tz=BERLIN))
    token = svc.feedback_token(reservation=reservation)
    client = Client()
    # when
    sent = client.post(f"/bewertung/{token}/", {"ready": "partly", "rating": "4", "text": "Gut beraten."})
    again = client.post(f"/bewertung/{token}/", {"ready": "no", "rating": "1"})
    # then
    assert sent.status_code == 302
    assert again.status_code == 200  # shows the feedback already given
    assert b'data-testid="feedback-given"' in again.content
    assert list(Feedback.objects.values_list("ready", "rating", "text")) == [("partly", 4, "Gut beraten.")]


def test_api_feedback_reviews_and_merchant_answer_with_tenancy():
    # given
    shop = ShopFactory(slug="laden")
    ShopFactory(slug="fremd")
    ApiKeyFactory(shop=shop, raw_key=RAW)
    reservation = collected(shop, at=datetime.now(tz=BERLIN))
    token = svc.feedback_token(reservation=reservation)
    public = APIClient()
    merchant = APIClient()
    merchant.credentials(HTTP_AUTHORIZATION=f"Api-Key {RAW}")
    # when
    created = public.post("/api/v1/feedback/", {"token": token, "ready": "yes", "rating": 5}, format="json")
    twice = public.post("/api/v1/feedback/", {"token": token, "ready": "yes"}, format="json")
    bad = public.post("/api/v1/feedback/", {"token": "nope", "ready": "yes"}, format="json")
    listed = merchant.get("/api/v1/merchant/shops/laden/reviews/")
    feedback_id = created.json()["id"]
    answered = merchant.post(
        f"/api/v1/merchant/shops/laden/reviews/{feedback_id}/answer/",
        {"answer": "Danke!", "public": True},
        format="json",
    )
    foreign = merchant.get("/api/v1/merchant/shops/fremd/reviews/")
    anonymous = APIClient().post(
        f"/api/v1/merchant/shops/laden/reviews/{feedback_id}/answer/",
        {"answer": "x", "public": True},
        format="json",
    )
    reported = merchant.post(
        f"/api/v1/merchant/shops/laden/reviews/{feedback_id}/report/", {"reason": "Test"}, format="json"
    )
    reviews = public.get("/api/v1/shops/laden/reviews/")
    # then
    assert created.status_code == 201, created.content
    assert created.json()["first_name"] == "Erika"
    assert twice.status_code == 409
    assert twice.json()["error"]["code"] == "feedback_not_possible"
    assert bad.status_code == 404
    assert bad.json()["error"]["code"] == "feedback_link_invalid"
    assert [item["id"] for item in listed.json()] == [feedback_id]
    assert answered.status_code == 200, answered.content
    assert foreign.status_code == 404
    assert anonymous.status_code in (401, 403)
    assert reported.status_code == 204
    body = reviews.json()
    assert (body["count"], body["average"], body["ready_total"]) == (1, None, None)
    assert body["latest"][0]["answer"] == "Danke!"
    assert "erika@" not in str(body)


def test_outbox_rows_wait_for_the_dispatcher(django_capture_on_commit_callbacks):
    # given a collected reservation whose e-mails wait
    shop = ShopFactory()
    product = ProductFactory(shop=shop, quantity_on_hand=3)
    with django_capture_on_commit_callbacks(execute=False):
        created = reservation_services.reservation_create(
            items=[reservation_services.LineRequest(product_id=product.pk, quantity=1)],
            contact=reservation_services.Contact(name="Erika Muster", email="erika@example.org"),
        )
        reservation_services.reservation_collect(reservation=created.reservation)
    mail.outbox.clear()
    # when the dispatcher runs (twice)
    outbox_dispatch()
    outbox_dispatch()
    # then one feedback e-mail, never two
    assert len([m for m in mail.outbox if "bewertung/" in m.body]) == 1


def test_residents_report_published_reviews_only_on_the_website_and_in_the_api():
    # given a published review, one whose text is still in the shop's 72 hours and a hidden one
    shop = ShopFactory(slug="laden")
    now = datetime.now(tz=BERLIN)
    published = give(collected(shop, at=now), at=now, rating=1)
    waiting = give(collected(shop, at=now), at=now, rating=1, text="Noch beim Laden.")
    hidden = svc.feedback_hide(
        feedback=give(collected(shop, at=now), at=now, rating=1), reason="Beleidigend."
    )
    api = APIClient()
    # when
    reported = api.post(
        f"/api/v1/shops/laden/reviews/{published.pk}/report/", {"reason": "Falsch"}, format="json"
    )
    refused = [
        api.post(f"/api/v1/shops/laden/reviews/{item.pk}/report/", {"reason": "Falsch"}, format="json")
        for item in (waiting, hidden)
    ]
    foreign = api.post(
        f"/api/v1/shops/{ShopFactory().slug}/reviews/{published.pk}/report/", {"reason": "x"}, format="json"
    )
    empty = api.post(f"/api/v1/shops/laden/reviews/{published.pk}/report/", {"reason": ""}, format="json")
    website = Client().post(f"/laden/laden/bewertungen/{waiting.pk}/melden/", {"reason": "Falsch"})
    # then one report, by a resident, of the published review; the others change nothing
    assert reported.status_code == 204, reported.content
    assert [r.status_code for r in refused] == [404, 404]
    assert refused[0].json()["error"]["code"] == "not_found"
    assert foreign.status_code == 404
    assert empty.status_code == 400
    assert website.status_code == 404
    assert list(FeedbackReport.objects.values_list("feedback_id", "by")) == [(published.pk, "resident")]


def test_no_shows_alone_never_make_a_public_figure_but_the_city_sees_them():
    # given a shop whose only signals are six no-shows (no resident answered "was it there?")
    shop = ShopFactory()
    for _ in range(6):
        ReservationFactory(shop=shop, status=Reservation.Status.NO_SHOW, closed_at=T0)
    # when / then: residents, the API and my-shop see no share ("0 %" above "no reviews yet" would be unfair)
    assert stock_confidence(shop_ids=[shop.pk], now=T0) == {shop.pk: StockConfidence(signals=6, share=None)}
    # and the city's data-health board does
    assert stock_confidence(shop_ids=[shop.pk], now=T0, for_city=True) == {
        shop.pk: StockConfidence(signals=6, share=0.0)
    }
