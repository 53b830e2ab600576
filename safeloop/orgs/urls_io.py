"""xlsx import and export of enterprises (combined under app_name "orgs" by orgs/urls.py)."""

from django.urls import URLPattern, path

from safeloop.orgs import views_io

urlpatterns: list[URLPattern] = [
    path("enterprises/import/", views_io.enterprise_import, name="enterprise_import"),
    path("enterprises/import/template.xlsx", views_io.enterprise_import_template, name="enterprise_import_template"),
    path("enterprises/import/<uuid:uuid>/", views_io.enterprise_import_detail, name="enterprise_import_detail"),
    path("enterprises/import/<uuid:uuid>/status/", views_io.enterprise_import_status, name="enterprise_import_status"),
    path("enterprises/import/<uuid:uuid>/rerun/", views_io.enterprise_import_rerun, name="enterprise_import_rerun"),
    path("enterprises/export.xlsx", views_io.enterprise_export, name="enterprise_export"),
]
