"""The city's OpenStreetMap pages: imports (upload/refresh), chains left out, extra tags, empty shops,
claim letters and claim codes. Thin: every write is a service in `marketplace.services`."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from marketplace import spreadsheet
from marketplace.exceptions import DomainError
from marketplace.models import (
    ChainBrand,
    ClaimCode,
    HealthSnapshot,
    OsmImportRun,
    OsmImportTag,
    Shop,
    VacantUnit,
)
from marketplace.selectors import data_health
from marketplace.services.claim_letters import claim_code_send_email, claim_letters_create, claim_letters_pdf
from marketplace.services.osm_import import osm_import

OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz")
BOUNDARY_SUFFIXES = (".poly", ".geojson", ".json")


def _suffix(name: str, allowed: tuple[str, ...]) -> str | None:
    lowered = name.lower()
    return next((suffix for suffix in allowed if lowered.endswith(suffix)), None)


class OsmImportForm(forms.Form):
    file = forms.FileField(
        label=_("OpenStreetMap extract"),
        help_text=_("The town cut out of a regional extract: .osm.pbf or .osm (see the README)."),
    )
    boundary_relation = forms.IntegerField(
        label=_("Boundary relation id"),
        required=False,
        min_value=1,
        help_text=_("The town's administrative boundary; the relation must be in the file."),
    )
    boundary_file = forms.FileField(
        label=_("or: boundary polygon"), required=False, help_text=_("GeoJSON or .poly file.")
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if _suffix(upload.name, OSM_SUFFIXES) is None:
            raise forms.ValidationError(_("Upload an .osm.pbf or .osm file."))
        if upload.size > settings.LADENKARTE_OSM_MAX_BYTES:
            raise forms.ValidationError(_("The file is too large for one town."))
        return upload

    def clean_boundary_file(self) -> Any:
        upload = self.cleaned_data.get("boundary_file")
        if upload and _suffix(upload.name, BOUNDARY_SUFFIXES) is None:
            raise forms.ValidationError(_("Upload a .geojson or .poly file."))
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("boundary_relation")) == bool(data.get("boundary_file")):
            raise forms.ValidationError(_("Give exactly one of relation id and polygon file."))
        return data


def _saved(upload: Any, directory: Path, suffix: str) -> Path:
    target = directory / f"upload{suffix}"
    with target.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return target


@admin.register(OsmImportRun)
class OsmImportRunAdmin(admin.ModelAdmin):
    """Past imports with their reports; "Import from OpenStreetMap" uploads a new extract."""

    list_display = ["created_at", "file_name", "boundary", "created", "updated", "kept", "skipped", "seconds"]
    readonly_fields = ["created_at", "created_by", "file_name", "boundary", "report", "duration_ms"]
    change_list_template = "admin/marketplace/osmimportrun/change_list.html"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("new listings"))
    def created(self, obj: OsmImportRun) -> int:
        return int(obj.report.get("created", 0))

    @admin.display(description=_("updated"))
    def updated(self, obj: OsmImportRun) -> int:
        return int(obj.report.get("updated", 0))

    @admin.display(description=_("local changes kept"))
    def kept(self, obj: OsmImportRun) -> int:
        return sum(obj.report.get("kept_local", {}).values())

    @admin.display(description=_("skipped"))
    def skipped(self, obj: OsmImportRun) -> str:
        return (
            ", ".join(f"{reason}: {count}" for reason, count in obj.report.get("skipped", {}).items()) or "-"
        )

    @admin.display(description=_("seconds"))
    def seconds(self, obj: OsmImportRun) -> str:
        return f"{obj.duration_ms / 1000:.1f}"

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="marketplace_osmimportrun_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = OsmImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            with tempfile.TemporaryDirectory(prefix="osm-import-") as tmp:
                directory = Path(tmp)
                extract = _saved(data["file"], directory, _suffix(data["file"].name, OSM_SUFFIXES) or ".osm")
                boundary = (
                    _saved(
                        data["boundary_file"],
                        directory,
                        _suffix(data["boundary_file"].name, BOUNDARY_SUFFIXES) or ".geojson",
                    )
                    if data.get("boundary_file")
                    else None
                )
                try:
                    run = osm_import(
                        path=extract,
                        boundary_relation=data.get("boundary_relation"),
                        boundary_file=boundary,
                        user=request.user,
                        file_name=data["file"].name,
                    )
                except DomainError as exc:
                    form.add_error(None, exc.message)
                else:
                    self.message_user(
                        request,
                        _("Import done: %(created)s new listings, %(updated)s updated, %(gone)s gone.")
                        % {
                            "created": run.report["created"],
                            "updated": run.report["updated"],
                            "gone": run.report["gone"],
                        },
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:marketplace_osmimportrun_change", args=[run.pk])
                    )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import from OpenStreetMap"),
            "opts": self.model._meta,
            "form": form,
        }
        return TemplateResponse(
            request, "admin/marketplace/osmimportrun/import.html", context, status=400 if form.errors else 200
        )


@admin.register(ChainBrand)
class ChainBrandAdmin(admin.ModelAdmin):
    list_display = ["name", "wikidata"]
    search_fields = ["name", "wikidata"]


@admin.register(OsmImportTag)
class OsmImportTagAdmin(admin.ModelAdmin):
    list_display = ["key", "value"]


@admin.register(VacantUnit)
class VacantUnitAdmin(admin.ModelAdmin):
    """Empty units from OpenStreetMap, for the city's business development (never shown to residents)."""

    list_display = ["street", "name", "former_use", "first_seen_at", "last_seen_at", "gone_at"]
    list_filter = [("gone_at", admin.EmptyFieldListFilter)]
    search_fields = ["street", "name"]
    readonly_fields = [f.name for f in VacantUnit._meta.fields]
    change_list_template = "admin/marketplace/vacantunit/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.has_perm("marketplace.view_empty_shops"))

    def get_urls(self) -> list[URLPattern]:
        return [
            path("karte/", self.admin_site.admin_view(self.map_view), name="marketplace_vacantunit_map"),
            *super().get_urls(),
        ]

    def map_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        units = list(VacantUnit.objects.filter(gone_at=None).order_by("street", "pk"))
        markers = [
            {
                "id": unit.pk,
                "lat": unit.location.y,
                "lng": unit.location.x,
                "title": unit.street or str(_("empty unit")),
                "subtitle": " · ".join(part for part in (unit.name, unit.former_use) if part),
                "url": reverse("admin:marketplace_vacantunit_change", args=[unit.pk]),
            }
            for unit in units
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Empty shops"),
            "opts": self.model._meta,
            "units": units,
            "markers": markers,
        }
        return TemplateResponse(request, "admin/marketplace/vacantunit/map.html", context)


@admin.register(ClaimCode)
class ClaimCodeAdmin(admin.ModelAdmin):
    """Which letters and e-mails went out and which were answered (codes themselves are not stored)."""

    list_display = ["shop", "channel", "created_at", "expires_at", "used_at", "revoked_at"]
    list_filter = ["channel", ("used_at", admin.EmptyFieldListFilter)]
    search_fields = ["shop__name"]
    readonly_fields = [
        "shop",
        "channel",
        "created_at",
        "created_by",
        "expires_at",
        "used_at",
        "used_by",
        "revoked_at",
    ]
    exclude = ["code_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ClaimLetterActions:
    """Admin actions on listings: print claim letters (one PDF) or e-mail claim codes."""

    def has_review_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("marketplace.review_shop"))

    @admin.action(description=_("Print claim letters (PDF) for selected listings"), permissions=["review"])
    def print_claim_letters(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        listings = list(queryset.filter(status=Shop.Status.LISTED).select_related("osm"))
        if not listings:
            self.message_user(  # type: ignore[attr-defined]
                request, _("Choose listings (status “listing”): only they get claim letters."), messages.ERROR
            )
            return None
        letters = claim_letters_create(shops=listings, user=request.user)
        pdf = claim_letters_pdf(letters=letters)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="claim-letters-{timezone.localdate():%Y-%m-%d}.pdf"'
        )
        return response

    @admin.action(description=_("E-mail claim codes to selected listings"), permissions=["review"])
    def email_claim_codes(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        sent, failed = 0, []
        for shop in queryset.filter(status=Shop.Status.LISTED).order_by("pk"):
            try:
                claim_code_send_email(shop=shop, user=request.user)
                sent += 1
            except DomainError as exc:
                failed.append(exc.message)
        if sent:
            self.message_user(  # type: ignore[attr-defined]
                request,
                ngettext("%(count)d claim e-mail sent.", "%(count)d claim e-mails sent.", sent)
                % {"count": sent},
                messages.SUCCESS,
            )
        for text in failed:
            self.message_user(request, text, messages.WARNING)  # type: ignore[attr-defined]


@admin.register(HealthSnapshot)
class HealthSnapshotAdmin(admin.ModelAdmin):
    """The data-health board: every shop on the map with its score, needs-help-first; CSV; totals over
    time."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        from marketplace.admin.city import bar_chart  # city.py imports this module (ClaimLetterActions)

        if not self.has_view_permission(request):
            raise PermissionDenied
        now = timezone.now()
        rows = data_health.data_health_shops(now=now)
        if request.GET.get("export") == "csv":
            return data_health_csv(rows)
        history = data_health.data_health_history(now=now)
        chart = bar_chart(
            [
                (
                    f"{snapshot.date:%d.%m.}",
                    int(snapshot.totals.get("shops", 0)),
                    int(snapshot.totals.get("claimed", 0)),
                )
                for snapshot in history[-30:]
            ]
        )
        score_chart = bar_chart(
            [(f"{s.date:%d.%m.}", round(float(s.totals.get("average_score", 0))), 0) for s in history[-30:]]
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Data health"),
            "opts": self.model._meta,
            "rows": rows,
            "totals": data_health.data_health_totals(rows),
            "chart": chart,
            "score_chart": score_chart,
            "weights": data_health.WEIGHTS,
            "connectors": data_health.till_connectors_board(),
        }
        return TemplateResponse(request, "admin/marketplace/data_health.html", context)


def data_health_csv(rows: list[data_health.ShopHealth]) -> HttpResponse:
    """The board as CSV (semicolons and a BOM, as the insights exports: Excel opens it as it is)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="data-health-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    response.write("\ufeff")
    spreadsheet.writer(response, delimiter=";").writerows(data_health.data_health_table(rows))
    return response
