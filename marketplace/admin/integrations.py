"""Admin for API keys, webhooks, CSV imports and idempotency records (owners only where integrations are
concerned, `tenancy`); every write goes through the services."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminURLFieldWidget
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from marketplace.admin.tenancy import (
    ReadOnlyInline,
    ShopScopedAdmin,
)
from marketplace.exceptions import DomainError
from marketplace.infrastructure.uploads import UploadTooLarge, upload_receive
from marketplace.models import (
    ApiKey,
    IdempotencyRecord,
    ImportJob,
    OutboxMessage,
    StockMovement,
    Webhook,
    WebhookDelivery,
)
from marketplace.services import api_keys as api_key_services
from marketplace.services import csv_import, products, webhooks

# --- API keys, webhooks, imports --------------------------------------------------------------------------


class ApiKeyAddForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["shop", "name", "scope"]


@admin.register(ApiKey)
class ApiKeyAdmin(ShopScopedAdmin):
    owners_only = True
    list_display = ["name", "shop", "prefix", "scope", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    list_select_related = ["shop"]
    actions = ["revoke"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ApiKeyAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["shop", "name", "scope"]
        return ["shop", "name", "prefix", "scope", "created_by", "created_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return ["shop", "prefix", "scope", "created_by", "created_at", "last_used_at", "revoked_at"]

    def save_model(self, request: HttpRequest, obj: ApiKey, form: forms.ModelForm, change: bool) -> None:
        if change:
            api_key_services.api_key_rename(api_key=obj, name=form.cleaned_data["name"], by_user=request.user)
            return
        data = form.cleaned_data
        api_key, raw_key = api_key_services.api_key_create(
            shop=data["shop"], name=data["name"], scope=data["scope"], created_by=cast(User, request.user)
        )
        obj.pk = api_key.pk
        self.message_user(
            request,
            format_html(
                "{} <code>{}</code>",
                _("The new API key (shown only now, copy it to your till):"),
                raw_key,
            ),
            messages.WARNING,
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: movements keep pointing at the key

    @admin.action(description=_("Revoke selected keys"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for api_key in queryset:
            api_key_services.api_key_revoke(api_key=api_key, by_user=request.user)
        self.message_user(request, _("Keys revoked."))


class WebhookDeliveryInline(ReadOnlyInline):
    model = WebhookDelivery
    fields = ["created_at", "event", "attempt", "status_code", "error", "duration_ms"]
    readonly_fields = ["created_at", "event", "attempt", "status_code", "error", "duration_ms"]
    ordering = ["-created_at", "-pk"]
    max_num = 50


class WebhookQueueInline(ReadOnlyInline):
    """The webhook's events not delivered yet: pending, retrying (with the last error) and dead."""

    model = OutboxMessage
    verbose_name = _("event waiting")
    verbose_name_plural = _("events waiting, retrying or dead")
    fields = ["created_at", "state", "attempts", "due_at", "last_error"]
    readonly_fields = ["created_at", "state", "attempts", "due_at", "last_error"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[OutboxMessage]:
        waiting = super().get_queryset(request).exclude(state=OutboxMessage.State.DELIVERED)
        return waiting.order_by("created_at", "pk")


class WebhookForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=[(event, event) for event in webhooks.EVENTS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None selected: all events."),
    )
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https", widget=AdminURLFieldWidget)

    class Meta:
        model = Webhook
        fields = ["shop", "url", "events", "active"]

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"])
        try:
            webhooks.validate_webhook_url(url)
        except DomainError as exc:
            raise forms.ValidationError(exc.details.get("url") or exc.message) from exc
        return url


@admin.register(Webhook)
class WebhookAdmin(ShopScopedAdmin):
    owners_only = True
    form = WebhookForm
    list_display = ["url", "shop", "active", "consecutive_failures", "disabled_at"]
    list_filter = ["active"]
    list_select_related = ["shop"]
    inlines = [WebhookQueueInline, WebhookDeliveryInline]
    readonly_fields = ["consecutive_failures", "disabled_at"]
    actions = ["enable"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["shop", *self.readonly_fields] if obj is not None else list(self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: Webhook, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        if change:
            webhooks.webhook_update(
                webhook=obj,
                url=data["url"],
                events=list(data["events"]),
                active=data["active"],
                by_user=request.user,
            )
            return
        webhook, secret = webhooks.webhook_create(
            shop=data["shop"], url=data["url"], events=list(data["events"]), by_user=request.user
        )
        obj.pk = webhook.pk
        self.message_user(
            request,
            format_html("{} <code>{}</code>", _("The signing secret (shown only now):"), secret),
            messages.WARNING,
        )

    def delete_model(self, request: HttpRequest, obj: Webhook) -> None:
        webhooks.webhook_delete(webhook=obj, by_user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        for webhook in queryset:
            webhooks.webhook_delete(webhook=webhook, by_user=request.user)

    @admin.action(description=_("Enable selected webhooks again"), permissions=["change"])
    def enable(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        for webhook in queryset:
            webhooks.webhook_enable(webhook=webhook, by_user=request.user)


class ImportJobForm(forms.ModelForm):
    upload = forms.FileField(label=_("CSV file"), help_text=_("sku;title;quantity;price;gtin;category"))

    class Meta:
        model = ImportJob
        fields = ["shop", "dry_run", "partial"]

    def clean_upload(self) -> Any:
        upload = self.cleaned_data["upload"]
        try:
            csv_import.decode(upload.read())
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc
        upload.seek(0)
        return upload


@admin.register(ImportJob)
class ImportJobAdmin(ShopScopedAdmin):
    list_display = ["created_at", "shop", "original_name", "state", "dry_run", "rows_done", "rows_total"]
    list_filter = ["state", "dry_run"]
    list_select_related = ["shop"]

    @method_decorator(csrf_exempt)  # checked in `upload_receive`, after the size cap is in place
    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method == "POST":
            try:
                rejected = upload_receive(request, max_bytes=settings.LADENKARTE_CSV_MAX_BYTES)
            except UploadTooLarge as exc:
                context = {**self.admin_site.each_context(request), "error": exc.message}
                return TemplateResponse(
                    request, "admin/marketplace/importjob/upload_too_large.html", context, status=413
                )
            if rejected is not None:
                return rejected
        return super().add_view(request, form_url, extra_context)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ImportJobForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["shop", "upload", "dry_run", "partial"]
        return [
            "shop",
            "original_name",
            "state",
            "dry_run",
            "partial",
            "rows_done",
            "rows_total",
            "report",
            "created_at",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else self.get_fields(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ImportJob, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        upload = data["upload"]
        job = csv_import.import_job_create(
            shop=data["shop"],
            data=upload.read(),
            name=upload.name or "",
            dry_run=data["dry_run"],
            partial=data["partial"],
            actor=products.Actor(source=StockMovement.Source.CSV, user=request.user),
        )
        obj.pk = job.pk


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["scope", "state", "response_status", "created_at", "expires_at"]
    list_filter = ["state"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
