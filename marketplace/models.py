"""The Ladenkarte domain: shops, their stock, reservations and the city's curation.

Models hold fields, constraints, indexes and small querysets. Writes live in `marketplace.services`,
reads that are more than a `.get()` in `marketplace.selectors`.
"""

from __future__ import annotations

import os
from datetime import date, datetime, time
from decimal import Decimal

from django.conf import settings
from django.contrib.gis.db import models as gis_models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.files.storage import FileSystemStorage
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.social_links import social_links_validate

SEARCH_CONFIG = "german_unaccent"  # created by migration 0001 (german_stem with unaccent)

slug_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$", _("Only lowercase letters, digits and hyphens.")
)


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class Category(models.Model):
    """A node of the category tree (German names, English as second language)."""

    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True, validators=[slug_validator])
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="category_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class ShopQuerySet(models.QuerySet["Shop"]):
    def active(self) -> ShopQuerySet:
        """Shops live on Ladenkarte: the one gate for products, availability and reservations."""
        return self.filter(status=Shop.Status.ACTIVE)

    def on_map(self) -> ShopQuerySet:
        """Shops residents see on the map and in shop search: live shops and (unclaimed) listings."""
        return self.filter(status__in=Shop.ON_MAP)

    def step_free(self) -> ShopQuerySet:
        """Shops with a step-free entrance: the one rule of the `step_free=true` filter (decision 1700)."""
        return self.filter(step_free=Shop.StepFree.YES)


class PrivateStorage(FileSystemStorage):
    """Files only the application reads (CSV imports) in `PRIVATE_MEDIA_ROOT`: not served, no URL."""

    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("private files have no URL")


def private_storage() -> PrivateStorage:
    return PrivateStorage()


class Shop(TimeStamped):
    """An independent shop of the town with its location, hours settings and practical attributes."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending approval")
        CHANGES_REQUESTED = "changes_requested", _("changes requested")
        ACTIVE = "active", _("active")
        SUSPENDED = "suspended", _("suspended")
        REJECTED = "rejected", _("rejected")
        # Imported from OpenStreetMap and not claimed yet: on the map with its hours, "not on Ladenkarte
        # yet"; never active, so it has no listed products and takes no reservations.
        LISTED = "listed", _("listing (not claimed)")

    class StepFree(models.TextChoices):
        YES = "yes", _("step-free")
        LIMITED = "limited", _("partly step-free")
        NO = "no", _("not step-free")

    ON_MAP = (Status.ACTIVE, Status.LISTED)

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, validators=[slug_validator])
    description = models.TextField(_("description"), blank=True)
    categories = models.ManyToManyField(
        Category, verbose_name=_("categories"), blank=True, related_name="shops"
    )
    street = models.CharField(_("street and number"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=10)
    city = models.CharField(_("city"), max_length=100)
    district = models.CharField(_("district"), max_length=100, blank=True)
    location = gis_models.PointField(_("location"), geography=True, srid=4326)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    social_links = models.JSONField(
        _("social links"),
        default=dict,
        blank=True,
        validators=[social_links_validate],
        help_text=_('Network name to http(s) address, e.g. {"instagram": "https://instagram.com/…"}.'),
    )
    photo = models.ImageField(_("photo"), upload_to="shops/", blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    status_message = models.TextField(_("message from the city"), blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Berlin")
    pickup_lead_minutes = models.PositiveSmallIntegerField(
        _("pickup lead time (minutes)"),
        default=15,
        help_text=_("How long the shop needs to put a reserved item aside."),
    )
    hold_minutes = models.PositiveIntegerField(
        _("hold length (minutes)"),
        null=True,
        blank=True,
        help_text=_("Empty: a reservation is held until closing time of the first day it can be picked up."),
    )
    # Pickup day choice (issue 21, decision 2100).
    pickup_days_ahead = models.PositiveSmallIntegerField(
        _("pickup days ahead"),
        default=2,
        help_text=_(
            "How many of the next opening days (after today) a resident may choose for pickup (0-7)."
        ),
    )
    pickup_min_window_minutes = models.PositiveSmallIntegerField(
        _("minimum pickup window today (minutes)"),
        default=30,
        help_text=_("Today is offered for pickup only if at least this long is left after the lead time."),
    )
    pickup_later_days = models.BooleanField(
        _("reservations for later days"),
        default=True,
        help_text=_("Off: only pickup today is accepted."),
    )
    pickup_move_allowed = models.BooleanField(
        _("residents may move pickup to the next opening day"),
        default=True,
        help_text=_("Once per reservation, from the status page, while the items are held."),
    )
    card_payment = models.BooleanField(_("card payment"), default=True)
    bicycle_parking = models.BooleanField(_("bicycle parking"), default=False)
    gift_wrapping = models.BooleanField(_("gift wrapping"), default=False)
    # Accessibility facts (decision 1700): `step_free` is the one step-free fact (empty: not known); the
    # merchant sets it, the OpenStreetMap import fills it from `wheelchair=*` until the shop changes it.
    step_free = models.CharField(
        _("step-free entrance"),
        max_length=8,
        choices=StepFree.choices,
        blank=True,
        default="",
        db_default="",
        help_text=_("Empty: not known."),
    )
    accessible_toilet = models.BooleanField(_("accessible toilet"), default=False, db_default=False)
    seating = models.BooleanField(_("seating"), default=False, db_default=False)
    hearing_loop = models.BooleanField(_("hearing loop"), default=False, db_default=False)
    disabled_parking_nearby = models.BooleanField(
        _("disabled parking nearby"), default=False, db_default=False
    )
    quiet_hours = models.CharField(
        _("quiet hours"),
        max_length=200,
        blank=True,
        default="",
        db_default="",
        help_text=_('When the shop is quiet for people who need calm, e.g. "Tuesdays 9-11, music off".'),
    )
    hours_confirmed_at = models.DateTimeField(
        _("hours confirmed"),
        null=True,
        blank=True,
        help_text=_("When the shop (or OpenStreetMap's check date) last confirmed the opening hours."),
    )

    objects = ShopQuerySet.as_manager()

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        ordering = ["name"]
        indexes = [
            GistIndex(fields=["location"], name="shop_location_gist"),
            models.Index(fields=["status"], name="shop_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(hold_minutes__isnull=True) | Q(hold_minutes__gte=15), name="shop_hold_minutes_min"
            ),
            models.CheckConstraint(
                condition=Q(pickup_lead_minutes__lte=24 * 60), name="shop_lead_max_one_day"
            ),
            models.CheckConstraint(condition=Q(pickup_days_ahead__lte=7), name="shop_pickup_days_ahead_max"),
            models.CheckConstraint(
                condition=Q(pickup_min_window_minutes__lte=12 * 60), name="shop_pickup_min_window_max"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        """Live on Ladenkarte (see `ShopQuerySet.active`); a listing is not."""
        return self.status == self.Status.ACTIVE

    @property
    def is_listing(self) -> bool:
        return self.status == self.Status.LISTED


class ShopApplication(Shop):
    """The city's view of shops: the approval queue and suspensions (a proxy with its own permissions)."""

    class Meta:
        proxy = True
        verbose_name = _("shop application")
        verbose_name_plural = _("shop approvals")
        permissions = [("review_shop", _("Can approve, reject, suspend and reactivate shops"))]


class ShopMembership(models.Model):
    """A user working for a shop: the owner or a member of staff."""

    class Role(models.TextChoices):
        OWNER = "owner", _("owner")
        STAFF = "staff", _("staff")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shop_memberships"
    )
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("shop membership")
        verbose_name_plural = _("shop memberships")
        constraints = [models.UniqueConstraint(fields=["user", "shop"], name="membership_unique_user_shop")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.shop} ({self.role})"


class ApiKey(models.Model):
    """A shop's key for its till or scripts; only a SHA-256 hash and a visible prefix are stored."""

    class Scope(models.TextChoices):
        READ = "read", _("read only")
        WRITE = "write", _("read and write")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.WRITE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


# An interval closes after it opens, or (past midnight) at the latest at 06:00 the next morning.
_CLOSES_AFTER_OPENS = Q(closes__gt=F("opens")) | Q(closes__lte=time(6, 0), opens__gt=time(6, 0))


class OpeningHours(models.Model):
    """One weekly opening interval; a day may have several (lunch breaks)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="hours_weekday_range"),
            models.CheckConstraint(condition=_CLOSES_AFTER_OPENS, name="hours_closes_after_opens"),
            models.UniqueConstraint(fields=["shop", "weekday", "opens"], name="hours_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


def _intervals_shape_ok() -> Q:
    # closed days carry no intervals; open days at least one (the interval format is checked by the service)
    return Q(closed=True, intervals=[]) | (Q(closed=False) & ~Q(intervals=[]))


class SpecialDay(models.Model):
    """A date on which one shop has other hours or is closed; overrides weekly hours and city days."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="special_days")
    date = models.DateField(_("date"))
    closed = models.BooleanField(_("closed"), default=True)
    intervals = models.JSONField(
        _("intervals"), default=list, blank=True, help_text=_('e.g. [{"opens": "10:00", "closes": "14:00"}]')
    )
    name = models.CharField(_("reason"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("special day")
        verbose_name_plural = _("special days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "date"], name="special_day_unique_shop_date"),
            models.CheckConstraint(condition=_intervals_shape_ok(), name="special_day_intervals_shape"),
        ]

    def __str__(self) -> str:
        return f"{self.shop}: {self.date} {self.name}"


class CityDay(models.Model):
    """A town-wide date rule: a public holiday, a late-opening Sunday or a town event, for every shop."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("public holiday")
        LATE_OPENING = "late_opening", _("late-opening Sunday")
        EVENT = "event", _("town event")

    class Source(models.TextChoices):
        IMPORT = "import", _("holiday import")
        MANUAL = "manual", _("city editor")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120)
    closed = models.BooleanField(_("shops closed"), default=True)
    intervals = models.JSONField(_("intervals"), default=list, blank=True)
    # `import_holidays` only touches days it created and no editor has changed since.
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL, editable=False
    )

    class Meta:
        verbose_name = _("city day")
        verbose_name_plural = _("city calendar")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(condition=_intervals_shape_ok(), name="city_day_intervals_shape")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class ProductQuerySet(models.QuerySet["Product"]):
    def listed(self) -> ProductQuerySet:
        """Products a resident may see: active, of an active shop."""
        return self.filter(active=True, shop_active=True)


gtin_validator = RegexValidator(r"^(\d{8}|\d{12}|\d{13}|\d{14})$", _("A GTIN has 8, 12, 13 or 14 digits."))


class StockMode(models.TextChoices):
    """How a product's availability is stated (decision 1600; the rule is `marketplace.selectors.stock`)."""

    COUNTED = "counted", _("counted")
    TOGGLE = "toggle", _("in stock / sold out")
    ALWAYS = "always", _("always available")
    NEXT_DAY = "next_day", _("orderable for the next opening day")


UNCOUNTED_MODES = (StockMode.ALWAYS, StockMode.NEXT_DAY)  # no stock figure at all: never stale, never short


class Product(TimeStamped):
    """One sellable item of one shop with its stock counters.

    `location` and `shop_active` are copies of the shop's values (kept by the shop services) so the
    nearby search reads one table with one spatial index; `search_vector` is generated by PostgreSQL.
    `quantity_held` counts units of active reservations, including ones past `expires_at` that the sweeper
    has not tidied yet: availability reads subtract only unexpired holds.
    """

    # indexed by `product_shop_listed_idx` (shop, id), which also serves the foreign key
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="products", db_index=False)
    sku = models.CharField(_("SKU"), max_length=64)
    gtin = models.CharField(_("GTIN"), max_length=14, blank=True, validators=[gtin_validator])
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    brand = models.CharField(_("brand"), max_length=100, blank=True)
    price = models.DecimalField(
        _("price (EUR)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))]
    )
    image = models.ImageField(_("image"), upload_to="products/", blank=True)
    # the small WebP of `image` for result lists (`services.images.product_photo_store`); "" without a photo
    image_thumb = models.CharField(max_length=200, blank=True, default="", db_default="", editable=False)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    category_names = models.CharField(
        max_length=300, blank=True, editable=False, help_text="Category and parent names, for text search."
    )
    active = models.BooleanField(_("listed"), default=True)
    quantity_on_hand = models.IntegerField(_("on hand"), default=0)
    quantity_held = models.IntegerField(_("held"), default=0, editable=False)
    stock_updated_at = models.DateTimeField(_("stock confirmed"), default=timezone.now)
    # the till's sales export (DSFinV-K) says when it last sold: a likely-in-stock signal, not a count
    last_sold_at = models.DateTimeField(_("last sold"), null=True, blank=True, editable=False)
    # Not in any index (like the stock columns): switching a mode stays a HOT update (decision 1400).
    stock_mode = models.CharField(
        _("stock mode"),
        max_length=10,
        choices=StockMode.choices,
        default=StockMode.COUNTED,
        db_default=StockMode.COUNTED,
    )
    # No spatial index: the search walks the shops' points and reads products by shop (decision 1400).
    location = gis_models.PointField(geography=True, srid=4326, editable=False, spatial_index=False)
    shop_active = models.BooleanField(default=False, editable=False)
    search_vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("brand", weight="B", config=SEARCH_CONFIG)
        + SearchVector("category_names", weight="C", config=SEARCH_CONFIG)
        + SearchVector("description", weight="D", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "sku"], name="product_unique_shop_sku"),
            models.CheckConstraint(condition=Q(quantity_on_hand__gte=0), name="product_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(quantity_held__gte=0), name="product_held_not_negative"),
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
            models.CheckConstraint(condition=~Q(sku=""), name="product_sku_not_empty"),
            models.CheckConstraint(
                condition=Q(stock_mode__in=[mode.value for mode in StockMode]),
                name="product_stock_mode_known",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="product_title_not_empty"),
            models.CheckConstraint(
                condition=Q(gtin="") | Q(gtin__regex=r"^(\d{8}|\d{12}|\d{13}|\d{14})$"),
                name="product_gtin_format",
            ),
        ]
        indexes = [
            # The search's per-shop walk (nearest shops first, then each shop's products by id). No index
            # may use a stock column in its key or predicate: stock changes must stay HOT (decision 1400).
            models.Index(fields=["shop", "id"], name="product_shop_listed_idx"),
            GinIndex(fields=["search_vector"], name="product_search_gin"),
            models.Index(fields=["shop", "title"], name="product_shop_title_idx"),
            models.Index(fields=["gtin"], name="product_gtin_idx", condition=~Q(gtin="")),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.sku})"


class ProductSearchEntry(models.Model):
    """A narrow copy of every product's shop, point and text (`strip(search_vector)`, no positions), written
    only by the database: triggers on the product table insert, update (when the text, shop or point
    changes) and delete it (migrations `0022_product_search_entries` and
    `0025_search_entry_point_and_text_index`; decision 1400 "Third round", "Sixth round"). Never written by
    code.

    The search's per-shop text walk reads it index-only (`(shop, product) INCLUDE (search_vector)`): a
    shop's text is a few index pages instead of its wide product rows, and stock changes, which rewrite
    product rows all day, leave it untouched (its pages stay all-visible). "Text index first" reads every
    match of the words from its own GIN index, with the point for the distance, and only the nearest
    matches' product rows.
    """

    product = models.OneToOneField(
        Product, on_delete=models.DO_NOTHING, primary_key=True, db_constraint=False, related_name="+"
    )
    shop_id = models.BigIntegerField()
    location = gis_models.PointField(geography=True, srid=4326, spatial_index=False)
    search_vector = SearchVectorField()

    class Meta:
        db_table = "marketplace_product_search"
        indexes = [
            models.Index(
                fields=["shop_id", "product"], include=["search_vector"], name="product_search_shop_idx"
            ),
            GinIndex(fields=["search_vector"], name="product_search_text_gin", gin_pending_list_limit=256),
        ]

    def __str__(self) -> str:
        return f"search entry of product {self.product_id}"


class Reservation(TimeStamped):
    """A resident's hold on items of one shop, collected and paid in the shop."""

    class Status(models.TextChoices):
        HELD = "held", _("held")
        READY = "ready", _("ready for pickup")
        COLLECTED = "collected", _("collected")
        CANCELLED = "cancelled", _("cancelled")
        EXPIRED = "expired", _("expired")
        NO_SHOW = "no_show", _("not collected")

    ACTIVE_STATUSES = (Status.HELD, Status.READY)

    code = models.CharField(_("code"), max_length=12, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, editable=False)
    # no index of its own: `reservation_shop_status_idx` starts with the shop
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="reservations", db_index=False)
    customer_name = models.CharField(_("name"), max_length=120)
    customer_email = models.EmailField(_("e-mail"))
    customer_phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=5, default="de")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.HELD)
    pickup_from = models.DateTimeField(_("pickup from"))
    expires_at = models.DateTimeField(_("held until"))
    stock_conflict = models.BooleanField(
        _("stock conflict"), default=False, help_text=_("The till reported less stock than is reserved.")
    )
    ready_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="When it left the active states.")
    cancelled_by = models.CharField(max_length=20, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # The local day the resident chose for pickup, when its reminder is due (None: none is sent) and when
    # the one "move to the next opening day" was used (decision 2100).
    pickup_date = models.DateField(_("pickup day"), null=True, blank=True)
    remind_at = models.DateTimeField(null=True, blank=True)
    moved_at = models.DateTimeField(null=True, blank=True)
    # Anti-hoarding (decision 0201): the normalised e-mail every per-person rule counts by, and for holds
    # that must be confirmed from the e-mail link: the link's secret (hashed), the deadline and the expiry
    # the hold gets once confirmed (until then `expires_at` is the deadline).
    contact_key = models.CharField(max_length=254, blank=True, default="", editable=False)
    confirm_token_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    confirm_by = models.DateTimeField(_("confirm by"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    hold_until = models.DateTimeField(null=True, blank=True, help_text="The expiry once confirmed.")
    # A hold of an "in stock / sold out" product (no count) lasts until the shop confirms it has the items
    # (marks it ready) or this deadline passes (decision 1600).
    shop_confirm_by = models.DateTimeField(_("shop to confirm by"), null=True, blank=True)

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="reservation_expires_after_created"
            ),
            models.CheckConstraint(
                # a hold waiting for its e-mail confirmation may end before pickup starts (decision 0201)
                condition=Q(expires_at__gte=F("pickup_from")) | Q(confirm_by__isnull=False),
                name="reservation_window_order",
            ),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[2-9A-HJ-NP-Z]{3}-[2-9A-HJ-NP-Z]{3}$"),
                name="reservation_code_format",
            ),
        ]
        indexes = [
            models.Index(fields=["shop", "status", "expires_at"], name="reservation_shop_status_idx"),
            models.Index(
                fields=["expires_at"],
                name="reservation_active_expiry_idx",
                condition=Q(status__in=["held", "ready"]),
            ),
            models.Index(Lower("customer_email"), "status", name="reservation_email_status_idx"),
            models.Index(
                fields=["remind_at"],
                name="reservation_remind_idx",
                condition=Q(status__in=["held", "ready"], reminder_sent_at__isnull=True),
            ),
            models.Index(
                fields=["contact_key", "expires_at"],
                name="reservation_person_active_idx",
                condition=Q(status__in=["held", "ready"]),
            ),
            # the oldest unconfirmed hold: where the unconfirmed-units count starts in a product's lines
            models.Index(
                fields=["id"],
                name="reservation_unconfirmed_idx",
                condition=Q(status__in=["held", "ready"], confirmed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def is_active_at(self, moment: datetime) -> bool:
        return self.status in self.ACTIVE_STATUSES and self.expires_at > moment


class ReservationLine(models.Model):
    """One product and quantity of a reservation."""

    # no index of their own: `line_unique_product` (reservation, product) and `line_product_idx` (product,
    # reservation) serve both lookups, and every hold writes a line
    reservation = models.ForeignKey(
        Reservation, on_delete=models.CASCADE, related_name="lines", db_index=False
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="reservation_lines", db_index=False
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("reservation line")
        verbose_name_plural = _("reservation lines")
        constraints = [
            models.UniqueConstraint(fields=["reservation", "product"], name="line_unique_product"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="line_price_not_negative"),
        ]
        # (product, reservation): a product's lines from a reservation on, not its whole history
        indexes = [models.Index(fields=["product", "reservation"], name="line_product_idx")]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_id}"


class StockMovement(models.Model):
    """One change of a product's on-hand or held quantity: the audit trail of every stock figure."""

    class Source(models.TextChoices):
        API = "api", _("API")
        CSV = "csv", _("CSV import")
        ADMIN = "admin", _("admin")
        MERCHANT_PAGE = "my_shop", _("my shop page")
        RESERVATION = "reservation", _("reservation")
        SWEEPER = "sweeper", _("expiry")
        SEED = "seed", _("demo data")
        SHOPIFY = "shopify", _("Shopify")
        READY2ORDER = "ready2order", _("ready2order")
        LIGHTSPEED = "lightspeed", _("Lightspeed Retail")
        DSFINVK = "dsfinvk", _("DSFinV-K export")
        MAPPED_CSV = "mapped_csv", _("CSV with column mapping")
        SCAN = "scan", _("scan to list")

    # no index of its own: `movement_product_time_idx` starts with the product (each stock change writes one)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="movements", db_index=False)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    on_hand_delta = models.IntegerField(_("on-hand change"), default=0)
    held_delta = models.IntegerField(_("held change"), default=0)
    on_hand_after = models.IntegerField(_("on hand after"))
    held_after = models.IntegerField(_("held after"))
    reservation = models.ForeignKey(
        Reservation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_api_key = models.ForeignKey(
        ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["product", "-created_at"], name="movement_product_time_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(on_hand_after__gte=0), name="movement_on_hand_after_not_negative"
            ),
            models.CheckConstraint(condition=Q(held_after__gte=0), name="movement_held_after_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} {self.on_hand_delta:+d}/{self.held_delta:+d} ({self.source})"


class PublishWindowQuerySet(models.QuerySet):
    def live(self, *, at: datetime | None = None) -> PublishWindowQuerySet:
        at = at or timezone.now()
        return self.filter(
            Q(publish_from__isnull=True) | Q(publish_from__lte=at),
            Q(publish_until__isnull=True) | Q(publish_until__gt=at),
        )


_WINDOW_ORDER = (
    Q(publish_from__isnull=True) | Q(publish_until__isnull=True) | Q(publish_until__gt=F("publish_from"))
)


class Collection(TimeStamped):
    """A themed selection of shops and products curated by the city, live within its publish window."""

    title = models.CharField(_("title"), max_length=150)
    title_en = models.CharField(_("title (English)"), max_length=150, blank=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, validators=[slug_validator])
    text = models.TextField(_("text"), blank=True)
    text_en = models.TextField(_("text (English)"), blank=True)
    image = models.ImageField(_("image"), upload_to="collections/", blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    publish_from = models.DateTimeField(_("publish from"), null=True, blank=True)
    publish_until = models.DateTimeField(_("publish until"), null=True, blank=True)

    objects = PublishWindowQuerySet.as_manager()

    class Meta:
        verbose_name = _("collection")
        verbose_name_plural = _("collections")
        ordering = ["position", "title"]
        constraints = [models.CheckConstraint(condition=_WINDOW_ORDER, name="collection_window_order")]

    def __str__(self) -> str:
        return self.title


class CollectionItem(models.Model):
    """A shop or a product in a collection (exactly one of the two)."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    shop = models.ForeignKey(Shop, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("collection item")
        verbose_name_plural = _("collection items")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(shop__isnull=False, product__isnull=True)
                | Q(shop__isnull=True, product__isnull=False),
                name="collection_item_shop_xor_product",
            ),
            models.UniqueConstraint(fields=["collection", "shop"], name="collection_item_unique_shop"),
            models.UniqueConstraint(fields=["collection", "product"], name="collection_item_unique_product"),
        ]

    def __str__(self) -> str:
        return f"{self.collection}: {self.shop_id or self.product_id}"


class FeaturedShop(TimeStamped):
    """A shop the city puts on the home page for a while."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="featurings")
    title = models.CharField(_("title"), max_length=150, blank=True)
    text = models.TextField(_("text"), blank=True)
    image = models.ImageField(_("image"), upload_to="featured/", blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    publish_from = models.DateTimeField(_("publish from"), null=True, blank=True)
    publish_until = models.DateTimeField(_("publish until"), null=True, blank=True)

    objects = PublishWindowQuerySet.as_manager()

    class Meta:
        verbose_name = _("featured shop")
        verbose_name_plural = _("featured shops")
        ordering = ["position", "-publish_from"]
        constraints = [models.CheckConstraint(condition=_WINDOW_ORDER, name="featured_window_order")]

    def __str__(self) -> str:
        return f"{self.shop} ({self.title})"


class SearchEvent(models.Model):
    """One search, kept without personal data: text, location rounded to about 1 km, result count, time."""

    query = models.CharField(_("query"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=100, blank=True)
    lat = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    lng = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    radius_km = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    available_today = models.BooleanField(default=True)
    result_count = models.PositiveIntegerField(_("results"))
    channel = models.CharField(max_length=10, default="api")
    created_at = models.DateTimeField(_("time"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("search")
        verbose_name_plural = _("searches")
        ordering = ["-created_at"]
        permissions = [("view_insights", _("Can view demand insights"))]
        indexes = [
            models.Index(fields=["created_at"], name="search_event_time_idx"),
            models.Index(fields=["result_count", "created_at"], name="search_event_zero_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(lat__gte=-90, lat__lte=90) | Q(lat__isnull=True), name="search_lat_range"
            ),
            models.CheckConstraint(
                condition=Q(lng__gte=-180, lng__lte=180) | Q(lng__isnull=True), name="search_lng_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.query!r} → {self.result_count}"


class IdempotencyRecord(models.Model):
    """The first response to a write sent with an `Idempotency-Key`, replayed for repeats of that key."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")

    key = models.CharField(max_length=255)
    scope = models.CharField(max_length=100, help_text="Who sent it: an API key, a user or a client hash.")
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    state = models.CharField(max_length=12, choices=State.choices, default=State.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_unique_scope_key"),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="idempotency_expires_after_created"
            ),
            models.CheckConstraint(
                condition=Q(state="in_progress") | Q(response_status__isnull=False),
                name="idempotency_done_has_status",
            ),
            models.CheckConstraint(condition=~Q(key=""), name="idempotency_key_not_empty"),
        ]
        indexes = [models.Index(fields=["expires_at"], name="idempotency_expiry_idx")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class Webhook(TimeStamped):
    """A merchant's URL that receives reservation and stock events, signed with a per-webhook secret.

    The secret is never stored: it is derived from SECRET_KEY and `secret_salt` (HMAC), shown once.
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list, help_text=_("Empty: all events."))
    secret_salt = models.CharField(max_length=64, editable=False)
    active = models.BooleanField(_("active"), default=True)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One attempt to deliver one event to a webhook: the merchant's delivery log."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=50)
    event_id = models.UUIDField()
    payload = models.JSONField()
    attempt = models.PositiveSmallIntegerField(default=1)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["webhook", "-created_at"], name="delivery_webhook_time_idx")]

    def __str__(self) -> str:
        return f"{self.event} → {self.status_code}"


class ImportJob(TimeStamped):
    """A CSV stock import of one shop, run in the background when large; its progress and report."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="import_jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # private storage (never under the public MEDIA_ROOT), random file names: decision 1200
    file = models.FileField(upload_to="imports/", storage=private_storage)
    original_name = models.CharField(max_length=200, blank=True)
    dry_run = models.BooleanField(default=False)
    partial = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rows_done__lte=F("rows_total")), name="import_progress_bounded"
            )
        ]

    def __str__(self) -> str:
        return f"{self.shop} {self.original_name} ({self.state})"


class OsmElement(models.TextChoices):
    NODE = "n", _("node")
    WAY = "w", _("way")


class ShopOsmRecord(models.Model):
    """Where a shop came from in OpenStreetMap, and what the last import wrote (field-level provenance).

    `imported` holds the value of each field as the import last wrote it; a field whose current value
    differs was changed by the merchant or the city and is never overwritten by a re-import.
    """

    class HoursStatus(models.TextChoices):
        EXACT = "exact", _("taken over exactly")
        CONFIRM = "confirm", _("needs the shop's confirmation")
        NONE = "none", _("no opening hours in OpenStreetMap")
        CONFIRMED = "confirmed", _("confirmed by the shop")

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="osm")
    osm_type = models.CharField(_("OSM element"), max_length=1, choices=OsmElement.choices)
    osm_id = models.BigIntegerField(_("OSM id"))
    tags = models.JSONField(_("OSM tags"), default=dict)
    imported = models.JSONField(default=dict, help_text="Field values as the import last wrote them.")
    opening_hours = models.CharField(_("opening_hours (OSM)"), max_length=255, blank=True)
    hours_status = models.CharField(
        _("hours"), max_length=10, choices=HoursStatus.choices, default=HoursStatus.NONE
    )
    hours_problems = models.JSONField(_("hours problems"), default=list, blank=True)
    first_imported_at = models.DateTimeField(_("first imported"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen in OSM"), default=timezone.now)
    gone_at = models.DateTimeField(_("missing from the last import"), null=True, blank=True)

    class Meta:
        verbose_name = _("OpenStreetMap record")
        verbose_name_plural = _("OpenStreetMap records")
        constraints = [
            models.UniqueConstraint(fields=["osm_type", "osm_id"], name="osm_record_unique_element"),
        ]

    def __str__(self) -> str:
        return f"{self.get_osm_type_display()} {self.osm_id}"

    @property
    def osm_url(self) -> str:
        kind = {"n": "node", "w": "way"}[self.osm_type]
        return f"https://www.openstreetmap.org/{kind}/{self.osm_id}"


class VacantUnit(models.Model):
    """An empty shop unit from OpenStreetMap (`shop=vacant`, `disused:shop=*`): the city's empty-shops map."""

    osm_type = models.CharField(_("OSM element"), max_length=1, choices=OsmElement.choices)
    osm_id = models.BigIntegerField(_("OSM id"))
    name = models.CharField(_("former name"), max_length=200, blank=True)
    former_use = models.CharField(_("former use"), max_length=100, blank=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    location = gis_models.PointField(_("location"), geography=True, srid=4326)
    tags = models.JSONField(_("OSM tags"), default=dict)
    first_seen_at = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen in OSM"), default=timezone.now)
    gone_at = models.DateTimeField(_("missing from the last import"), null=True, blank=True)

    class Meta:
        verbose_name = _("empty shop unit")
        verbose_name_plural = _("empty shop units")
        ordering = ["street", "pk"]
        permissions = [("view_empty_shops", _("Can view the empty-shops map"))]
        constraints = [
            models.UniqueConstraint(fields=["osm_type", "osm_id"], name="vacant_unit_unique_element"),
        ]

    def __str__(self) -> str:
        return self.street or f"{self.osm_type}{self.osm_id}"


class ChainBrand(models.Model):
    """A chain the OSM import leaves out, matched by `brand:wikidata` or (case-insensitive) `brand`."""

    name = models.CharField(_("brand"), max_length=100, blank=True)
    wikidata = models.CharField(
        _("Wikidata id"),
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^Q\d+$", _("A Wikidata id looks like Q123456."))],
    )

    class Meta:
        verbose_name = _("chain (left out of the OSM import)")
        verbose_name_plural = _("chains (left out of the OSM import)")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name="", wikidata=""), name="chain_brand_name_or_wikidata"),
        ]

    def __str__(self) -> str:
        return self.name or self.wikidata


class OsmImportTag(models.Model):
    """A tag besides `shop=*` that the city takes in from OSM, e.g. `craft=shoemaker`, `amenity=pharmacy`."""

    key = models.CharField(_("key"), max_length=50, validators=[RegexValidator(r"^[a-z_:]+$")])
    value = models.CharField(_("value"), max_length=80, validators=[RegexValidator(r"^[a-z0-9_;]+$")])

    class Meta:
        verbose_name = _("extra OSM tag")
        verbose_name_plural = _("extra OSM tags")
        ordering = ["key", "value"]
        constraints = [models.UniqueConstraint(fields=["key", "value"], name="osm_import_tag_unique")]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class OsmImportRun(models.Model):
    """One run of the OSM import: who ran it on which file and what it did (counts and skipped elements)."""

    created_at = models.DateTimeField(_("time"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(_("file"), max_length=200)
    boundary = models.CharField(_("boundary"), max_length=200, blank=True)
    report = models.JSONField(_("report"), default=dict)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("OSM import")
        verbose_name_plural = _("OSM imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"


class Street(models.Model):
    """A street of the town from the imported street list (`import_streets`, OSM highways with a name): the
    local geocoder places it without asking an outside service (decision 1200)."""

    name = models.CharField(_("street"), max_length=200)
    # `selectors.places.street_key(name)`: case, umlauts, spaces and "str." folded, for matching typed names.
    key = models.CharField(_("match key"), max_length=200, editable=False)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    location = gis_models.PointField(_("location"), geography=True, srid=4326)
    way_count = models.PositiveIntegerField(_("OSM ways"), default=1)
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        ordering = ["name", "postcode"]
        constraints = [models.UniqueConstraint(fields=["key", "postcode"], name="street_unique_key_postcode")]

    def __str__(self) -> str:
        return f"{self.name} ({self.postcode})" if self.postcode else self.name


class GeocoderSlot(models.Model):
    """The shared budget of outside geocoder requests while Redis is down: per budget, the moment before
    which no process may ask again (taken with one conditional upsert, see `rate_limits.shared_slot_take`)."""

    name = models.CharField(max_length=40, primary_key=True)
    next_at = models.DateTimeField()

    class Meta:
        verbose_name = _("geocoder budget")
        verbose_name_plural = _("geocoder budgets")

    def __str__(self) -> str:
        return self.name


class ClaimCode(models.Model):
    """A one-time code with which the owner of a listing claims it; only a SHA-256 hash is stored."""

    class Channel(models.TextChoices):
        LETTER = "letter", _("letter")
        EMAIL = "email", _("e-mail")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="claim_codes")
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    channel = models.CharField(_("sent as"), max_length=10, choices=Channel.choices, default=Channel.LETTER)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("claim code")
        verbose_name_plural = _("claim codes")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="claim_code_expires_after_created"
            ),
        ]
        indexes = [models.Index(fields=["shop", "-created_at"], name="claim_code_shop_idx")]

    def __str__(self) -> str:
        return f"{self.shop} ({self.get_channel_display()}, {self.created_at:%Y-%m-%d})"


class SignupVerification(models.Model):
    """An account made by the public shop registration, waiting for its e-mail address to be confirmed.

    Until `verified_at` is set the user is inactive (no login, no admin, no my-shop, no API keys) and its
    pending shop gets no merchant API (decision 1200). Accounts made any other way (claim codes, the admin,
    seed_demo) have no row: they count as verified.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signup_verification"
    )
    created_at = models.DateTimeField(_("registered"), default=timezone.now, editable=False)
    verified_at = models.DateTimeField(_("e-mail confirmed"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-up verification")
        verbose_name_plural = _("sign-up verifications")
        indexes = [
            models.Index(
                fields=["created_at"], name="signup_unverified_idx", condition=Q(verified_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return str(self.user)


class HealthSnapshot(models.Model):
    """The town's data-health totals on one day, for the chart over time (written by a daily task)."""

    date = models.DateField(_("date"), unique=True)
    totals = models.JSONField(_("totals"), default=dict)

    class Meta:
        verbose_name = _("data-health snapshot")
        verbose_name_plural = _("data-health snapshots")
        ordering = ["date"]

    def __str__(self) -> str:
        return str(self.date)


# --- the shop's own voice: posts and job postings (decision 1800) -----------------------------------------


class PostQuerySet(models.QuerySet["Post"]):
    def live(self, *, at: datetime) -> PostQuerySet:
        """Posts residents see at `at`: started, not ended, not hidden by the city, of an active shop."""
        return self.filter(
            starts_at__lte=at, ends_at__gt=at, hidden_at__isnull=True, shop__status=Shop.Status.ACTIVE
        )


class Post(TimeStamped):
    """A shop's short news ("fresh asparagus until Saturday"): shown until `ends_at`, then gone by itself.

    The city can hide a post with a reason (`hidden_at`, `hidden_reason`); the shop sees the reason.
    """

    class Kind(models.TextChoices):
        NEWS = "news", _("news")
        OFFER = "offer", _("today's offer")
        EVENT = "event", _("event")
        CLOSURE = "closure", _("closure")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="posts")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.NEWS)
    title = models.CharField(_("title"), max_length=120)
    text = models.TextField(_("text"), max_length=1000, blank=True)
    photo = models.ImageField(_("photo"), upload_to="posts/", blank=True)
    starts_at = models.DateTimeField(_("shown from"), default=timezone.now)
    ends_at = models.DateTimeField(_("shown until"))
    products = models.ManyToManyField(Product, verbose_name=_("products"), blank=True, related_name="posts")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_at = models.DateTimeField(_("hidden by the city"), null=True, blank=True, editable=False)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True, editable=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["-starts_at", "-pk"]
        permissions = [("hide_post", _("Can hide and show posts of any shop"))]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="post_ends_after_start"),
            models.CheckConstraint(condition=~Q(title=""), name="post_title_not_empty"),
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True) | ~Q(hidden_reason=""), name="post_hidden_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["shop", "-created_at"], name="post_shop_created_idx"),
            models.Index(fields=["-starts_at"], name="post_visible_idx", condition=Q(hidden_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.title


class JobPostingQuerySet(models.QuerySet["JobPosting"]):
    def live(self, *, today: date) -> JobPostingQuerySet:
        """Job postings residents see on `today` (the town's local date): valid, of an active shop."""
        return self.filter(valid_through__gte=today, shop__status=Shop.Status.ACTIVE)


class JobPosting(TimeStamped):
    """A job at a shop; applications go straight to the shop (no CV is uploaded to or stored by us)."""

    class Kind(models.TextChoices):
        FULL_TIME = "full_time", _("full time")
        PART_TIME = "part_time", _("part time")
        MINI_JOB = "mini_job", _("mini job")
        APPRENTICESHIP = "apprenticeship", _("apprenticeship")
        INTERNSHIP = "internship", _("internship")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="job_postings")
    title = models.CharField(_("job title"), max_length=120)
    kind = models.CharField(_("kind of job"), max_length=20, choices=Kind.choices)
    hours_per_week = models.PositiveSmallIntegerField(
        _("hours per week"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    starts_on = models.DateField(
        _("start"), null=True, blank=True, help_text=_("Empty: as soon as possible.")
    )
    description = models.TextField(_("description"), max_length=3000)
    apply_email = models.EmailField(_("apply by e-mail"), blank=True)
    apply_phone = models.CharField(_("apply by phone"), max_length=40, blank=True)
    apply_note = models.CharField(
        _("how to apply"), max_length=300, blank=True, help_text=_("e.g. drop in with a short letter")
    )
    valid_through = models.DateField(_("valid until"))
    featured = models.BooleanField(_("featured by the city"), default=False)
    expiry_reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = JobPostingQuerySet.as_manager()

    class Meta:
        verbose_name = _("job posting")
        verbose_name_plural = _("job postings")
        ordering = ["-featured", "-created_at", "-pk"]
        permissions = [("feature_jobposting", _("Can feature job postings"))]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="job_title_not_empty"),
            models.CheckConstraint(condition=~Q(description=""), name="job_description_not_empty"),
            models.CheckConstraint(
                condition=~Q(apply_email="") | ~Q(apply_phone="") | ~Q(apply_note=""),
                name="job_has_a_way_to_apply",
            ),
        ]
        indexes = [models.Index(fields=["valid_through"], name="job_valid_through_idx")]

    def __str__(self) -> str:
        return self.title


class OutboxMessage(models.Model):
    """One side effect of a committed write (an e-mail, a webhook event, a job), written in the same
    transaction as the write and delivered by the outbox dispatcher (`marketplace.services.outbox`)."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        RETRYING = "retrying", _("retrying")
        DELIVERED = "delivered", _("delivered")
        DEAD = "dead", _("dead")

    kind = models.CharField(_("kind"), max_length=50)
    payload = models.JSONField(_("payload"), default=dict)
    # A secret the handler needs (e.g. the reservation token for the confirmation link), encrypted with a key
    # derived from SECRET_KEY; wiped once the row is delivered or dead.
    sealed = models.TextField(blank=True, editable=False)
    # Rows with the same (kind, dedupe_key) collapse while one of them waits (e.g. one word-list refresh).
    dedupe_key = models.CharField(max_length=200, blank=True)
    shop = models.ForeignKey(
        Shop, null=True, blank=True, on_delete=models.CASCADE, related_name="outbox_messages"
    )
    webhook = models.ForeignKey(  # no index of its own: `outbox_webhook_idx` starts with it
        Webhook,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outbox_messages",
        db_index=False,
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("max. attempts"), default=8)
    due_at = models.DateTimeField(_("due"), default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    claim = models.UUIDField(null=True, blank=True, editable=False)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["due_at", "id"],
                name="outbox_due_idx",
                condition=Q(state__in=["pending", "retrying"]),
            ),
            models.Index(fields=["state", "-created_at"], name="outbox_state_idx"),
            models.Index(fields=["webhook", "-created_at"], name="outbox_webhook_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "dedupe_key"],
                # a claimed (running) row does not count: a change committed meanwhile needs its own run
                condition=Q(state__in=["pending", "retrying"], claim__isnull=True) & ~Q(dedupe_key=""),
                name="outbox_one_waiting_per_dedupe_key",
            ),
            models.CheckConstraint(
                condition=Q(attempts__lte=F("max_attempts")), name="outbox_attempts_bounded"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"


class MerchantMessage(models.Model):
    """A message of the city to merchants: e-mail plus a banner on the "my shop" page, optionally a question.

    The audience is resolved into `MerchantMessageRecipient` rows when it is sent (all active shops, one
    category, or a hand-picked list), so later shops do not receive old news and answers have a place.
    """

    class Audience(models.TextChoices):
        ALL = "all", _("all shops")
        CATEGORY = "category", _("shops of one category")
        SHOPS = "shops", _("selected shops")

    class Question(models.TextChoices):
        NONE = "", _("no question")
        OPEN_DAY = "open_day", _("will you open on this day?")

    subject = models.CharField(_("subject"), max_length=150)
    body = models.TextField(_("message"))
    audience = models.CharField(_("to"), max_length=10, choices=Audience.choices, default=Audience.ALL)
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("category"),
    )
    question = models.CharField(_("question"), max_length=20, choices=Question.choices, blank=True)
    question_date = models.DateField(_("day asked about"), null=True, blank=True)
    question_intervals = models.JSONField(
        _("opening hours asked about"),
        default=list,
        blank=True,
        help_text='[{"opens": "13:00", "closes": "18:00"}]',
    )
    essential = models.BooleanField(
        _("essential"),
        default=False,
        help_text=_(
            "Essential messages (terms, outages) are sent even to shops that unsubscribed from news."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("message to merchants")
        verbose_name_plural = _("messages to merchants")
        ordering = ["-created_at"]
        permissions = [("view_city_workspace", _("Can use the city's workspace"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(question="") | Q(question_date__isnull=False),
                name="merchant_message_question_day",
            ),
            models.CheckConstraint(
                condition=~Q(audience="category") | Q(category__isnull=False),
                name="merchant_message_category_set",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class MerchantMessageRecipient(models.Model):
    """One shop's copy of a city message: when it was e-mailed, read or dismissed, and its answer."""

    class Answer(models.TextChoices):
        NONE = "", _("no answer yet")
        OPEN = "open", _("we open")
        CLOSED = "closed", _("we stay closed")

    message = models.ForeignKey(MerchantMessage, on_delete=models.CASCADE, related_name="recipients")
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="city_messages")
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    email_skipped = models.BooleanField(_("e-mail skipped (unsubscribed)"), default=False)
    dismissed_at = models.DateTimeField(_("dismissed"), null=True, blank=True)
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["shop__name"]
        constraints = [
            models.UniqueConstraint(fields=["message", "shop"], name="merchant_message_once_per_shop")
        ]
        indexes = [models.Index(fields=["shop", "dismissed_at"], name="merchant_msg_banner_idx")]

    def __str__(self) -> str:
        return f"{self.message} → {self.shop}"


class MerchantNewsOptOut(models.Model):
    """A shop that unsubscribed from the city's non-essential e-mails (the banner on "my shop" stays)."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="news_opt_out")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("unsubscribed shop")
        verbose_name_plural = _("unsubscribed shops")

    def __str__(self) -> str:
        return str(self.shop)


# --- feedback after pickup and "tell me when it's here" (issue 17, decision 1700) ---


class FeedbackQuerySet(models.QuerySet["Feedback"]):
    def published(self, *, at: datetime) -> FeedbackQuerySet:
        """What residents see: due for publishing (a text after the shop's 72 hours) and not hidden."""
        return self.filter(publish_at__lte=at, hidden_at__isnull=True)


class Feedback(models.Model):
    """A resident's word on one collected reservation: was everything there, stars, a short text, and the
    shop's answer. Once per reservation; the shop sees it first (a text is published after 72 hours)."""

    class Ready(models.TextChoices):
        YES = "yes", _("yes, everything was there and ready")
        PARTLY = "partly", _("partly")
        NO = "no", _("no")

    reservation = models.OneToOneField(
        "Reservation", on_delete=models.CASCADE, related_name="feedback", verbose_name=_("reservation")
    )
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("shop"))
    ready = models.CharField(_("everything there and ready?"), max_length=8, choices=Ready.choices)
    rating = models.PositiveSmallIntegerField(_("stars"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True, max_length=1000)
    first_name = models.CharField(_("first name"), max_length=60, blank=True)
    language = models.CharField(_("language"), max_length=5, default="de")
    created_at = models.DateTimeField(_("given"), default=timezone.now, editable=False)
    publish_at = models.DateTimeField(_("published from"))
    answer = models.TextField(_("shop's answer"), blank=True, max_length=1000)
    answer_public = models.BooleanField(_("answer shown publicly"), default=False)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_at = models.DateTimeField(_("hidden"), null=True, blank=True, editable=False)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True, editable=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at"]
        permissions = [("moderate_review", _("Can hide and show reviews and handle reports"))]
        indexes = [models.Index(fields=["shop", "publish_at"], name="feedback_shop_publish_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_5"
            ),
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True) | ~Q(hidden_reason=""), name="feedback_hidden_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(answer_public=False) | ~Q(answer=""), name="feedback_public_answer_has_text"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop}: {self.get_ready_display()}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class FeedbackReport(models.Model):
    """A report that a review breaks the rules (by the shop or a resident); the city decides."""

    class By(models.TextChoices):
        MERCHANT = "merchant", _("the shop")
        RESIDENT = "resident", _("a resident")

    feedback = models.ForeignKey(
        Feedback, on_delete=models.CASCADE, related_name="reports", verbose_name=_("review")
    )
    by = models.CharField(_("reported by"), max_length=10, choices=By.choices)
    reason = models.CharField(_("reason"), max_length=500)
    created_at = models.DateTimeField(_("reported"), default=timezone.now, editable=False)
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)

    class Meta:
        verbose_name = _("review report")
        verbose_name_plural = _("review reports")
        ordering = ["created_at"]
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(handled_at__isnull=True), name="feedback_report_open_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.feedback}: {self.reason[:40]}"


class StockAlertQuerySet(models.QuerySet["StockAlert"]):
    def active(self, *, at: datetime) -> StockAlertQuerySet:
        """Confirmed, not unsubscribed, not expired: the alerts that matching looks at."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True, expires_at__gt=at)


class StockAlert(models.Model):
    """ "Tell me when it's here": an e-mail address waiting for a query or a product within a radius.

    No account; double opt-in, 30 days from confirming (renewable), one e-mail a day at most (decision 1700).
    """

    email = models.EmailField(_("e-mail"))
    email_key = models.CharField(_("person"), max_length=254, help_text=_("The normalised e-mail address."))
    query = models.CharField(_("search text"), max_length=100, blank=True)
    # the query's lexemes in the search's own text configuration: matched against products' search_vector
    lexemes = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    product = models.ForeignKey(
        "Product", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    location = gis_models.PointField(_("near"), geography=True, srid=4326)
    radius_km = models.FloatField(_("radius (km)"), default=2.0)
    language = models.CharField(_("language"), max_length=5, default="de")
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_notified_at = models.DateTimeField(_("last e-mail"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)

    objects = StockAlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock alert")
        verbose_name_plural = _("stock alerts")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["email_key"], name="stockalert_email_key_idx"),
            models.Index(
                fields=["product"],
                name="stockalert_product_idx",
                condition=Q(confirmed_at__isnull=False, unsubscribed_at__isnull=True, product__isnull=False),
            ),
            # matching finds the text alerts by their first word among a sync's words (decision 1700)
            models.Index(
                F("lexemes__0"),
                name="stockalert_first_word_idx",
                condition=Q(confirmed_at__isnull=False, unsubscribed_at__isnull=True, product__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(product__isnull=False) | ~Q(query=""), name="stockalert_query_or_product"
            ),
            models.CheckConstraint(
                condition=Q(radius_km__gt=0, radius_km__lte=25), name="stockalert_radius_range"
            ),
        ]

    def __str__(self) -> str:
        return self.query or f"#{self.product_id}"


class StockAlertMatch(models.Model):
    """An item that became available for an alert and waits for the address's next e-mail."""

    alert = models.ForeignKey(StockAlert, on_delete=models.CASCADE, related_name="matches")
    product = models.ForeignKey("Product", on_delete=models.CASCADE, related_name="+")
    matched_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("stock alert match")
        verbose_name_plural = _("stock alert matches")
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "product"], condition=Q(sent_at__isnull=True), name="stockalert_match_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} → {self.product_id}"


class TillConnector(TimeStamped):
    """A shop's link to its till: an adapter (`kind`) that pulls, receives pushes or reads files (issue 16).

    Credentials of pull connectors are stored sealed (Fernet with a key derived from SECRET_KEY); the push
    secret is never stored, it is derived from SECRET_KEY and `push_salt` like a webhook's (decision 1601).
    `state`, `last_error`, `last_success_at` are what my-shop and the city's data-health board show.
    """

    class Kind(models.TextChoices):
        SHOPIFY = "shopify", _("Shopify (CSV export)")
        READY2ORDER = "ready2order", _("ready2order")
        LIGHTSPEED = "lightspeed", _("Lightspeed Retail")
        DSFINVK = "dsfinvk", _("DSFinV-K export (lines.csv)")
        MAPPED_CSV = "mapped_csv", _("Other CSV (your column mapping)")

    class State(models.TextChoices):
        NEW = "new", _("not run yet")
        RUNNING = "running", _("running")
        OK = "ok", _("in sync")
        ERROR = "error", _("error")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="till_connectors")
    kind = models.CharField(_("till"), max_length=20, choices=Kind.choices)
    active = models.BooleanField(_("active"), default=True)
    base_url = models.URLField(_("API address"), max_length=500, blank=True)
    account = models.CharField(_("account ID"), max_length=100, blank=True)
    credentials_sealed = models.TextField(blank=True, editable=False)
    push_salt = models.CharField(max_length=64, blank=True, editable=False)
    column_mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    options = models.JSONField(default=dict, blank=True)
    cursor = models.CharField(max_length=100, blank=True, editable=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.NEW, editable=False)
    last_run_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True, editable=False)
    last_error = models.CharField(_("last error"), max_length=500, blank=True, editable=False)
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_report = models.JSONField(default=dict, blank=True, editable=False)
    next_pull_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("till connector")
        verbose_name_plural = _("till connectors")
        ordering = ["shop", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "kind"], name="connector_unique_shop_kind"),
        ]
        indexes = [
            models.Index(
                fields=["next_pull_at"],
                name="connector_pull_due_idx",
                condition=Q(next_pull_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.shop} {self.kind}"


class GtinProduct(models.Model):
    """One row of an open product database (Open Food/Products/Beauty Facts), looked up by GTIN.

    Loaded with `manage.py import_product_data`; shown with its licence (ODbL data, CC BY-SA images).
    """

    gtin = models.CharField(max_length=14, primary_key=True)
    name = models.CharField(max_length=200, blank=True)
    brand = models.CharField(max_length=100, blank=True)
    quantity = models.CharField(max_length=60, blank=True)
    image_url = models.URLField(max_length=500, blank=True)
    source = models.CharField(max_length=30, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("open product data")
        verbose_name_plural = _("open product data")

    def __str__(self) -> str:
        return f"{self.gtin} {self.name}"
