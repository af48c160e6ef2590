"""API routes: residents' reservations (create, status and cancel with code + token)."""

from django.urls import URLPattern, URLResolver, path

from api.views import reservations as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("reservations/", views.ReservationCreateView.as_view(), name="reservation-create"),
    path("reservations/<str:code>/", views.ReservationDetailView.as_view(), name="reservation-detail"),
    path("reservations/<str:code>/cancel/", views.ReservationCancelView.as_view(), name="reservation-cancel"),
    path("reservations/<str:code>/move/", views.ReservationMoveView.as_view(), name="reservation-move"),
]
