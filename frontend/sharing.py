"""Open Graph / Twitter meta values and share links of public pages (images from `frontend.views.share`)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext

from frontend import formatting
from marketplace.models import JobPosting, Post, Product, Shop
from marketplace.selectors import share_cards
from marketplace.selectors.share_cards import ShareCard


def absolute(path: str) -> str:
    from django.conf import settings

    return f"{settings.SITE_URL}{path}"


def card_path(card: ShareCard, fmt: str) -> str:
    """The image URL of a card: the content hash in the path, so a changed card is a new URL."""
    return reverse(
        "public:share-image",
        kwargs={"kind": card.kind, "pk": card.object_id, "digest": card.content_hash, "fmt": fmt},
    )


def share_values(
    *, card: ShareCard, url: str, title: str, description: str, og_type: str = "website"
) -> dict[str, Any]:
    """What `includes/og_tags.html` and `includes/share.html` need: absolute URLs of page and images."""
    return {
        "title": title,
        "description": description[:300],
        "url": absolute(url),
        "type": og_type,
        "image": absolute(card_path(card, "wide")),
        "image_square": absolute(card_path(card, "square")),
        "image_alt": f"{card.title} \u2013 {card.shop_name}",
    }


def card_for(kind: str, obj: Any) -> ShareCard:
    """The card of a shop, product (with `available`), post or job."""
    if kind == "shop" and isinstance(obj, Shop):
        return share_cards.card_for_shop(obj)
    if kind == "product" and isinstance(obj, Product):
        return share_cards.card_for_product(obj, price=formatting.money(obj.price))
    if kind == "post" and isinstance(obj, Post):
        return share_cards.card_for_post(obj)
    if kind == "job" and isinstance(obj, JobPosting):
        return share_cards.card_for_job(obj)
    raise ValueError(kind)


def for_shop(shop: Shop, *, url: str) -> dict[str, Any]:
    description = shop.description or f"{shop.street}, {shop.postcode} {shop.city}"
    return share_values(card=card_for("shop", shop), url=url, title=shop.name, description=description)


def for_product(product: Product, *, url: str) -> dict[str, Any]:
    title = f"{product.title} \u2013 {product.shop.name}"
    return share_values(
        card=card_for("product", product),
        url=url,
        title=title,
        description=product.description or gettext("Reserve online, pick up in the shop."),
        og_type="product",
    )


def for_post(post: Post, *, url: str) -> dict[str, Any]:
    return share_values(
        card=card_for("post", post),
        url=url,
        title=f"{post.title} \u2013 {post.shop.name}",
        description=post.text or post.title,
        og_type="article",
    )


def for_job(job: JobPosting, *, url: str) -> dict[str, Any]:
    return share_values(
        card=card_for("job", job),
        url=url,
        title=f"{job.title} \u2013 {job.shop.name}",
        description=job.description,
    )
