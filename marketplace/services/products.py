"""Products of a shop by SKU: create, change, delist; keeps the denormalised search copies correct.

`Product.location`, `shop_active` and `category_names` are copies used by the nearby search. Every write
of a product goes through here (or `inventory_sync`, which sets them the same way), and the shop services
call `shop_location_changed` / `shop_status_changed` when a shop moves or changes status.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.actors import Actor
from marketplace.exceptions import DomainError, StockChanged, ValidationFailed
from marketplace.models import Category, Product, Shop, StockMode, StockMovement
from marketplace.services.alerts import alerts_match_schedule
from marketplace.services.images import image_delete, product_photo_store
from marketplace.services.reservations import reservations_flag_stock_conflicts

# The fields a merchant may set on a product; everything else (held, shop, location, ...) is ours.
EDITABLE_FIELDS = frozenset(
    {"title", "description", "brand", "gtin", "price", "category", "active", "quantity_on_hand", "stock_mode"}
)


class SkuTaken(DomainError):
    code = "sku_taken"
    status = 409
    default_message = gettext_lazy("The shop already has a product with this SKU.")


def category_names_for(category: Category | None) -> str:
    """The category's and its ancestors' names (German and English), for the text search."""
    names: list[str] = []
    seen: set[int] = set()
    node = category
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        names.extend(name for name in (node.name, node.name_en) if name and name not in names)
        node = node.parent
    return " ".join(names)[:300]


MAX_QUANTITY = 1_000_000_000  # the API's bound; the column is a 32-bit integer


def price_error(price: Decimal) -> str | None:
    """Why a price cannot be stored, or None (forms show it as a field error)."""
    if price < 0 or price > settings.LADENKARTE_MAX_PRICE:
        return _("Enter a price between 0.00 and %(max)s.") % {"max": settings.LADENKARTE_MAX_PRICE}
    return None


def quantity_error(quantity: int) -> str | None:
    """Why an on-hand figure cannot be stored, or None (forms show it as a field error)."""
    if quantity < 0:
        return _("Stock cannot be negative.")
    if quantity > MAX_QUANTITY:
        return _("Enter at most %(max)d.") % {"max": MAX_QUANTITY}
    return None


def _check_price(price: Decimal) -> None:
    error = price_error(price)
    if error:
        raise ValidationFailed(details={"price": [error]})


def stock_mode_error(mode: object) -> str | None:
    """Why a stock mode cannot be stored, or None."""
    if mode not in StockMode.values:
        return _("Unknown stock mode; use one of: %(modes)s.") % {"modes": ", ".join(StockMode.values)}
    return None


def _check_stock_mode(mode: object) -> None:
    error = stock_mode_error(mode)
    if error:
        raise ValidationFailed(details={"stock_mode": [error]})


def _check_quantity(quantity: int) -> None:
    error = quantity_error(quantity)
    if error:
        raise ValidationFailed(details={"quantity_on_hand": [error]})


def stock_changed_error(*, current: int, seen: int) -> StockChanged:
    """The refusal of an edit made over a figure that changed meanwhile, naming the current figure."""
    return StockChanged(
        _("The stock was changed meanwhile: it is now %(current)d. Nothing was saved.")
        % {"current": current},
        details={"quantity_on_hand": current, "seen_quantity_on_hand": seen},
    )


def stock_movement_record(
    *, product: Product, on_hand_delta: int, actor: Actor, note: str = "", now: datetime | None = None
) -> StockMovement:
    return StockMovement.objects.create(
        product=product,
        source=actor.source,
        on_hand_delta=on_hand_delta,
        held_delta=0,
        on_hand_after=product.quantity_on_hand,
        held_after=product.quantity_held,
        actor_user_id=actor.user_id,
        actor_api_key_id=actor.api_key_id,
        note=note[:200],
        created_at=now or timezone.now(),
    )


def flag_stock_conflicts(*, product_ids: list[int]) -> None:
    """Let the reservations flag holds the till's new on-hand no longer covers (their service decides)."""
    if not product_ids:
        return
    reservations_flag_stock_conflicts(product_ids=product_ids)


def stock_changed_notify(*, shop: Shop, products: list[tuple[str, int]], source: str) -> None:
    """Schedule the `stock.changed` webhook event (after commit) for (sku, on-hand) pairs."""
    if not products:
        return
    from marketplace.services.webhooks import webhook_event_emit

    webhook_event_emit(
        shop=shop,
        event="stock.changed",
        payload={
            "shop": shop.slug,
            "source": source,
            "items": [{"sku": sku, "quantity_on_hand": quantity} for sku, quantity in products[:1000]],
            "truncated": len(products) > 1000,
        },
    )


@transaction.atomic
def product_create(
    *,
    shop: Shop,
    sku: str,
    title: str,
    price: Decimal,
    quantity_on_hand: int = 0,
    gtin: str = "",
    description: str = "",
    brand: str = "",
    category: Category | None = None,
    active: bool = True,
    stock_mode: str = StockMode.COUNTED,
    actor: Actor,
    now: datetime | None = None,
) -> Product:
    """Create a product of `shop`; the first stock figure is logged as a movement.

    `stock_mode` (decision 1600): "counted" (default), "toggle" (on hand > 0 is "in stock", no count),
    "always" or "next_day" (no stock figure)."""
    now = now or timezone.now()
    _check_price(price)
    _check_quantity(quantity_on_hand)
    _check_stock_mode(stock_mode)
    product = Product(
        shop=shop,
        sku=sku,
        title=title,
        price=price,
        quantity_on_hand=quantity_on_hand,
        gtin=gtin,
        description=description,
        brand=brand,
        category=category,
        category_names=category_names_for(category),
        active=active,
        stock_mode=stock_mode,
        stock_updated_at=now,
        location=shop.location,
        shop_active=shop.is_active,
        created_at=now,
    )
    try:
        with transaction.atomic():
            product.save(force_insert=True)
    except IntegrityError as exc:
        if "product_unique_shop_sku" in str(exc):
            raise SkuTaken(details={"sku": [_("SKU “%(sku)s” exists already.") % {"sku": sku}]}) from None
        raise
    if quantity_on_hand:
        stock_movement_record(product=product, on_hand_delta=quantity_on_hand, actor=actor, now=now)
        stock_changed_notify(shop=shop, products=[(sku, quantity_on_hand)], source=actor.source)
        alerts_match_schedule(product_ids=[product.pk])
    elif stock_mode != StockMode.COUNTED:
        stock_movement_record(
            product=product, on_hand_delta=0, actor=actor, note=f"mode {stock_mode}", now=now
        )
        alerts_match_schedule(product_ids=[product.pk])
    return product


@transaction.atomic
def product_update(
    *,
    product: Product,
    changes: dict[str, Any],
    actor: Actor,
    seen_on_hand: int | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Product:
    """Change allow-listed fields of a product; a new on-hand figure is logged and counts as confirmed.

    Compare-and-set: `seen_on_hand` is the on-hand figure the person editing saw. When the row (locked here)
    holds another figure, the edit raises `StockChanged` naming the current one and writes nothing. People
    (admin forms, my-shop, API PATCH with `expected_quantity_on_hand`) always pass it; None is for callers
    that decide on the locked row themselves (`product_adjust_stock`, admin actions).
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationFailed(
            details={name: [_("This field cannot be changed.")] for name in sorted(unknown)}
        )
    now = now or timezone.now()
    product = Product.objects.select_for_update(of=("self",)).select_related("shop").get(pk=product.pk)
    if (
        "quantity_on_hand" in changes
        and seen_on_hand is not None
        and product.quantity_on_hand != seen_on_hand
    ):
        raise stock_changed_error(current=product.quantity_on_hand, seen=seen_on_hand)
    update_fields: list[str] = []
    if "price" in changes:
        _check_price(changes["price"])
    if "stock_mode" in changes:
        _check_stock_mode(changes["stock_mode"])
    mode_changed = "stock_mode" in changes and changes["stock_mode"] != product.stock_mode
    for name, value in changes.items():
        if name == "quantity_on_hand":
            continue
        if getattr(product, name) != value:
            setattr(product, name, value)
            update_fields.append(name)
    if "category" in update_fields:
        product.category_names = category_names_for(product.category)
        update_fields.append("category_names")
    delta = 0
    if "quantity_on_hand" in changes:
        quantity = int(changes["quantity_on_hand"])
        _check_quantity(quantity)
        delta = quantity - product.quantity_on_hand
        product.quantity_on_hand = quantity
        product.stock_updated_at = now
        update_fields += ["quantity_on_hand", "stock_updated_at"]
    if mode_changed and "stock_updated_at" not in update_fields:
        product.stock_updated_at = now  # a new mode is a statement about the stock: it counts as confirmed
        update_fields.append("stock_updated_at")
    if update_fields:
        product.save(update_fields=[*update_fields, "updated_at"])
    if mode_changed and not delta:
        mode_note = f"mode {product.stock_mode}" + (f"; {note}" if note else "")
        stock_movement_record(product=product, on_hand_delta=0, actor=actor, note=mode_note, now=now)
        if product.quantity_held > 0:
            flag_stock_conflicts(product_ids=[product.pk])
        alerts_match_schedule(product_ids=[product.pk])
    if delta:
        if mode_changed:
            note = f"mode {product.stock_mode}" + (f"; {note}" if note else "")
        stock_movement_record(product=product, on_hand_delta=delta, actor=actor, note=note, now=now)
        if product.quantity_held > 0:  # flag (or clear) reservations the new figure no longer covers
            flag_stock_conflicts(product_ids=[product.pk])
        stock_changed_notify(
            shop=product.shop, products=[(product.sku, product.quantity_on_hand)], source=actor.source
        )
        if delta > 0:
            alerts_match_schedule(product_ids=[product.pk])
    return product


@transaction.atomic
def product_adjust_stock(
    *,
    product: Product,
    delta: int,
    actor: Actor,
    seen_on_hand: int | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Product:
    """Add `delta` (may be negative) to on-hand, never below 0: the quick +/- of the "my shop" page.

    With `seen_on_hand` (the figure the person saw), a figure changed meanwhile raises `StockChanged`.
    """
    locked = Product.objects.select_for_update(of=("self",)).get(pk=product.pk)
    if seen_on_hand is not None and locked.quantity_on_hand != seen_on_hand:
        raise stock_changed_error(current=locked.quantity_on_hand, seen=seen_on_hand)
    if locked.quantity_on_hand + delta < 0:
        raise ValidationFailed(details={"quantity_on_hand": [_("Stock cannot be negative.")]})
    return product_update(
        product=locked,
        changes={"quantity_on_hand": locked.quantity_on_hand + delta},
        actor=actor,
        note=note,
        now=now,
    )


@transaction.atomic
def product_deactivate(*, product: Product, now: datetime | None = None) -> Product:
    """Delist a product (DELETE in the API): it keeps its history and reservation lines."""
    Product.objects.filter(pk=product.pk).update(active=False, updated_at=now or timezone.now())
    product.active = False
    return product


def shop_location_changed(*, shop: Shop) -> int:
    """Copy the shop's location onto its products (call after moving a shop). Returns rows changed."""
    return Product.objects.filter(shop=shop).update(location=shop.location)


def shop_status_changed(*, shop: Shop) -> int:
    """Copy whether the shop is active onto its products (call after approving, suspending ...)."""
    return (
        Product.objects.filter(shop=shop)
        .exclude(shop_active=shop.is_active)
        .update(shop_active=shop.is_active)
    )


def category_names_refresh(*, category: Category) -> int:
    """Recompute `category_names` of products in `category` and its sub-categories (after a rename)."""
    ids = [category.pk]
    frontier = [category.pk]
    while frontier:
        frontier = list(Category.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        frontier = [pk for pk in frontier if pk not in ids]
        ids += frontier
    changed = 0
    for node in Category.objects.filter(pk__in=ids).select_related("parent"):
        changed += Product.objects.filter(category=node).update(category_names=category_names_for(node))
    return changed


def product_photo_set(*, product: Product, data: bytes) -> Product:
    """Give a product a new photo from uploaded bytes (my-shop, admin, API): checked, upright, stripped,
    WebP plus thumbnail (`services.images.product_photo_store`); the old files go after the commit.

    The files are written before the row is locked (storage may be a remote bucket: no network I/O under a
    row lock) and removed again if the row cannot be updated. Raises `PhotoTooLarge` / `ValidationFailed`.
    """
    stored = product_photo_store(data)
    try:
        with transaction.atomic():
            locked = Product.objects.select_for_update(of=("self",)).get(pk=product.pk)
            old = (locked.image.name or "", locked.image_thumb)
            locked.image = stored.name
            locked.image_thumb = stored.thumb
            locked.save(update_fields=["image", "image_thumb", "updated_at"])
            for name in old:
                if name and name not in (stored.name, stored.thumb):
                    transaction.on_commit(partial(image_delete, name), robust=True)
    except BaseException:
        image_delete(stored.name)
        image_delete(stored.thumb)
        raise
    return locked


@transaction.atomic
def product_photo_remove(*, product: Product) -> Product:
    """Take a product's photo away; the files go after the commit."""
    locked = Product.objects.select_for_update(of=("self",)).get(pk=product.pk)
    old = (locked.image.name or "", locked.image_thumb)
    locked.image = ""
    locked.image_thumb = ""
    locked.save(update_fields=["image", "image_thumb", "updated_at"])
    for name in old:
        if name:
            transaction.on_commit(partial(image_delete, name), robust=True)
    return locked
