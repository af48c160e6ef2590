"""schema.org JSON-LD of shop and product pages: LocalBusiness with opening hours, Product with Offer."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.html import escape
from django.utils.translation import get_language

from geo.opening_hours import EffectiveDay
from marketplace.models import JobPosting, OpeningHours, Product, Shop
from marketplace.selectors.feedback import FeedbackSummary
from marketplace.selectors.stock import availability_label
from marketplace.social_links import social_links_safe

SCHEMA_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SCHEMA_AVAILABILITY = {
    "in_stock": "https://schema.org/InStock",
    "limited": "https://schema.org/LimitedAvailability",
    "out_of_stock": "https://schema.org/OutOfStock",
    # stock modes (decision 1600): services and made-to-order items can always be had; "next day" items
    # are not on the shelf but can be ordered for the next opening day
    "always_available": "https://schema.org/InStock",
    "next_day": "https://schema.org/BackOrder",
}


def absolute(path: str) -> str:
    # media in an S3-compatible bucket already have an absolute URL (decision 1600)
    return path if "://" in path else f"{settings.SITE_URL}{path}"


def local_business(
    shop: Shop,
    *,
    url: str,
    weekly: list[OpeningHours],
    special_ahead: list[EffectiveDay],
    reviews: FeedbackSummary | None = None,
) -> dict[str, Any]:
    """A shop as a schema.org `Store` (a LocalBusiness) with weekly and special opening hours, and its
    reviews when `review_markup` allows them."""
    specs: list[dict[str, Any]] = [
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": f"https://schema.org/{SCHEMA_DAYS[row.weekday]}",
            "opens": row.opens.strftime("%H:%M"),
            "closes": row.closes.strftime("%H:%M"),
        }
        for row in weekly
    ]
    for day in special_ahead:
        intervals = day.intervals or ()
        if not intervals:
            # schema.org's convention for "closed all day": opens and closes at 00:00.
            specs.append(_special(day.date.isoformat(), "00:00", "00:00"))
        specs.extend(
            _special(
                day.date.isoformat(), interval.opens.strftime("%H:%M"), interval.closes.strftime("%H:%M")
            )
            for interval in intervals
        )
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Store",
        "@id": absolute(url),
        "name": shop.name,
        "url": absolute(url),
        "address": {
            "@type": "PostalAddress",
            "streetAddress": shop.street,
            "postalCode": shop.postcode,
            "addressLocality": shop.city,
            "addressCountry": "DE",
        },
        "geo": {"@type": "GeoCoordinates", "latitude": shop.location.y, "longitude": shop.location.x},
        "openingHoursSpecification": specs,
        "paymentAccepted": "Cash, Credit Card" if shop.card_payment else "Cash",
    }
    if shop.description:
        data["description"] = shop.description
    if shop.phone:
        data["telephone"] = shop.phone
    if shop.email:
        data["email"] = shop.email
    same_as = [link for link in [shop.website, *safe_links(shop.social_links).values()] if link]
    if same_as:
        data["sameAs"] = same_as
    if shop.photo:
        data["image"] = absolute(shop.photo.url)
    if reviews is not None:
        data.update(review_markup(reviews))
    return data


def review_markup(reviews: FeedbackSummary) -> dict[str, Any]:
    """`aggregateRating` and `review` for a shop page (decision 1700), within search engines' rules for
    review snippets: the reviews are collected by Ladenkarte itself from people who picked something up (not
    self-serving: the shop neither writes nor filters them, and none are taken from other sites); the markup
    shows only what the page shows - the average only from 5 ratings on, and only the visible reviews."""
    data: dict[str, Any] = {}
    if reviews.average is not None:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": f"{reviews.average:.1f}",
            "ratingCount": reviews.rating_count,
            "bestRating": 5,
            "worstRating": 1,
        }
        data["review"] = [
            {
                "@type": "Review",
                "author": {"@type": "Person", "name": review.first_name or "Kunde"},
                "datePublished": review.created_at.date().isoformat(),
                "reviewRating": {
                    "@type": "Rating",
                    "ratingValue": review.rating,
                    "bestRating": 5,
                    "worstRating": 1,
                },
                **({"reviewBody": review.text} if review.text else {}),
            }
            for review in reviews.latest
            if review.rating
        ]
    return data


def _special(day: str, opens: str, closes: str) -> dict[str, str]:
    return {
        "@type": "OpeningHoursSpecification",
        "validFrom": day,
        "validThrough": day,
        "opens": opens,
        "closes": closes,
    }


def product(item: Product, *, url: str, shop_url: str, available: int) -> dict[str, Any]:
    """A product with one Offer of its shop; availability InStock / LimitedAvailability / OutOfStock."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": item.title,
        "url": absolute(url),
        "sku": item.sku,
        "offers": {
            "@type": "Offer",
            "price": f"{item.price:.2f}",
            "priceCurrency": settings.LADENKARTE_DEFAULT_PRICE_CURRENCY,
            "availability": SCHEMA_AVAILABILITY[availability_label(available, item.stock_mode)],
            "availableDeliveryMethod": "https://schema.org/OnSitePickup",
            "url": absolute(url),
            "seller": {"@type": "Store", "name": item.shop.name, "@id": absolute(shop_url)},
        },
    }
    if item.description:
        data["description"] = item.description
    if item.brand:
        data["brand"] = {"@type": "Brand", "name": item.brand}
    if item.gtin:
        data[f"gtin{len(item.gtin)}" if len(item.gtin) in (8, 12, 13, 14) else "gtin"] = item.gtin
    if item.image:
        data["image"] = absolute(item.image.url)
    if item.category:
        data["category"] = (
            item.category.name_en if get_language() == "en" and item.category.name_en else item.category.name
        )
    return data


def safe_links(raw: object) -> dict[str, str]:
    """Social links from the shop's JSON: known networks, http(s) URLs only (a `javascript:` link never
    reaches a page), `marketplace.social_links`'s rule."""
    return social_links_safe(raw)


# Google's employmentType values; a German Ausbildung is full-time employment, a mini job part time.
SCHEMA_EMPLOYMENT_TYPE = {
    "full_time": "FULL_TIME",
    "part_time": "PART_TIME",
    "mini_job": "PART_TIME",
    "apprenticeship": "FULL_TIME",
    "internship": "INTERN",
}


def job_posting(job: JobPosting, *, url: str, shop_url: str) -> dict[str, Any]:
    """A job as a schema.org `JobPosting` with every field Google requires and the recommended ones."""
    shop = job.shop
    zone = ZoneInfo(settings.TIME_ZONE)
    valid_through = datetime.combine(job.valid_through, time(23, 59), tzinfo=zone)
    description = "".join(f"<p>{escape(part)}</p>" for part in job.description.split("\n\n") if part.strip())
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "JobPosting",
        "title": job.title,
        "description": description,
        "identifier": {"@type": "PropertyValue", "name": shop.name, "value": str(job.pk)},
        "datePosted": job.created_at.astimezone(zone).date().isoformat(),
        "validThrough": valid_through.isoformat(),
        "employmentType": SCHEMA_EMPLOYMENT_TYPE[job.kind],
        "hiringOrganization": {
            "@type": "Organization",
            "name": shop.name,
            "sameAs": shop.website or absolute(shop_url),
        },
        "jobLocation": {
            "@type": "Place",
            "address": {
                "@type": "PostalAddress",
                "streetAddress": shop.street,
                "addressLocality": shop.city,
                "postalCode": shop.postcode,
                "addressRegion": settings.LADENKARTE_STATE,
                "addressCountry": "DE",
            },
        },
        "url": absolute(url),
        "directApply": False,
    }
    if shop.photo:
        data["hiringOrganization"]["logo"] = absolute(shop.photo.url)
    if job.hours_per_week:
        data["workHours"] = f"{job.hours_per_week} h/week"
    if job.starts_on:
        data["jobStartDate"] = job.starts_on.isoformat()
    return data
