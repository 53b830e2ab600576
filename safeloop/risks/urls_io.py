"""The 风险辨识清单 as xlsx: template, import and export (joined under "risks" by risks/urls.py)."""

from django.urls import URLPattern, path

from safeloop.risks import views_io

urlpatterns: list[URLPattern] = [
    path("import/", views_io.risk_list_import, name="import"),
    path("import/template.xlsx", views_io.import_template, name="import_template"),
    path("import/<uuid:uuid>/", views_io.import_detail, name="import_detail"),
    path("import/<uuid:uuid>/status/", views_io.import_status, name="import_status"),
    path("import/<uuid:uuid>/rerun/", views_io.import_rerun, name="import_rerun"),
    path("export.xlsx", views_io.risk_list_export, name="export"),
]
