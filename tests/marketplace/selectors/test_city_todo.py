"""The city workspace's to-do list: the counts match the data, each role sees only its own entries, and a
provider registered by another feature shows up (for the users with its permission only)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from marketplace.models import (
    Collection,
    CollectionItem,
    FeaturedShop,
    MerchantMessage,
    MerchantMessageRecipient,
    OutboxMessage,
    Post,
    Shop,
    Webhook,
    WebhookDelivery,
)
from marketplace.selectors import city_todo
from marketplace.selectors.city_todo import TodoItem, city_todos, todo_provider
from marketplace.services.roles import roles_setup
from tests.factories import MembershipFactory, ProductFactory, ShopFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    roles_setup()
    user = UserFactory(username="stadtmarketing", is_staff=True)
    user.groups.add(Group.objects.get(name="City editors"))
    return user


@pytest.fixture
def merchant():
    roles_setup()
    user = UserFactory(username="haendlerin", is_staff=True)
    user.groups.add(Group.objects.get(name="Merchants"))
    MembershipFactory(user=user)
    return user


@pytest.fixture
def operator():
    return UserFactory(username="betrieb", is_staff=True, is_superuser=True)


def _items(user) -> dict[str, TodoItem]:
    return {item.key: item for item in city_todos(user=user)}


def test_applications_count_only_pending_shops_with_the_oldest_age(editor) -> None:
    # given
    now = timezone.now()
    ShopFactory(status=Shop.Status.PENDING, created_at=now - timedelta(days=5))
    ShopFactory(status=Shop.Status.PENDING, created_at=now - timedelta(days=1))
    ShopFactory(status=Shop.Status.CHANGES_REQUESTED)  # waits for the merchant, not the city
    ShopFactory(status=Shop.Status.ACTIVE)

    # when
    item = _items(editor)["applications"]

    # then
    assert item.count == Shop.objects.filter(status=Shop.Status.PENDING).count() == 2
    assert "5" in item.detail
    assert item.urgent
    assert item.url.endswith("/admin/marketplace/shopapplication/?status=pending")


def test_nothing_to_do_gives_no_items(editor) -> None:
    # given: an active shop with fresh stock, nothing featured, no messages
    ProductFactory()

    # when / then
    assert city_todos(user=editor) == []


def test_stale_stock_counts_shops_without_any_fresh_product(editor) -> None:
    # given
    old = timezone.now() - timedelta(days=30)
    stale_shop = ShopFactory()
    ProductFactory(shop=stale_shop, stock_updated_at=old)
    ProductFactory(shop=stale_shop, stock_updated_at=old)
    mixed_shop = ShopFactory()  # one fresh product: still shows stock
    ProductFactory(shop=mixed_shop, stock_updated_at=old)
    ProductFactory(shop=mixed_shop)
    suspended = ShopFactory(status=Shop.Status.SUSPENDED)  # not on the map: not the city's to-do
    ProductFactory(shop=suspended, stock_updated_at=old)
    ProductFactory(shop=ShopFactory(), stock_updated_at=old, active=False)  # nothing listed

    # when
    item = _items(editor)["stale_stock"]

    # then
    assert item.count == 1


def test_featured_and_collections_ending_soon_or_without_pickup_today(editor) -> None:
    # given
    now = timezone.now()
    open_shop = ShopFactory()
    closed_shop = ShopFactory(hours=[])  # never open: nothing collectable today
    FeaturedShop.objects.create(shop=open_shop)  # fine
    FeaturedShop.objects.create(shop=open_shop, publish_until=now + timedelta(days=1))  # ends soon
    FeaturedShop.objects.create(shop=closed_shop)  # no pickup today
    FeaturedShop.objects.create(shop=closed_shop, publish_until=now - timedelta(days=1))  # over: not live
    fine = Collection.objects.create(title="Fein", slug="fein")
    CollectionItem.objects.create(collection=fine, shop=open_shop)
    empty_today = Collection.objects.create(title="Zu", slug="zu")
    CollectionItem.objects.create(collection=empty_today, product=ProductFactory(shop=closed_shop))
    ending = Collection.objects.create(title="Bald", slug="bald", publish_until=now + timedelta(hours=5))
    CollectionItem.objects.create(collection=ending, shop=open_shop)

    # when
    items = _items(editor)

    # then
    assert items["featured"].count == 2
    assert items["collections"].count == 2
    assert {c.slug for c in city_todo.collections_needing_attention(now=now)} == {"zu", "bald"}


def test_unanswered_questions_about_days_ahead(editor) -> None:
    # given
    today = timezone.localdate()
    ahead = MerchantMessage.objects.create(
        subject="Sonntag", body="?", question="open_day", question_date=today + timedelta(days=10)
    )
    past = MerchantMessage.objects.create(
        subject="Vorbei", body="?", question="open_day", question_date=today - timedelta(days=1)
    )
    news = MerchantMessage.objects.create(subject="News", body="!")
    shops = [ShopFactory() for _ in range(3)]
    MerchantMessageRecipient.objects.create(message=ahead, shop=shops[0])
    MerchantMessageRecipient.objects.create(message=ahead, shop=shops[1], answer="open")
    MerchantMessageRecipient.objects.create(message=past, shop=shops[2])
    MerchantMessageRecipient.objects.create(message=news, shop=shops[2])

    # when / then
    assert _items(editor)["message_answers"].count == 1


def _failed_webhook() -> None:
    shop = ShopFactory()
    hook = Webhook.objects.create(shop=shop, url="https://pos.example.org/hook", secret_salt="s")
    WebhookDelivery.objects.create(
        webhook=hook,
        event="stock.changed",
        event_id="00000000-0000-0000-0000-000000000001",
        payload={},
        attempt=6,
        status_code=500,
    )
    WebhookDelivery.objects.create(
        webhook=hook,
        event="stock.changed",
        event_id="00000000-0000-0000-0000-000000000002",
        payload={},
        attempt=2,
        status_code=500,  # will be retried: not failed for good
    )
    Webhook.objects.create(
        shop=shop,
        url="https://pos.example.org/off",
        secret_salt="t",
        active=False,
        disabled_at=timezone.now(),
    )


def test_each_role_sees_only_its_own_entries(editor, merchant, operator) -> None:
    # given: something for every provider
    ShopFactory(status=Shop.Status.PENDING)
    ProductFactory(stock_updated_at=timezone.now() - timedelta(days=30))
    _failed_webhook()

    # when
    city, technical, merchants = _items(editor), _items(operator), _items(merchant)

    # then: the city sees its work and nothing technical; the operator also the failed deliveries;
    # a merchant (no workspace) sees nothing, although they may view their own webhook deliveries
    assert {"applications", "stale_stock"} <= set(city)
    assert "webhook_failures" not in city
    assert technical["webhook_failures"].count == 2  # one final failure + one disabled hook
    assert merchants == {}


def test_inactive_user_sees_nothing(editor) -> None:
    # given
    ShopFactory(status=Shop.Status.PENDING)
    editor.is_active = False

    # when / then
    assert city_todos(user=editor) == []


@pytest.fixture
def registered_provider() -> Iterator[None]:
    @todo_provider(key="test_reviews", permission="marketplace.change_category", order=1)
    def reviews_todo(*, now) -> TodoItem | None:
        return TodoItem.of(key="test_reviews", count=7, label="7 reviews reported", url="/admin/reviews/")

    yield
    city_todo._PROVIDERS.pop("test_reviews")


def test_a_registered_provider_appears_for_users_with_its_permission(
    registered_provider, editor, merchant
) -> None:
    # when
    city, merchants = _items(editor), _items(merchant)

    # then: first in order, with its count and link
    assert next(iter(city)) == "test_reviews"
    assert city["test_reviews"].count == 7
    assert city["test_reviews"].url == "/admin/reviews/"
    assert "test_reviews" not in merchants


def test_claim_letters_unanswered_for_two_weeks(editor) -> None:
    # given
    from marketplace.models import ClaimCode

    now = timezone.now()

    def letter(shop: Shop, *, days_ago: int, **kwargs) -> None:
        sent = now - timedelta(days=days_ago)
        ClaimCode.objects.create(
            shop=shop,
            code_hash=f"{shop.pk:064d}"[-64:],
            created_at=sent,
            expires_at=sent + timedelta(days=90),
            **kwargs,
        )

    letter(ShopFactory(status=Shop.Status.LISTED), days_ago=20)  # unanswered
    letter(ShopFactory(status=Shop.Status.LISTED), days_ago=3)  # too recent
    letter(ShopFactory(status=Shop.Status.LISTED), days_ago=20, revoked_at=now)  # revoked
    letter(ShopFactory(status=Shop.Status.ACTIVE), days_ago=30, used_at=now)  # claimed

    # when
    item = _items(editor)["claim_letters"]

    # then
    assert item.count == 1
    assert item.url.startswith("/admin/marketplace/claimcode/")


def _post(*, created_ago: timedelta, hidden: bool = False, ends_in: timedelta = timedelta(days=2)) -> Post:
    now = timezone.now()
    post = Post.objects.create(
        shop=ShopFactory(),
        title="Spargel frisch",
        starts_at=now - created_ago,
        ends_at=now + ends_in,
        hidden_at=now if hidden else None,
        hidden_reason="Werbung" if hidden else "",
    )
    Post.objects.filter(pk=post.pk).update(created_at=now - created_ago)  # created_at is set on insert
    return post


def test_new_live_posts_of_the_last_day_are_to_look_over(editor, merchant) -> None:
    # given: two new live posts; one older, one hidden, one ended (none of these three count)
    _post(created_ago=timedelta(hours=1))
    _post(created_ago=timedelta(hours=20))
    _post(created_ago=timedelta(days=2))
    _post(created_ago=timedelta(hours=2), hidden=True)
    ended = _post(created_ago=timedelta(hours=3))
    Post.objects.filter(pk=ended.pk).update(ends_at=timezone.now() - timedelta(minutes=1))

    # when
    city, merchants = _items(editor), _items(merchant)

    # then
    assert (
        city["posts"].count
        == Post.objects.live(at=timezone.now())
        .filter(created_at__gte=timezone.now() - timedelta(days=1))
        .count()
        == 2
    )
    assert city["posts"].url == "/admin/marketplace/post/?state=live"
    assert "posts" not in merchants


def test_dead_outbox_rows_for_the_roles_that_see_the_outbox(editor, merchant, operator) -> None:
    # given: two dead side effects, one still waiting, one delivered
    for state in ("dead", "dead", "pending", "delivered"):
        OutboxMessage.objects.create(kind="email.test", state=state, attempts=0)

    # when
    city, technical, merchants = _items(editor), _items(operator), _items(merchant)

    # then: operators and the city (who may retry e-mails from the outbox) see them; merchants have no
    # workspace (they see their own webhooks' queue in the admin)
    assert technical["outbox_dead"].count == city["outbox_dead"].count == 2
    assert technical["outbox_dead"].urgent
    assert technical["outbox_dead"].url == "/admin/marketplace/outboxmessage/?state__exact=dead"
    assert merchants == {}
