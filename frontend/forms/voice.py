"""My-shop forms for posts and job postings: shape only; the services check the rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.models import JobPosting, Post, Product, Shop


class PostForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Post.Kind.choices, initial=Post.Kind.NEWS)
    title = forms.CharField(
        label=_("Title"),
        max_length=120,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Fresh asparagus until Saturday")}),
    )
    text = forms.CharField(
        label=_("Text (optional)"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    ends_on = forms.DateField(
        label=_("Shown until (including)"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    products = forms.ModelMultipleChoiceField(
        label=_("Products in this post (optional, up to 5)"),
        queryset=Product.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )

    def __init__(self, *args: Any, shop: Shop, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The 200 most recently changed listed products (a phone list, not a catalogue); the service checks
        # again that every chosen product is the shop's own.
        recent = Product.objects.filter(shop=shop, active=True).order_by("-updated_at").values("pk")[:200]
        self.fields["products"].queryset = Product.objects.filter(pk__in=recent).order_by("title")
        self.fields["ends_on"].initial = timezone.localdate() + timedelta(days=3)


class JobForm(forms.Form):
    title = forms.CharField(label=_("Job title"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind of job"), choices=JobPosting.Kind.choices)
    hours_per_week = forms.IntegerField(
        label=_("Hours per week (optional)"), min_value=1, max_value=60, required=False
    )
    starts_on = forms.DateField(
        label=_("Start (empty: as soon as possible)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    description = forms.CharField(
        label=_("What the job is about"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )
    apply_email = forms.EmailField(label=_("Apply by e-mail to"), required=False)
    apply_phone = forms.CharField(label=_("Apply by phone"), max_length=40, required=False)
    apply_note = forms.CharField(
        label=_("Or how else to apply"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. drop in with a short letter")}),
    )
    valid_through = forms.DateField(
        label=_("Show until (including)"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["valid_through"].initial = timezone.localdate() + timedelta(days=30)
