"""Browsing and editing organisation data (combined under app_name "orgs" by orgs/urls.py)."""

from django.urls import path

from safeloop.orgs import views, views_enterprises, views_zones

urlpatterns = [
    path("enterprises/", views_enterprises.enterprise_list, name="enterprise_list"),
    path("enterprises/new/", views_enterprises.enterprise_create, name="enterprise_create"),
    path("enterprises/<uuid:uuid>/", views_enterprises.enterprise_detail, name="enterprise_detail"),
    path("enterprises/<uuid:uuid>/edit/", views_enterprises.enterprise_edit, name="enterprise_edit"),
    path("divisions/", views.division_tree, name="division_tree"),
    path("zones/<slug:code>/", views_zones.zone_detail, name="zone_detail"),
    path("grids/", views.grid_map, name="grid_map"),
    path("grids/geojson/", views.grid_geojson, name="grid_geojson"),
    path("grids/<str:code>/", views.grid_detail, name="grid_detail"),
    path("departments/", views.department_list, name="department_list"),
    path("responsibility/", views.responsibility_map, name="responsibility_map"),
    path("responsibility/<slug:sector>/<str:level>/", views.responsibility_rule_row, name="responsibility_rule_row"),
    path(
        "responsibility/<slug:sector>/<str:level>/edit/",
        views.responsibility_rule_edit,
        name="responsibility_rule_edit",
    ),
]
