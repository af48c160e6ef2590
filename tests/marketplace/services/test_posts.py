"""Posts: expiry by timestamp (frozen clock), the daily limit (also raced), the city's hiding, photos."""

from __future__ import annotations

import io
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.db import connections
from PIL import Image

from marketplace.exceptions import NotFound, ValidationFailed
from marketplace.models import Post
from marketplace.selectors import posts as selectors
from marketplace.services import posts as svc
from marketplace.services.images import image_clean
from marketplace.services.posts import PostInput, PostLimitReached, end_of_local_day
from tests.factories import CategoryFactory, ProductFactory, ShopFactory, UserFactory

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_NOON = datetime(2026, 11, 30, 12, 0, tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _input(**overrides) -> PostInput:
    values = {"title": "Frischer Spargel", "ends_at": MONDAY_NOON + timedelta(days=5)}
    values.update(overrides)
    return PostInput(**values)


def _jpeg_with_gps(size: tuple[int, int] = (4000, 3000)) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotated 90° clockwise
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (53.0, 14.0, 0.0), 3: "E", 4: (10.0, 24.0, 0.0)})  # GPS position
    exif[0x010F] = "SpyCam"  # camera make
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    data = buffer.getvalue()
    with Image.open(io.BytesIO(data)) as check:  # the test photo really carries the position
        assert check.getexif().get_ifd(0x8825)
    return data


@pytest.mark.django_db
def test_a_post_is_live_until_its_end_and_then_gone_by_itself():
    # given
    shop = ShopFactory()
    with time_machine.travel(MONDAY_NOON, tick=False):
        post = svc.post_create(
            shop=shop,
            data=_input(ends_at=end_of_local_day(MONDAY_NOON.date() + timedelta(days=5), "Europe/Berlin")),
        )
    # when / then: Saturday 23:59 still shown, Sunday 00:00 gone (no sweeper involved)
    saturday_late = datetime(2026, 12, 5, 23, 59, tzinfo=BERLIN)
    sunday = datetime(2026, 12, 6, 0, 0, 1, tzinfo=BERLIN)
    with time_machine.travel(saturday_late, tick=False):
        assert list(selectors.posts_feed(now=saturday_late)) == [post]
    with time_machine.travel(sunday, tick=False):
        assert list(selectors.posts_feed(now=sunday)) == []
        with pytest.raises(NotFound):
            selectors.post_get_public(post_id=post.pk, now=sunday)
    assert Post.objects.filter(pk=post.pk).exists()  # nothing is deleted


@pytest.mark.django_db
def test_a_post_that_starts_later_is_not_shown_before():
    shop = ShopFactory()
    post = svc.post_create(shop=shop, data=_input(starts_at=MONDAY_NOON + timedelta(days=1)), now=MONDAY_NOON)
    assert list(selectors.posts_feed(now=MONDAY_NOON)) == []
    assert list(selectors.posts_feed(now=MONDAY_NOON + timedelta(days=1, seconds=1))) == [post]


@pytest.mark.django_db
def test_posts_of_a_suspended_shop_are_not_shown():
    shop = ShopFactory()
    svc.post_create(shop=shop, data=_input(), now=MONDAY_NOON)
    shop.status = shop.Status.SUSPENDED
    shop.save()
    assert list(selectors.posts_feed(now=MONDAY_NOON)) == []


@pytest.mark.django_db
def test_daily_limit_counts_the_local_day_including_ended_posts(settings):
    # given: the limit is 3 and the shop wrote 3 posts today, one of them already taken down
    settings.LADENKARTE_POSTS_PER_DAY = 3
    shop = ShopFactory()
    first = svc.post_create(shop=shop, data=_input(title="eins"), now=MONDAY_NOON)
    svc.post_end(post=first, now=MONDAY_NOON + timedelta(minutes=1))
    svc.post_create(shop=shop, data=_input(title="zwei"), now=MONDAY_NOON)
    svc.post_create(shop=shop, data=_input(title="drei"), now=MONDAY_NOON)
    # when: a fourth one the same evening
    with pytest.raises(PostLimitReached) as exc:
        svc.post_create(shop=shop, data=_input(title="vier"), now=MONDAY_NOON.replace(hour=23, minute=30))
    # then: refused, nothing written; the local midnight resets the count
    assert exc.value.code == "post_limit_reached"
    assert exc.value.details["resets_at"] == "2026-12-01T00:00:00+01:00"
    assert Post.objects.filter(shop=shop).count() == 3
    tomorrow = datetime(2026, 12, 1, 0, 5, tzinfo=BERLIN)
    svc.post_create(shop=shop, data=_input(title="vier", ends_at=tomorrow + timedelta(days=1)), now=tomorrow)
    assert Post.objects.filter(shop=shop).count() == 4
    # another shop has its own budget
    svc.post_create(shop=ShopFactory(), data=_input(), now=MONDAY_NOON)


@pytest.mark.django_db(transaction=True)
def test_two_phones_racing_for_the_last_post_of_the_day_get_exactly_one(settings):
    # given: one post left today
    settings.LADENKARTE_POSTS_PER_DAY = 2
    shop = ShopFactory()
    svc.post_create(shop=shop, data=_input(title="schon da"), now=MONDAY_NOON)
    barrier = threading.Barrier(6)
    results: list[object] = [None] * 6

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = svc.post_create(shop=shop, data=_input(title=f"p{index}"), now=MONDAY_NOON)
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert sum(isinstance(r, Post) for r in results) == 1
    assert sum(isinstance(r, PostLimitReached) for r in results) == 5
    assert Post.objects.filter(shop=shop).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"text": "x" * 1001}, "text"),
        ({"kind": "advert"}, "kind"),
        ({"ends_at": MONDAY_NOON - timedelta(minutes=1)}, "ends_at"),
        ({"ends_at": MONDAY_NOON + timedelta(days=40)}, "ends_at"),
        # far in the past (found by schemathesis: year 552 rendered with Berlin's LMT offset +00:53:28)
        ({"starts_at": datetime(552, 3, 31, 23, 22, tzinfo=BERLIN)}, "starts_at"),
        ({"starts_at": MONDAY_NOON - timedelta(days=1, minutes=1)}, "starts_at"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(overrides, field):
    shop = ShopFactory()
    with pytest.raises(ValidationFailed) as exc:
        svc.post_create(shop=shop, data=_input(**overrides), now=MONDAY_NOON)
    assert field in exc.value.details
    assert Post.objects.count() == 0


@pytest.mark.django_db
def test_a_start_a_little_in_the_past_is_taken():
    # given: a client whose clock is an hour slow
    shop = ShopFactory()
    # when
    post = svc.post_create(
        shop=shop, data=_input(starts_at=MONDAY_NOON - timedelta(hours=1)), now=MONDAY_NOON
    )
    # then
    assert post.starts_at == MONDAY_NOON - timedelta(hours=1)


@pytest.mark.django_db
def test_products_must_be_the_shops_own_and_then_are_in_the_news():
    # given
    shop = ShopFactory()
    own = ProductFactory(shop=shop, title="Spargel weiß")
    foreign = ProductFactory(shop=ShopFactory())
    # when: another shop's product
    with pytest.raises(ValidationFailed) as exc:
        svc.post_create(shop=shop, data=_input(product_ids=[own.pk, foreign.pk]), now=MONDAY_NOON)
    # then
    assert "products" in exc.value.details
    assert Post.objects.count() == 0
    post = svc.post_create(shop=shop, data=_input(product_ids=[own.pk]), now=MONDAY_NOON)
    assert selectors.posts_about_product(product=own, now=MONDAY_NOON) == [post]
    assert selectors.posts_about_product(product=foreign, now=MONDAY_NOON) == []


@pytest.mark.django_db
def test_the_city_hides_a_post_with_a_reason_and_can_show_it_again():
    # given
    shop = ShopFactory()
    editor = UserFactory()
    post = svc.post_create(shop=shop, data=_input(), now=MONDAY_NOON)
    # when: no reason
    with pytest.raises(ValidationFailed):
        svc.post_hide(post=post, reason="  ", by=editor)
    post.refresh_from_db()
    assert post.hidden_at is None
    # when: with a reason
    svc.post_hide(post=post, reason="Werbung für ein anderes Geschäft", by=editor, now=MONDAY_NOON)
    # then: gone for residents, the shop sees why
    assert list(selectors.posts_feed(now=MONDAY_NOON)) == []
    mine = selectors.posts_for_member(shop=shop, now=MONDAY_NOON)
    assert [(p.hidden_reason, p.hidden_by) for p in mine] == [("Werbung für ein anderes Geschäft", editor)]
    assert selectors.newest_post_titles(now=MONDAY_NOON) == {}
    # and back
    svc.post_unhide(post=post)
    assert list(selectors.posts_feed(now=MONDAY_NOON)) == [post]


@pytest.mark.django_db
def test_feed_filters_by_shop_category_and_distance():
    # given: a bakery in the centre and a bike shop 5 km away
    from django.contrib.gis.geos import Point

    from marketplace.selectors.shops import Near

    food = CategoryFactory(slug="lebensmittel")
    bread = CategoryFactory(slug="brot", parent=food)
    bakery = ShopFactory(location=Point(10.4077, 53.2489, srid=4326))
    bakery.categories.add(bread)
    bikes = ShopFactory(location=Point(10.4077, 53.2939, srid=4326))
    near_post = svc.post_create(shop=bakery, data=_input(title="Brot"), now=MONDAY_NOON)
    far_post = svc.post_create(shop=bikes, data=_input(title="Rad"), now=MONDAY_NOON)
    # then: newest first; a parent category includes its children; distance from a point
    assert set(selectors.posts_feed(now=MONDAY_NOON)) == {far_post, near_post}
    assert list(selectors.posts_feed(now=MONDAY_NOON, category_slug="lebensmittel")) == [near_post]
    assert list(selectors.posts_feed(now=MONDAY_NOON, category_slug="brot")) == [near_post]
    near = Near(lat=53.2489, lng=10.4077, radius_km=3)
    assert list(selectors.posts_feed(now=MONDAY_NOON, near=near)) == [near_post]


@pytest.mark.django_db
def test_feed_is_newest_first():
    shop = ShopFactory()
    older = svc.post_create(shop=shop, data=_input(title="alt"), now=MONDAY_NOON - timedelta(hours=2))
    newer = svc.post_create(shop=shop, data=_input(title="neu"), now=MONDAY_NOON)
    assert list(selectors.posts_feed(now=MONDAY_NOON)) == [newer, older]


@pytest.mark.django_db
def test_photo_is_stripped_of_exif_turned_upright_resized_and_stored():
    # given: a 4000x3000 phone photo with GPS position and orientation "rotate 90°"
    shop = ShopFactory()
    # when
    post = svc.post_create(shop=shop, data=_input(photo=_jpeg_with_gps()), now=MONDAY_NOON)
    # then
    assert post.photo.name.startswith("posts/")
    assert default_storage.exists(post.photo.name)
    with default_storage.open(post.photo.name, "rb") as handle, Image.open(handle) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (1200, 1600)  # upright (portrait) and at most 1600 px
        assert dict(stored.getexif()) == {}
        assert "exif" not in stored.info


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"GIF89a" + b"\0" * 100, "unreadable"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "unreadable"),
        (b"\xff\xd8\xff\xe0 not really a jpeg", "unreadable"),
    ],
)
def test_non_photos_are_refused(data, reason):
    with pytest.raises(ValidationFailed) as exc:
        image_clean(data)
    assert exc.value.details["reason"] == reason


def test_a_gif_is_refused_by_type():
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="GIF")
    with pytest.raises(ValidationFailed) as exc:
        image_clean(buffer.getvalue())
    assert exc.value.details["reason"] == "type"


def test_too_large_and_too_many_pixels_are_refused(settings):
    settings.LADENKARTE_UPLOAD_MAX_BYTES = 1000
    with pytest.raises(ValidationFailed) as exc:
        image_clean(b"\0" * 1001)
    assert exc.value.details["reason"] == "too_large"
    settings.LADENKARTE_UPLOAD_MAX_BYTES = 10_000_000
    settings.LADENKARTE_UPLOAD_MAX_PIXELS = 100 * 100
    buffer = io.BytesIO()
    Image.new("RGB", (101, 100)).save(buffer, format="PNG")
    with pytest.raises(ValidationFailed) as exc:
        image_clean(buffer.getvalue())
    assert exc.value.details["reason"] == "too_many_pixels"


@pytest.mark.django_db
def test_a_refused_post_leaves_no_photo_behind(settings, tmp_path):
    # given: the limit is reached
    settings.LADENKARTE_POSTS_PER_DAY = 0
    # when
    with pytest.raises(PostLimitReached):
        svc.post_create(shop=ShopFactory(), data=_input(photo=_jpeg_with_gps((400, 300))), now=MONDAY_NOON)
    # then
    assert not list(tmp_path.rglob("*.jpg"))
