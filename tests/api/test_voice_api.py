"""Posts and job postings in the API: public reads, merchant writes, limits, photos, cross-tenant access."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from marketplace.models import JobPosting, Post
from tests.factories import ApiKeyFactory, MembershipFactory, ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db

RAW = "lk_voicetest_0123456789abcdef"
OTHER_RAW = "lk_voiceothr_0123456789abcdef"
URL = "/api/v1/merchant/shops/laden/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def shop() -> Any:
    return ShopFactory(slug="laden", name="Laden am Markt")


@pytest.fixture
def client(shop: Any) -> APIClient:
    ApiKeyFactory(shop=shop, raw_key=RAW)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {RAW}")
    return client


def _ends(days: int = 2) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


def _state() -> list[Any]:
    return [
        sorted(Post.objects.values_list("title", "ends_at", "hidden_at")),
        sorted(JobPosting.objects.values_list("title", "valid_through", "featured")),
    ]


def test_merchant_writes_a_post_and_residents_read_it(client, shop):
    # given
    product = ProductFactory(shop=shop, title="Spargel")
    # when
    created = client.post(
        URL + "posts/",
        {"title": "Spargel ist da", "kind": "offer", "ends_at": _ends(), "product_ids": [product.pk]},
        format="json",
    )
    # then
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["products"] == [{"id": product.pk, "title": "Spargel"}]
    assert body["hidden_at"] is None
    assert body["url"].endswith(f"/neu/{body['id']}/")
    feed = APIClient().get("/api/v1/posts/").json()
    assert [p["title"] for p in feed["results"]] == ["Spargel ist da"]
    assert "hidden_reason" not in feed["results"][0]
    assert APIClient().get("/api/v1/posts/?category=nichts").json()["results"] == []
    assert APIClient().get("/api/v1/posts/?lat=53.2489&lng=10.4077&radius_km=1").json()["count"] == 1
    assert APIClient().get("/api/v1/posts/?lat=53.2489").status_code == 400


def test_post_with_a_photo_as_multipart(client, shop):
    buffer = io.BytesIO()
    Image.new("RGB", (3000, 2000), (1, 2, 3)).save(buffer, format="PNG")
    response = client.post(
        URL + "posts/",
        {
            "title": "Neues Schaufenster",
            "ends_at": _ends(),
            "photo": SimpleUploadedFile("f.png", buffer.getvalue(), content_type="image/png"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    post = Post.objects.get()
    assert post.photo.name.endswith(".jpg")
    assert response.json()["photo_url"].endswith(post.photo.url)


def test_bad_post_gets_the_error_format_and_changes_nothing(client, shop):
    before = _state()
    for payload in (
        {"title": "", "ends_at": _ends()},
        {"title": "x", "ends_at": _ends(-1)},
        {"title": "x", "ends_at": _ends(), "shop": "other"},
        {"title": "x", "ends_at": _ends(), "product_ids": [ProductFactory(shop=ShopFactory()).pk]},
    ):
        response = client.post(URL + "posts/", payload, format="json")
        assert response.status_code == 400, payload
        assert response.json()["error"]["code"] == "validation_error"
    assert _state() == before


def test_daily_limit_is_429_with_a_stable_code(client, settings):
    settings.LADENKARTE_POSTS_PER_DAY = 1
    assert (
        client.post(URL + "posts/", {"title": "eins", "ends_at": _ends()}, format="json").status_code == 201
    )
    response = client.post(URL + "posts/", {"title": "zwei", "ends_at": _ends()}, format="json")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "post_limit_reached"
    assert Post.objects.count() == 1


def test_delete_ends_the_post(client, shop):
    post_id = client.post(URL + "posts/", {"title": "eins", "ends_at": _ends()}, format="json").json()["id"]
    assert client.delete(URL + f"posts/{post_id}/").status_code == 200
    assert APIClient().get("/api/v1/posts/").json()["count"] == 0
    assert client.get(URL + "posts/").json()[0]["id"] == post_id  # still in the shop's list


def test_jobs_create_list_patch_end(client, shop):
    valid = (timezone.localdate() + timedelta(days=20)).isoformat()
    created = client.post(
        URL + "jobs/",
        {
            "title": "Aushilfe",
            "kind": "mini_job",
            "description": "Samstags.",
            "valid_through": valid,
            "apply_phone": "04131 1",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    job_id = created.json()["id"]
    public = APIClient().get("/api/v1/jobs/?kind=mini_job").json()
    assert [j["title"] for j in public["results"]] == ["Aushilfe"]
    assert APIClient().get(f"/api/v1/jobs/{job_id}/").json()["url"].endswith(f"/jobs/{job_id}/")
    patched = client.patch(URL + f"jobs/{job_id}/", {"hours_per_week": 8}, format="json")
    assert patched.json()["hours_per_week"] == 8
    assert client.patch(URL + f"jobs/{job_id}/", {"featured": True}, format="json").status_code == 400
    assert client.delete(URL + f"jobs/{job_id}/").status_code == 200
    assert APIClient().get(f"/api/v1/jobs/{job_id}/").status_code == 404
    assert APIClient().get("/api/v1/jobs/?kind=astronaut").status_code == 400


@pytest.fixture
def foreign(shop: Any) -> dict[str, Any]:
    """A post and a job of `shop`, and a key of another shop."""
    other = ShopFactory(slug="anderer")
    ApiKeyFactory(shop=other, raw_key=OTHER_RAW)
    post = Post.objects.create(shop=shop, title="Meins", ends_at=timezone.now() + timedelta(days=1))
    job = JobPosting.objects.create(
        shop=shop,
        title="Job",
        kind="part_time",
        description="x",
        apply_note="vorbeikommen",
        valid_through=timezone.localdate() + timedelta(days=5),
    )
    return {"post": post, "job": job}


@pytest.mark.parametrize("who", ["other_key", "other_member", "anonymous", "read_only_key"])
def test_nobody_else_reaches_the_shops_posts_and_jobs(shop, foreign, who):
    client = APIClient()
    if who == "other_key":
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {OTHER_RAW}")
    elif who == "other_member":
        client.force_authenticate(MembershipFactory(shop=ShopFactory()).user)
    elif who == "read_only_key":
        ApiKeyFactory(shop=shop, raw_key="lk_voiceread_0123456789abcdef", scope="read")
        client.credentials(HTTP_AUTHORIZATION="Api-Key lk_voiceread_0123456789abcdef")
    before = _state()
    requests = [
        ("get", URL + "posts/", None),
        ("post", URL + "posts/", {"title": "x", "ends_at": _ends()}),
        ("get", URL + f"posts/{foreign['post'].pk}/", None),
        ("delete", URL + f"posts/{foreign['post'].pk}/", None),
        ("get", URL + "jobs/", None),
        ("post", URL + "jobs/", {"title": "x"}),
        ("patch", URL + f"jobs/{foreign['job'].pk}/", {"title": "y"}),
        ("delete", URL + f"jobs/{foreign['job'].pk}/", None),
        # the other shop's own URL with this shop's object ids
        ("delete", f"/api/v1/merchant/shops/anderer/posts/{foreign['post'].pk}/", None),
        ("patch", f"/api/v1/merchant/shops/anderer/jobs/{foreign['job'].pk}/", {"title": "y"}),
    ]
    for method, url, data in requests:
        response = getattr(client, method)(url, data, format="json")
        if who == "anonymous":
            assert response.status_code == 401, (method, url)
        elif who == "read_only_key":
            expected = 200 if method == "get" else 403
            if "/anderer/" in url:
                expected = 403
            assert response.status_code == expected, (method, url)
        elif who == "other_key" and "/anderer/" in url:
            assert response.status_code == 404, (method, url)  # its own shop, but not its object
        else:
            assert response.status_code == 404, (method, url)
    assert _state() == before


def test_schema_documents_the_new_paths(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in (
        "/api/v1/posts/",
        "/api/v1/jobs/",
        "/api/v1/jobs/{id}/",
        "/api/v1/merchant/shops/{slug}/posts/",
        "/api/v1/merchant/shops/{slug}/posts/{post_id}/",
        "/api/v1/merchant/shops/{slug}/jobs/",
        "/api/v1/merchant/shops/{slug}/jobs/{job_id}/",
    ):
        assert path in schema["paths"], path
