from django.urls import URLPattern, path

from safeloop.risks import views_register as views

urlpatterns: list[URLPattern] = [
    path("", views.point_list, name="list"),
    path("new/", views.point_create, name="create"),
    path("new/enterprises/", views.enterprise_options, name="enterprise_options"),
    path("evaluate/preview/", views.evaluate_preview, name="evaluate_preview"),
    path("bands/", views.bands, name="bands"),
    path("bands/settings/", views.method_setting, name="method_setting"),
    path("bands/<slug:code>/", views.band_table_edit, name="band_edit"),
    path("measures/<uuid:uuid>/edit/", views.measure_edit, name="measure_edit"),
    path("<uuid:uuid>/", views.point_detail, name="detail"),
    path("<uuid:uuid>/edit/", views.point_edit, name="edit"),
    path("<uuid:uuid>/assess/", views.point_assess, name="assess"),
    path("<uuid:uuid>/measures/new/", views.measure_add, name="measure_add"),
    path("<uuid:uuid>/reassess/", views.reassess, name="reassess"),
    path("<uuid:uuid>/active/", views.set_active, name="set_active"),
]
