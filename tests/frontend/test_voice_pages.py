"""The shops' own voice on the website: town feed, jobs, JSON-LD, feeds, share cards, poster, og tags,
my-shop and the admin's moderation. Everything through the real URLs and the real database."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from PIL import Image

from marketplace.models import JobPosting, Post
from marketplace.services import jobs, posts
from marketplace.services.jobs import JobInput
from marketplace.services.posts import PostInput
from marketplace.services.roles import roles_setup
from tests.factories import CategoryFactory, MembershipFactory, ProductFactory, ShopFactory, UserFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
GOOGLE_REQUIRED = ("title", "description", "datePosted", "hiringOrganization", "jobLocation")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def town() -> dict[str, Any]:
    bread = CategoryFactory(slug="brot", name="Brot", name_en="Bread")
    bakery = ShopFactory(slug="baeckerei", name="Bäckerei Harms", street="Große Bäckerstraße 9")
    bakery.categories.add(bread)
    cake = ProductFactory(shop=bakery, title="Butterkuchen", quantity_on_hand=4)
    post = posts.post_create(
        shop=bakery,
        data=PostInput(
            title="Butterkuchen frisch vom Blech",
            text="Ab 14 Uhr warm.",
            kind=Post.Kind.OFFER,
            ends_at=timezone.now() + timedelta(days=2),
            product_ids=[cake.pk],
        ),
    )
    job = jobs.job_create(
        shop=bakery,
        data=JobInput(
            title="Ausbildung Bäcker/in",
            kind=JobPosting.Kind.APPRENTICESHIP,
            description="Du backst gern?\n\nStart im August.",
            valid_through=timezone.localdate() + timedelta(days=30),
            hours_per_week=39,
            apply_email="jobs@baeckerei.example",
        ),
    )
    return {"bakery": bakery, "cake": cake, "post": post, "job": job, "bread": bread}


class _Assets(HTMLParser):
    """Collects script sources, inline scripts, stylesheet links, meta properties and JSON-LD of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.inline: list[tuple[str, str]] = []
        self.styles: list[str] = []
        self.meta: dict[str, str] = {}
        self.json_ld: list[Any] = []
        self._script_type: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "script":
            if a.get("src"):
                self.scripts.append(a["src"])
            else:
                self._script_type = a.get("type", "")
        elif tag == "link" and "stylesheet" in a.get("rel", ""):
            self.styles.append(a.get("href", ""))
        elif tag == "meta" and (a.get("property") or a.get("name")):
            self.meta[a.get("property") or a.get("name")] = a.get("content", "")
        elif tag == "style":
            self.inline.append(("style", ""))

    def handle_data(self, data: str) -> None:
        if self._script_type is not None:
            self.inline.append((self._script_type, data))
            if self._script_type == "application/ld+json":
                self.json_ld.append(json.loads(data))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script_type = None


def _parse(client: Client, path: str) -> _Assets:
    response = client.get(path)
    assert response.status_code == 200, path
    parser = _Assets()
    parser.feed(response.content.decode())
    return parser


def _public_pages(town: dict[str, Any]) -> list[str]:
    return [
        "/",
        "/suche/?q=kuchen",
        f"/laden/{town['bakery'].slug}/",
        f"/produkt/{town['cake'].pk}-butterkuchen/",
        "/sammlungen/",
        "/im-fokus/",
        "/impressum/",
        "/datenschutz/",
        "/neu/",
        f"/neu/{town['post'].pk}/",
        "/jobs/",
        f"/jobs/{town['job'].pk}/",
        "/en/jobs/",
        "/en/neu/",
        "/laden-anmelden/",
    ]


def test_every_public_page_has_og_tags_and_no_external_script_or_style(client, town):
    for path in _public_pages(town):
        page = _parse(client, path)
        # og:* on every public page
        for name in ("og:site_name", "og:type", "og:title", "og:description", "og:url"):
            assert page.meta.get(name), f"{name} missing on {path}"
        # every script and stylesheet is ours (relative to our origin), no inline JavaScript
        for src in page.scripts + page.styles:
            assert re.match(r"^/[^/]", src), f"{src} on {path}"
        assert all(kind in ("application/json", "application/ld+json") for kind, _ in page.inline), path


def test_shop_product_post_and_job_pages_carry_a_share_card(client, town):
    for path in (
        f"/laden/{town['bakery'].slug}/",
        f"/produkt/{town['cake'].pk}-butterkuchen/",
        f"/neu/{town['post'].pk}/",
        f"/jobs/{town['job'].pk}/",
    ):
        page = _parse(client, path)
        assert re.search(r"/teilen/\w+/\d+/[0-9a-f]{16}-wide\.png$", page.meta["og:image"]), path
        assert page.meta["twitter:card"] == "summary_large_image"
        assert page.meta["og:image:width"] == "1200"


def test_job_page_has_jobposting_json_ld_with_every_required_field(client, town):
    # when
    page = _parse(client, f"/jobs/{town['job'].pk}/")
    # then
    [data] = [d for d in page.json_ld if d.get("@type") == "JobPosting"]
    for field in GOOGLE_REQUIRED:
        assert data[field], field
    assert data["title"] == "Ausbildung Bäcker/in"
    assert data["description"] == "<p>Du backst gern?</p><p>Start im August.</p>"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["datePosted"])
    assert data["validThrough"].startswith((timezone.localdate() + timedelta(days=30)).isoformat() + "T23:59")
    assert data["employmentType"] == "FULL_TIME"
    assert data["hiringOrganization"] == {
        "@type": "Organization",
        "name": "Bäckerei Harms",
        "sameAs": f"http://testserver/laden/{town['bakery'].slug}/".replace(
            "http://testserver", data["url"].split("/jobs/")[0]
        ),
    }
    address = data["jobLocation"]["address"]
    assert address["@type"] == "PostalAddress"
    assert (
        address["streetAddress"],
        address["postalCode"],
        address["addressLocality"],
        address["addressCountry"],
    ) == (
        "Große Bäckerstraße 9",
        "21335",
        "Lüneburg",
        "DE",
    )
    assert address["addressRegion"]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("full_time", "FULL_TIME"),
        ("part_time", "PART_TIME"),
        ("mini_job", "PART_TIME"),
        ("internship", "INTERN"),
    ],
)
def test_employment_type_mapping(client, town, kind, expected):
    JobPosting.objects.filter(pk=town["job"].pk).update(kind=kind)
    [data] = [d for d in _parse(client, f"/jobs/{town['job'].pk}/").json_ld if d["@type"] == "JobPosting"]
    assert data["employmentType"] == expected


def test_news_page_lists_live_posts_with_filters_and_map_badges(client, town):
    other = ShopFactory(name="Fahrradhaus")
    posts.post_create(
        shop=other, data=PostInput(title="Wintercheck", ends_at=timezone.now() + timedelta(days=3))
    )
    html = client.get("/neu/").content.decode()
    assert "Butterkuchen frisch vom Blech" in html
    assert "Wintercheck" in html
    markers = json.loads(re.search(r'id="news-markers"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert {m["news"] for m in markers} == {"Butterkuchen frisch vom Blech", "Wintercheck"}
    filtered = client.get("/neu/?kategorie=brot").content.decode()
    assert "Butterkuchen frisch vom Blech" in filtered
    assert "Wintercheck" not in filtered
    assert client.get("/neu/?kategorie=gibt-es-nicht").status_code == 200


def test_home_map_marks_shops_with_news(client, town):
    html = client.get("/").content.decode()
    markers = json.loads(re.search(r'id="shop-markers"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert [m.get("news") for m in markers if m["id"] == town["bakery"].pk] == [
        "Butterkuchen frisch vom Blech"
    ]


def test_shop_and_product_pages_show_the_post_and_in_the_news(client, town):
    shop_html = client.get(f"/laden/{town['bakery'].slug}/").content.decode()
    assert "Butterkuchen frisch vom Blech" in shop_html
    assert "Ausbildung Bäcker/in" in shop_html
    product_html = client.get(f"/produkt/{town['cake'].pk}-butterkuchen/").content.decode()
    assert "In den Neuigkeiten" in product_html
    assert f"/neu/{town['post'].pk}/" in product_html


def test_hidden_post_is_gone_from_every_page(client, town):
    posts.post_hide(post=town["post"], reason="Irreführend")
    assert "Butterkuchen frisch vom Blech" not in client.get("/neu/").content.decode()
    assert (
        "Butterkuchen frisch vom Blech" not in client.get(f"/laden/{town['bakery'].slug}/").content.decode()
    )
    assert client.get(f"/neu/{town['post'].pk}/").status_code == 404
    assert client.get("/neu/rss/").content.decode().count("<item>") == 0


def test_jobs_page_in_both_languages_with_filters(client, town):
    jobs.job_create(
        shop=ShopFactory(),
        data=JobInput(
            title="Aushilfe Kasse",
            kind=JobPosting.Kind.MINI_JOB,
            description="Samstags.",
            valid_through=timezone.localdate() + timedelta(days=5),
            apply_phone="04131 1234",
        ),
    )
    german = client.get("/jobs/").content.decode()
    assert "Ausbildung Bäcker/in" in german
    assert "Aushilfe Kasse" in german
    assert '<html lang="de">' in german
    english = client.get("/en/jobs/").content.decode()
    assert '<html lang="en">' in english
    assert "Apprenticeship" in english
    only_mini = client.get("/jobs/?art=mini_job").content.decode()
    assert "Aushilfe Kasse" in only_mini
    assert "Ausbildung Bäcker/in" not in only_mini
    only_bread = client.get("/jobs/?kategorie=brot").content.decode()
    assert "Ausbildung Bäcker/in" in only_bread
    assert "Aushilfe Kasse" not in only_bread


def test_expired_job_answers_404(client, town):
    JobPosting.objects.filter(pk=town["job"].pk).update(
        valid_through=timezone.localdate() - timedelta(days=1)
    )
    assert client.get(f"/jobs/{town['job'].pk}/").status_code == 404
    assert "Ausbildung Bäcker/in" not in client.get("/jobs/").content.decode()


def _rss_items(client: Client, path: str) -> list[ET.Element]:
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own feed from the test client
    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    assert channel.findtext("title")
    assert channel.findtext("link")
    return channel.findall("item")


def _atom_entries(client: Client, path: str) -> list[ET.Element]:
    response = client.get(path)
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own feed from the test client
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}title")
    assert root.findtext(f"{ATOM}id")
    assert root.findtext(f"{ATOM}updated")
    return root.findall(f"{ATOM}entry")


def test_feeds_parse_back(client, town):
    [item] = _rss_items(client, "/neu/rss/")
    assert item.findtext("title") == "Bäckerei Harms: Butterkuchen frisch vom Blech"
    assert item.findtext("link").endswith(f"/neu/{town['post'].pk}/")
    assert item.findtext("pubDate")
    [entry] = _atom_entries(client, "/neu/atom/")
    assert entry.findtext(f"{ATOM}title") == "Bäckerei Harms: Butterkuchen frisch vom Blech"
    [job] = _rss_items(client, "/jobs/rss/")
    assert "Ausbildung Bäcker/in" in job.findtext("title")
    assert len(_atom_entries(client, "/jobs/atom/")) == 1
    assert len(_rss_items(client, f"/laden/{town['bakery'].slug}/neu/rss/")) == 1
    assert len(_atom_entries(client, f"/laden/{town['bakery'].slug}/neu/atom/")) == 1
    assert len(_rss_items(client, f"/laden/{ShopFactory().slug}/neu/rss/")) == 0
    assert client.get("/laden/gibt-es-nicht/neu/rss/").status_code == 404


def _card_urls(client: Client, path: str) -> tuple[str, str]:
    page = _parse(client, path)
    wide = page.meta["og:image"].split("testserver", 1)[-1]
    wide = re.sub(r"^https?://[^/]+", "", wide)
    return wide, wide.replace("-wide.png", "-square.png")


@pytest.mark.parametrize("kind", ["shop", "product", "post", "job"])
def test_share_images_have_the_right_sizes_and_change_with_the_title(client, town, kind):
    # given
    path = {
        "shop": f"/laden/{town['bakery'].slug}/",
        "product": f"/produkt/{town['cake'].pk}-butterkuchen/",
        "post": f"/neu/{town['post'].pk}/",
        "job": f"/jobs/{town['job'].pk}/",
    }[kind]
    wide, square = _card_urls(client, path)
    # when
    responses = [client.get(wide), client.get(square)]
    # then
    sizes = []
    for response in responses:
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert "immutable" in response["Cache-Control"]
        with Image.open(io.BytesIO(response.content)) as image:
            sizes.append(image.size)
    assert sizes == [(1200, 630), (1080, 1080)]
    # when the title changes, the URL and the picture change; the old URL redirects to the new one
    model = {"shop": town["bakery"], "product": town["cake"], "post": town["post"], "job": town["job"]}[kind]
    field = "name" if kind == "shop" else "title"
    type(model).objects.filter(pk=model.pk).update(**{field: "Ganz anderer Titel"})
    if kind == "product":
        path = f"/produkt/{town['cake'].pk}-ganz-anderer-titel/"
    new_wide, _ = _card_urls(client, path)
    assert new_wide != wide
    assert client.get(new_wide).content != responses[0].content
    old = client.get(wide)
    assert old.status_code == 302
    assert old["Location"] == new_wide


def test_product_card_says_in_stock_today_only_when_available(client, town):
    wide, _ = _card_urls(client, f"/produkt/{town['cake'].pk}-butterkuchen/")
    type(town["cake"]).objects.filter(pk=town["cake"].pk).update(quantity_on_hand=0)
    sold_out, _ = _card_urls(client, f"/produkt/{town['cake'].pk}-butterkuchen/")
    assert sold_out != wide


def test_share_image_of_unknown_or_hidden_things_is_404(client, town):
    wide, _ = _card_urls(client, f"/neu/{town['post'].pk}/")
    posts.post_hide(post=town["post"], reason="Spam")
    assert client.get(wide).status_code == 404
    assert client.get("/teilen/user/1/0123456789abcdef-wide.png").status_code == 404
    assert client.get(wide.replace("-wide.png", "-huge.png")).status_code == 404


def test_poster_is_an_a6_pdf_with_the_shop_page(client, town):
    response = client.get(f"/laden/{town['bakery'].slug}/aushang.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    # A6 = 105 x 148 mm = 297.6 x 419.5 pt
    assert re.search(rb"/MediaBox \[ ?0 0 297\.6\d* 419\.5\d* ?\]", response.content)
    assert client.get("/laden/gibt-es-nicht/aushang.pdf").status_code == 404


# --- my-shop ------------------------------------------------------------------------------------------------


@pytest.fixture
def member(town) -> Client:
    client = Client()
    client.force_login(MembershipFactory(shop=town["bakery"]).user)
    return client


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2000, 1000), (10, 200, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_member_writes_a_post_with_photo_and_products_in_my_shop(member, town):
    from django.core.files.uploadedfile import SimpleUploadedFile

    # when
    response = member.post(
        f"/mein-laden/{town['bakery'].slug}/neu/",
        {
            "kind": "event",
            "title": "Backkurs am Samstag",
            "text": "Für Kinder ab 8.",
            "ends_on": (timezone.localdate() + timedelta(days=4)).isoformat(),
            "products": [town["cake"].pk],
            "photo": SimpleUploadedFile("kurs.jpg", _jpeg(), content_type="image/jpeg"),
        },
    )
    # then
    assert response.status_code == 302
    post = Post.objects.get(title="Backkurs am Samstag")
    assert post.photo.name.startswith("posts/")
    assert list(post.products.all()) == [town["cake"]]
    local_end = timezone.localtime(post.ends_at)
    assert (local_end.date(), local_end.hour, local_end.minute) == (
        timezone.localdate() + timedelta(days=4),
        23,
        59,
    )
    page = member.get(f"/mein-laden/{town['bakery'].slug}/").content.decode()
    assert "Backkurs am Samstag" in page


def test_my_shop_shows_the_limit_error_and_changes_nothing(member, town, settings):
    settings.LADENKARTE_POSTS_PER_DAY = 1
    response = member.post(
        f"/mein-laden/{town['bakery'].slug}/neu/",
        {
            "kind": "news",
            "title": "Noch einer",
            "ends_on": (timezone.localdate() + timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 429
    assert "heute" in response.content.decode()
    assert not Post.objects.filter(title="Noch einer").exists()


def test_my_shop_shows_the_citys_reason_for_hiding(member, town):
    posts.post_hide(post=town["post"], reason="Bitte ohne Preisvergleich mit Nachbarn")
    assert (
        "Bitte ohne Preisvergleich mit Nachbarn"
        in member.get(f"/mein-laden/{town['bakery'].slug}/").content.decode()
    )


def test_member_posts_and_ends_a_job(member, town):
    response = member.post(
        f"/mein-laden/{town['bakery'].slug}/jobs/",
        {
            "title": "Aushilfe",
            "kind": "mini_job",
            "description": "Samstags im Verkauf.",
            "apply_phone": "04131 99",
            "valid_through": (timezone.localdate() + timedelta(days=20)).isoformat(),
        },
    )
    assert response.status_code == 302
    job = JobPosting.objects.get(title="Aushilfe")
    member.post(f"/mein-laden/{town['bakery'].slug}/jobs/{job.pk}/beenden/")
    job.refresh_from_db()
    assert job.valid_through < timezone.localdate()


def _state() -> list[Any]:
    return [
        sorted(Post.objects.values_list("title", "ends_at", "hidden_at")),
        sorted(JobPosting.objects.values_list("title", "valid_through")),
    ]


@pytest.mark.parametrize("who", ["other_member", "resident", "anonymous"])
def test_others_cannot_write_or_end_the_shops_posts_and_jobs(town, who):
    client = Client()
    if who == "other_member":
        client.force_login(MembershipFactory(shop=ShopFactory()).user)
    elif who == "resident":
        client.force_login(UserFactory())
    slug = town["bakery"].slug
    before = _state()
    for path, data in (
        (f"/mein-laden/{slug}/neu/", {"kind": "news", "title": "Fremd", "ends_on": "2099-01-01"}),
        (f"/mein-laden/{slug}/neu/{town['post'].pk}/beenden/", {}),
        (f"/mein-laden/{slug}/jobs/", {"title": "Fremd"}),
        (f"/mein-laden/{slug}/jobs/{town['job'].pk}/beenden/", {}),
    ):
        response = client.post(path, data)
        assert response.status_code == (302 if who == "anonymous" else 404), path
    assert _state() == before


def test_a_member_cannot_end_another_shops_post_through_its_own_shop(town):
    own = ShopFactory()
    client = Client()
    client.force_login(MembershipFactory(shop=own).user)
    before = _state()
    assert client.post(f"/mein-laden/{own.slug}/neu/{town['post'].pk}/beenden/").status_code == 404
    assert client.post(f"/mein-laden/{own.slug}/jobs/{town['job'].pk}/beenden/").status_code == 404
    assert _state() == before


# --- admin ---------------------------------------------------------------------------------------------


@pytest.fixture
def city_editor() -> Client:
    roles_setup()
    editor = UserFactory(username="stadtmarketing", is_staff=True)
    editor.groups.add(Group.objects.get(name="City editors"))
    client = Client()
    client.force_login(editor)
    return client


def test_city_editor_hides_a_post_with_a_reason_in_the_admin(city_editor, town):
    url = "/admin/marketplace/post/"
    assert city_editor.get(url).status_code == 200
    # without a reason: the form again, nothing hidden
    form = city_editor.post(
        url, {"action": "hide", "_selected_action": [town["post"].pk], "apply": "1", "reason": ""}
    )
    assert form.status_code == 200
    town["post"].refresh_from_db()
    assert town["post"].hidden_at is None
    # with a reason
    done = city_editor.post(
        url,
        {
            "action": "hide",
            "_selected_action": [town["post"].pk],
            "apply": "1",
            "reason": "Kein Bezug zum Laden",
        },
    )
    assert done.status_code == 302
    town["post"].refresh_from_db()
    assert town["post"].hidden_reason == "Kein Bezug zum Laden"
    assert town["post"].hidden_by.username == "stadtmarketing"


def test_city_editor_features_a_job(city_editor, town):
    response = city_editor.post(
        "/admin/marketplace/jobposting/", {"action": "feature", "_selected_action": [town["job"].pk]}
    )
    assert response.status_code == 302
    town["job"].refresh_from_db()
    assert town["job"].featured is True


def test_merchant_sees_only_own_posts_and_jobs_and_cannot_hide_or_feature(town):
    roles_setup()
    merchant = UserFactory(is_staff=True)
    merchant.groups.add(Group.objects.get(name="Merchants"))
    own = ShopFactory()
    MembershipFactory(user=merchant, shop=own)
    client = Client()
    client.force_login(merchant)
    listing = client.get("/admin/marketplace/post/").content.decode()
    assert "Butterkuchen frisch vom Blech" not in listing
    assert client.get(f"/admin/marketplace/post/{town['post'].pk}/change/").status_code in (302, 404)
    assert client.get(f"/admin/marketplace/jobposting/{town['job'].pk}/change/").status_code in (302, 404)
    before = _state()
    client.post(
        "/admin/marketplace/post/",
        {"action": "hide", "_selected_action": [town["post"].pk], "apply": "1", "reason": "x"},
    )
    client.post("/admin/marketplace/jobposting/", {"action": "feature", "_selected_action": [town["job"].pk]})
    assert _state() == before
    town["job"].refresh_from_db()
    assert town["job"].featured is False


def test_open_jobs_are_in_the_sitemap_in_both_languages(client, town):
    body = client.get("/sitemap-jobs.xml").content.decode()
    assert f"/jobs/{town['job'].pk}/" in body
    assert f"/en/jobs/{town['job'].pk}/" in body
    JobPosting.objects.filter(pk=town["job"].pk).update(
        valid_through=timezone.localdate() - timedelta(days=1)
    )
    assert f"/jobs/{town['job'].pk}/" not in client.get("/sitemap-jobs.xml").content.decode()


@pytest.mark.django_db
def test_date_fields_are_filled_in_the_format_the_browser_reads() -> None:
    # given: a German page (dates are shown as 10.12.2026 elsewhere)
    from django.utils import translation

    from frontend.forms.voice import JobForm

    # when: the job form renders its default "show until" date in an <input type="date">
    with translation.override("de"):
        html = str(JobForm()["valid_through"])
    # then: the value is ISO 8601, the only format `type="date"` accepts (a German one leaves it empty)
    expected = (timezone.localdate() + timedelta(days=30)).isoformat()
    assert f'value="{expected}"' in html
