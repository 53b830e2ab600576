"""The hazard overview page (`hazards:overview`, /hazards/overview/), included by hazards/urls.py."""

from django.urls import path

from safeloop.hazards import views_overview

urlpatterns = [path("", views_overview.overview, name="overview")]
