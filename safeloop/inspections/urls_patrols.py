"""Grid patrol pages (namespace "inspections")."""

from django.urls import URLPattern, path

from safeloop.inspections import views_patrols as views

urlpatterns: list[URLPattern] = [
    path("patrols/", views.patrol_log, name="patrol_log"),
    path("patrols/check-in/", views.patrol_check_in, name="patrol_check_in"),
    path("patrols/coverage/", views.patrol_coverage, name="patrol_coverage"),
    path("patrols/grids/<str:code>/", views.patrol_grid, name="patrol_grid"),
    path("patrols/grids/<str:code>/plan/", views.patrol_plan_edit, name="patrol_plan_edit"),
]
