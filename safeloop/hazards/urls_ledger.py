"""The hazard 台账: xlsx export and the import of historical ledgers (included by hazards/urls.py,
so the names live in the "hazards" namespace)."""

from django.urls import URLPattern, path

from safeloop.hazards import views_ledger

urlpatterns: list[URLPattern] = [
    path("ledger.xlsx", views_ledger.ledger_export, name="ledger_export"),
    path("ledger/import/", views_ledger.ledger_import, name="ledger_import"),
    path("ledger/import/template.xlsx", views_ledger.ledger_import_template, name="ledger_import_template"),
    path("ledger/import/<uuid:uuid>/", views_ledger.ledger_import_detail, name="ledger_import_detail"),
    path("ledger/import/<uuid:uuid>/status/", views_ledger.ledger_import_status, name="ledger_import_status"),
    path("ledger/import/<uuid:uuid>/rerun/", views_ledger.ledger_import_rerun, name="ledger_import_rerun"),
]
