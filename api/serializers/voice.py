"""API shapes of posts and job postings (public read, merchant write). Inputs allow-list their fields."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers

from api.serializers.merchant import StrictInput
from marketplace.models import JobPosting, Post
from marketplace.web_pages import job_page_url, post_page_url, shop_page_url, web_base


class PostShopOut(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class PostProductOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class PostOut(serializers.ModelSerializer):
    """A live post as residents see it."""

    shop = PostShopOut(read_only=True)
    products = serializers.SerializerMethodField()
    photo_url = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="The post's page on the website.")
    shop_url = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = [
            "id",
            "kind",
            "title",
            "text",
            "photo_url",
            "starts_at",
            "ends_at",
            "shop",
            "products",
            "url",
            "shop_url",
        ]

    def get_products(self, obj: Post) -> list[dict[str, Any]]:
        return [{"id": p.pk, "title": p.title} for p in obj.products.all() if p.active]

    def get_photo_url(self, obj: Post) -> str | None:
        return f"{settings.SITE_URL}{obj.photo.url}" if obj.photo else None

    def get_url(self, obj: Post) -> str:
        return post_page_url(pk=obj.pk, base=web_base())

    def get_shop_url(self, obj: Post) -> str:
        return shop_page_url(slug=obj.shop.slug, base=web_base())


class MerchantPostOut(PostOut):
    """A post as its shop sees it: with the city's hiding and its reason."""

    class Meta(PostOut.Meta):
        fields = [*PostOut.Meta.fields, "hidden_at", "hidden_reason", "created_at"]


class PostIn(StrictInput):
    kind = serializers.ChoiceField(choices=Post.Kind.choices, default=Post.Kind.NEWS)
    title = serializers.CharField(max_length=120)
    text = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    starts_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    ends_at = serializers.DateTimeField()
    product_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=20
    )
    photo = serializers.ImageField(
        required=False, allow_null=True, default=None, help_text="JPEG, PNG or WebP (multipart)."
    )


class JobOut(serializers.ModelSerializer):
    shop = PostShopOut(read_only=True)
    # empty when the job is applied for by phone or in person, so not typed `email` (found by schemathesis)
    apply_email = serializers.CharField(read_only=True, help_text="Empty: no application by e-mail.")
    url = serializers.SerializerMethodField(
        help_text="The job's page on the website (with JobPosting JSON-LD)."
    )

    class Meta:
        model = JobPosting
        fields = [
            "id",
            "title",
            "kind",
            "hours_per_week",
            "starts_on",
            "description",
            "apply_email",
            "apply_phone",
            "apply_note",
            "valid_through",
            "featured",
            "created_at",
            "shop",
            "url",
        ]

    def get_url(self, obj: JobPosting) -> str:
        return job_page_url(pk=obj.pk, base=web_base())


class JobIn(StrictInput):
    title = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=JobPosting.Kind.choices)
    hours_per_week = serializers.IntegerField(
        min_value=1, max_value=60, required=False, allow_null=True, default=None
    )
    starts_on = serializers.DateField(required=False, allow_null=True, default=None)
    description = serializers.CharField(max_length=3000)
    apply_email = serializers.EmailField(required=False, allow_blank=True, default="")
    apply_phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    apply_note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    valid_through = serializers.DateField()


class JobUpdateIn(StrictInput):
    title = serializers.CharField(max_length=120, required=False)
    kind = serializers.ChoiceField(choices=JobPosting.Kind.choices, required=False)
    hours_per_week = serializers.IntegerField(min_value=1, max_value=60, required=False, allow_null=True)
    starts_on = serializers.DateField(required=False, allow_null=True)
    description = serializers.CharField(max_length=3000, required=False)
    apply_email = serializers.EmailField(required=False, allow_blank=True)
    apply_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    apply_note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    valid_through = serializers.DateField(required=False)
