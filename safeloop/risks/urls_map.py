"""The 四色图: the regional map, its data and aggregate, and the enterprise's site plan."""

from django.urls import URLPattern, path

from safeloop.risks import views_map as views

urlpatterns: list[URLPattern] = [
    path("map/", views.risk_map, name="map"),
    path("map/data.geojson", views.risk_map_data, name="map_data"),
    path("map/summary/", views.risk_map_summary, name="map_summary"),
    path("site-plan/<uuid:uuid>/", views.site_plan, name="site_plan"),
    path("site-plan/<uuid:uuid>/image/", views.site_plan_image, name="site_plan_image"),
    path("site-plan/points/<uuid:uuid>/place/", views.place_point, name="place_point"),
    path("site-plan/points/<uuid:uuid>/unplace/", views.unplace_point, name="unplace_point"),
]
